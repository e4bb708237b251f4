// Package pnyx holds what belongs to the repository as a whole: the
// scenario files of every module (modules/*/testdata/*.txt, package
// internal/scenario), embedded so that `pnyx demo` tells the same stories
// the module tests and e2e run.
package pnyx

import "embed"

// Scenarios holds modules/*/testdata/*.txt. A new module's files are in it
// without any edit here.
//
//go:embed modules/*/testdata/*.txt
var Scenarios embed.FS

// DemoOrder is the order `pnyx demo` tells the scenarios in: members and
// points first, then a supreme council with a certificate, a petition
// discussed and searched, and an election to its verified record. Files
// not listed follow, by path.
var DemoOrder = []string{
	"modules/members/testdata/signup-and-standing.txt",
	"modules/org/testdata/authority-is-scoped.txt",
	"modules/org/testdata/missing-role.txt",
	"modules/token/testdata/points.txt",
	"modules/assembly/testdata/supreme-council.txt",
	"modules/petition/testdata/discussion-and-search.txt",
	"modules/election/testdata/story.txt",
}
