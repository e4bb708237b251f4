package record_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/internal/testkeys"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/election/simulate"
)

// TestStreamedVerificationIsTheSameWhateverTheCoresAndChunks verifies a
// version-5 record read from a file a chunk at a time (as `pnyx verify
// election` does) with one, two and five workers and chunks of one batch,
// so that re-votes replace ballots of earlier chunks and the logs, heights,
// answers and registry proofs span chunks too, and asserts every report is
// the one the whole record in memory gives: valid, and, once a ballot of a
// middle chunk is tampered with and an early ballot replayed at the end,
// rejected with the same failures.
func TestStreamedVerificationIsTheSameWhateverTheCoresAndChunks(t *testing.T) {
	var seed [32]byte
	seed[0] = 17
	res, err := simulate.Run(simulate.Config{Voters: 600, Options: 2, Trustees: 3, Threshold: 2, Issuers: 2,
		Revotes: 60, Spoiled: 1, Seed: seed, IssuerKeys: testkeys.RSA(2), FastCredentials: true, RecordVersion: 5})
	if err != nil {
		t.Fatal(err)
	}
	valid := res.Record.Encode()
	rec, err := record.Decode(bytes.Clone(valid))
	if err != nil {
		t.Fatal(err)
	}
	rec.Cast[300][100] ^= 1 // inside a ballot of the second chunk
	rec.Cast = append(rec.Cast, rec.Cast[5])
	rec.Timeline.Cast = append(rec.Timeline.Cast, rec.Timeline.Cast[len(rec.Timeline.Cast)-1])
	tampered := rec.Encode()

	for _, c := range []struct {
		name string
		data []byte
		ok   bool
		fail []string
	}{
		{"valid", valid, true, nil},
		{"tampered", tampered, false, []string{record.CheckCredentials, record.CheckUniqueCredentials}},
	} {
		whole, err := record.Decode(c.data)
		if err != nil {
			t.Fatal(err)
		}
		want := reportText(record.Verify(whole, record.Options{Workers: 1}))
		if strings.Contains(string(want), "VALID") != c.ok {
			t.Fatalf("%s: in memory:\n%s", c.name, want)
		}
		for _, f := range c.fail {
			if !strings.Contains(string(want), "FAIL  "+f) {
				t.Fatalf("%s: %s does not fail:\n%s", c.name, f, want)
			}
		}
		restore := record.SetChunk(ballot.BatchSize)
		for _, workers := range []int{1, 2, 5} {
			// bytes.Reader, not a slice: the path a file takes.
			got := reportText(record.VerifyReader(bytes.NewReader(c.data), int64(len(c.data)), record.Options{Workers: workers}))
			if !bytes.Equal(got, want) {
				t.Fatalf("%s, %d workers, chunks of %d: streamed report differs\n--- in memory\n%s\n--- streamed\n%s",
					c.name, workers, ballot.BatchSize, want, got)
			}
		}
		restore()
	}
}
