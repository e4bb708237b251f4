package token

import (
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/members"
)

// The invariant check catches each way the supply and the members' points
// can disagree.
func TestCheckSupplyCatchesDisagreement(t *testing.T) {
	setup := func() *store.Store {
		s := store.OpenMemory()
		module.Put(s, members.MemberKey("m1"), members.Member{ID: "m1", Points: 70})
		module.Put(s, members.MemberKey("m2"), members.Member{ID: "m2", Points: 30})
		module.Put(s, members.MemberKey("m3"), members.Member{ID: "m3"})
		module.Put(s, supplyKey, Supply{Total: 100, Minted: 120, Burned: 20})
		return s
	}
	if err := CheckSupply(setup()); err != nil {
		t.Fatalf("consistent state: %v", err)
	}
	for name, breakIt := range map[string]func(*store.Store){
		"points grew":       func(s *store.Store) { module.Put(s, members.MemberKey("m1"), members.Member{ID: "m1", Points: 71}) },
		"supply shrank":     func(s *store.Store) { module.Put(s, supplyKey, Supply{Total: 99, Minted: 119, Burned: 20}) },
		"minted-burned off": func(s *store.Store) { module.Put(s, supplyKey, Supply{Total: 100, Minted: 120, Burned: 21}) },
		"points misfiled":   func(s *store.Store) { module.Put(s, members.MemberKey("m3"), members.Member{ID: "m2"}) },
		"member vanished":   func(s *store.Store) { s.Delete(members.MemberKey("m2")) },
		"points undecodable": func(s *store.Store) {
			s.Set(members.MemberKey("m3"), []byte(`{"id":"m3","points":-1}`))
		},
	} {
		s := setup()
		breakIt(s)
		if err := CheckSupply(s); err == nil || !strings.Contains(err.Error(), "token invariant") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
