package assembly_test

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"

	"github.com/pnyx-party/pnyx/internal/golden"
	"github.com/pnyx-party/pnyx/modules/assembly"
)

var update = flag.Bool("update", false, "rewrite testdata/assembly/record-vectors.json")

// recordVector is a meeting record in the shape GET /v1/assembly/meetings/{id}
// serves it, with the hash the chair and the secretary sign.
type recordVector struct {
	Name       string            `json:"name"`
	Meeting    assembly.Meeting  `json:"meeting"`
	Present    int64             `json:"present"`
	Motions    []assembly.Motion `json:"motions"`
	RecordHash string            `json:"record_hash"`
}

// TestRecordVectors writes the meeting records whose hash the officials'
// console computes in the browser (web/src/console/chain.ts recordHash,
// checked by web/test/console.test.ts), so the hash the chair's page shows
// and signs is the one the chain checks. It fails if Go's hashing or the
// records' JSON change without the vectors being rewritten (-update).
func TestRecordVectors(t *testing.T) {
	q := &assembly.QuorumCheck{Present: 2, Base: 3, Met: true, At: 1764583200}
	closed := assembly.Meeting{ID: "seoul-cttee.1", Body: "seoul-cttee", Chapter: "seoul", Title: "제1차 운영위원회 <예산> & \"청년\"", ScheduledAt: 1764583200,
		Agenda: []assembly.AgendaItem{{No: 1, Title: "2027년 예산안"}, {No: 2, Title: "청년위원회\n구성"}}, State: assembly.Closed, OpenedAt: 1764583300, ClosedAt: 1764586800,
		QuorumAtClose: q, Motions: 2, Minutes: &assembly.MinutesRef{Hash: "d9721a79454fd9f4" + "d9721a79454fd9f4d9721a79454fd9f4d9721a79454fd9f4", Size: 104, Inline: true}, Secretary: "m0123456789abcdef0123", Height: 12}
	motions := []assembly.Motion{
		{Meeting: closed.ID, No: 1, AgendaItem: 1, Title: "예산안 승인", Text: "원안대로 승인한다. \u2028 <b>", Decision: assembly.Adopted, For: 2, Abstain: 0, Quorum: q, DecidedAt: 1764584000, Conclusions: "가결"},
		{Meeting: closed.ID, No: 2, AgendaItem: 2, Title: "위원회 구성", Text: "다음 회의로 미룬다.", Decision: assembly.Deferred, Quorum: q, DecidedAt: 1764585000},
	}
	convention := assembly.Meeting{ID: "seoul-convention.3", Body: "seoul-convention", Chapter: "seoul", Title: "당원대회", ScheduledAt: 1, Agenda: []assembly.AgendaItem{{No: 1, Title: "위원장 선출"}},
		ExpectedAttendees: 100, State: assembly.Closed, OpenedAt: 2, ClosedAt: 3, QuorumAtClose: &assembly.QuorumCheck{Present: 1, Base: 100}, Secretary: "m0123456789abcdef0123", Height: 3}
	var vs []recordVector
	for _, v := range []recordVector{
		{Name: "closed committee meeting with motions and minutes", Meeting: closed, Present: 2, Motions: motions},
		{Name: "inquorate convention without motions", Meeting: convention, Present: 1, Motions: []assembly.Motion{}},
	} {
		v.RecordHash = hex.EncodeToString(assembly.ComputeRecordHash(v.Meeting, v.Present, v.Motions))
		vs = append(vs, v)
	}
	got, err := json.MarshalIndent(map[string]any{"comment": "Made by go test ./modules/assembly -run TestRecordVectors -update; web/test/console.test.ts must compute every record_hash.", "records": vs}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, filepath.Join("..", "..", "testdata", "assembly", "record-vectors.json"), got, *update,
		"the record hash or its JSON changed. If on purpose, rerun with -update and check web/src/console/chain.ts")
}
