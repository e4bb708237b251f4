package validator_test

import (
	"testing"

	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
)

// TestScenarios runs testdata/*.txt in-process; -rewrite regenerates their
// expected outputs.
func TestScenarios(t *testing.T) { scenariotest.InProcess(t, "testdata") }
