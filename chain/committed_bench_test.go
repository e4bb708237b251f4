package chain

import (
	"testing"

	"github.com/pnyx-party/pnyx/modules/members"
)

// BenchmarkCommittedMemberRead: what an eligibility check costs, opening
// the committed version and reading one member there, on a disk store.
func BenchmarkCommittedMemberRead(b *testing.B) {
	ba := newBenchApp(b)
	at := ba.app.store.Version() - 1
	id := members.DeriveID(pubHex(ba.keys[benchMembers/2]))
	b.ResetTimer()
	for range b.N {
		kv, err := ba.app.committed(at)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := members.Get(kv, id); !ok {
			b.Fatal("member missing")
		}
	}
}
