package chain

import (
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/modules/token"
)

// The keys behind the API's signed reads are personal, as the modules'
// specs declare them; the records anyone may read are not.
func TestPersonalKeysAreTheSignedReads(t *testing.T) {
	app := New(store.OpenMemory(), modules.New(), Options{})
	for _, k := range [][]byte{members.MemberKey("m1"),
		petition.AgreementKey("p1", "m1"), []byte("mem/ch/hq/m1"), []byte("pet/vote/c1/m1"), []byte("pet/rep/c1/m1")} {
		if !app.Personal(k) {
			t.Errorf("%s is not treated as personal", k)
		}
	}
	for _, k := range [][]byte{org.ChapterKey("hq"), petition.PetitionKey("p1"), petition.CommentKey("c1"), token.SupplyKey(), []byte("acct/x")} {
		if app.Personal(k) {
			t.Errorf("%s is treated as personal", k)
		}
	}
}
