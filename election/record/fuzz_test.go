package record_test

import (
	"bytes"
	"testing"

	"github.com/pnyx-party/pnyx/election/record"
)

// The record decoder must not panic or over-allocate on any input, and
// must be the inverse of Encode on what it accepts. Seeded with a real
// record so the fuzzer mutates deep fields.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(baseRecord(f))
	f.Add(versionedRecord(f, 5).Record.Encode())
	f.Add([]byte(record.Magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := record.Decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Encode(), b) {
			t.Fatal("record decode/encode is not the identity")
		}
	})
}
