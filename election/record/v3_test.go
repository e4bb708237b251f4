package record_test

import (
	"bytes"
	"slices"
	"sync"
	"testing"

	"github.com/pnyx-party/pnyx/election/internal/testkeys"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/election/simulate"
)

var (
	v3Once sync.Once
	v3     []byte
)

// v3Record is baseRecord's election as a version-3 record.
func v3Record(t testing.TB) []byte {
	v3Once.Do(func() {
		var s [32]byte
		s[0] = 43
		res, err := simulate.Run(simulate.Config{Voters: 6, Options: 3, Trustees: 4, Threshold: 2,
			Issuers: 2, Revotes: 2, Absent: 1, Spoiled: 2, CheatingDealer: 4, Seed: s,
			IssuerKeys: testkeys.RSA(2), FastCredentials: true, RecordVersion: 3})
		if err != nil {
			panic(err)
		}
		v3 = res.Record.Encode()
	})
	return v3
}

func TestVersion3RecordVerifiesAndRoundTrips(t *testing.T) {
	data := v3Record(t)
	if string(data[:8]) != record.Magic3 {
		t.Fatalf("magic %q", data[:8])
	}
	rep := record.VerifyBytes(data, record.Options{})
	if !rep.OK() {
		t.Fatalf("failed: %v", rep.Failed())
	}
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
	}
	if len(names) != 24 || !slices.Contains(names, record.CheckTimeline) || !slices.Contains(names, record.CheckAnswered) {
		t.Fatalf("checks %v", names)
	}
	rec, err := record.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Encode(), data) {
		t.Fatal("decode/encode is not the identity")
	}
	// A version-2 reader's view: the same record without its timeline is a
	// valid version-2 record with the version-2 checks only.
	rec.Version, rec.Timeline = 2, nil
	if rep := record.Verify(rec, record.Options{}); !rep.OK() || len(rep.Checks) != 22 {
		t.Fatalf("as version 2: %v, %d checks", rep.Failed(), len(rep.Checks))
	}
	// Every byte of the timeline counts: one more or one less is a format error.
	for _, bad := range [][]byte{append(bytes.Clone(data), 0), data[:len(data)-1]} {
		if _, err := record.Decode(bad); err == nil {
			t.Fatal("a timeline of the wrong length decoded")
		}
	}
}

// TestTimelineMutationsAreRejected changes each new field of version 3 the
// way a dishonest exporter (or a chain that let an issuer answer late)
// would, and asserts the check that must catch it fails.
func TestTimelineMutationsAreRejected(t *testing.T) {
	data := v3Record(t)
	// newBlock appends a block at time at and returns its height.
	newBlock := func(r *record.Record, at int64) uint64 {
		last := r.Timeline.Blocks[len(r.Timeline.Blocks)-1]
		h := last.Height + 1
		r.Timeline.Blocks = append(r.Timeline.Blocks, record.Block{Height: h, Time: max(at, last.Time)})
		return h
	}
	mutations := []struct {
		name   string
		check  string
		mutate func(r *record.Record)
	}{
		{"an answer after voting opened (finding 2's attack)", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Requests[0][3].Answered = newBlock(r, r.Schedule.VoteStart+5)
		}},
		{"an answer before its request", record.CheckTimeline, func(r *record.Record) {
			e := &r.Timeline.Requests[1][2]
			e.Answered = r.Timeline.Requests[1][0].Requested
		}},
		{"a request before issuance opened", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Blocks[0].Time = r.Schedule.IssueStart - 1
		}},
		{"a ballot after voting closed", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Cast[len(r.Timeline.Cast)-1] = newBlock(r, r.Schedule.VoteEnd)
		}},
		{"a ballot during issuance", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Cast[0] = r.Timeline.Requests[0][0].Answered
		}},
		{"a spoiled ballot outside voting", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Spoiled[0] = r.Timeline.Requests[0][1].Requested
		}},
		{"cast ballots out of block order", record.CheckTimeline, func(r *record.Record) {
			c := r.Timeline.Cast
			c[0], c[1] = c[1], c[0]
		}},
		{"a height missing from the block table", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Cast[2] = 1 << 40
		}},
		{"blocks out of order", record.CheckTimeline, func(r *record.Record) {
			b := r.Timeline.Blocks
			b[0].Height, b[1].Height = b[1].Height, b[0].Height
		}},
		{"a block at the registry snapshot", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Blocks[0].Height = r.Eligibility.RegistryHeight
		}},
		{"block time going backwards", record.CheckTimeline, func(r *record.Record) {
			b := r.Timeline.Blocks
			b[5].Time = b[4].Time - 1
		}},
		{"fewer answers than voters", record.CheckAnswered, func(r *record.Record) {
			for j := range r.Timeline.Requests[1] {
				r.Timeline.Requests[1][j].Answered = 0
			}
		}},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			rec, err := record.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			m.mutate(rec)
			raw := rec.Encode()
			rep := record.VerifyBytes(raw, record.Options{Workers: 1})
			failed := rep.Failed()
			if !slices.Contains(failed, m.check) {
				t.Fatalf("failed %v, want %s", failed, m.check)
			}
		})
	}
}
