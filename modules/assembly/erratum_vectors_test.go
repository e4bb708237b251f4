package assembly_test

import (
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/pnyx-party/pnyx/internal/golden"
	"github.com/pnyx-party/pnyx/modules/assembly"
)

// erratumVector is an erratum as the console drafts it (no new minutes),
// with the hash the chair and the secretary sign.
type erratumVector struct {
	Name        string `json:"name"`
	Meeting     string `json:"meeting"`
	No          int    `json:"no"`
	Target      string `json:"target"`
	Correction  string `json:"correction"`
	Reason      string `json:"reason"`
	ErratumHash string `json:"erratum_hash"`
}

// TestErratumVectors writes the errata whose hash the officials' console
// computes in the browser (web/src/console/chain.ts erratumHash, checked by
// web/test/console.test.ts): the chair's page signs that hash and
// assembly/erratum finds the signature under the hash Go computes, so the
// two must agree byte for byte, HTML-escaped characters included. Rewrite
// with -update.
func TestErratumVectors(t *testing.T) {
	var vs []erratumVector
	for _, v := range []erratumVector{
		{Name: "motion correction with characters Go escapes", Meeting: "seoul-cttee.1", No: 1, Target: "motion:1", Correction: "찬성 2, 반대 0 <정정> & \"확인\"\n\u2028끝", Reason: "표결 수 누락"},
		{Name: "meeting correction, later erratum", Meeting: "council.3", No: 12, Target: "meeting", Correction: "회의 장소는 본관이다", Reason: "누락"},
	} {
		v.ErratumHash = hex.EncodeToString(assembly.ErratumHash(assembly.Erratum{Meeting: v.Meeting, No: v.No, Target: v.Target, Correction: v.Correction, Reason: v.Reason}))
		vs = append(vs, v)
	}
	got, err := json.MarshalIndent(map[string]any{"comment": "Made by go test ./modules/assembly -run TestErratumVectors -update; web/test/console.test.ts must compute every erratum_hash.", "errata": vs}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, filepath.Join("..", "..", "testdata", "assembly", "erratum-vectors.json"), got, *update,
		"the erratum hash or its JSON changed. If on purpose, rerun with -update and check web/src/console/chain.ts")
}
