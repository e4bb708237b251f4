package token

import (
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/module"
)

// The invariant check catches each way supply and balances can disagree.
func TestCheckSupplyCatchesDisagreement(t *testing.T) {
	setup := func() *store.Store {
		s := store.OpenMemory()
		module.Put(s, balanceKey("m1"), Balance{Member: "m1", Points: 70})
		module.Put(s, balanceKey("m2"), Balance{Member: "m2", Points: 30})
		module.Put(s, supplyKey, Supply{Total: 100, Minted: 120, Burned: 20})
		return s
	}
	if err := CheckSupply(setup()); err != nil {
		t.Fatalf("consistent state: %v", err)
	}
	for name, breakIt := range map[string]func(*store.Store){
		"balance grew":      func(s *store.Store) { module.Put(s, balanceKey("m1"), Balance{Member: "m1", Points: 71}) },
		"supply shrank":     func(s *store.Store) { module.Put(s, supplyKey, Supply{Total: 99, Minted: 119, Burned: 20}) },
		"minted-burned off": func(s *store.Store) { module.Put(s, supplyKey, Supply{Total: 100, Minted: 120, Burned: 21}) },
		"balance misfiled":  func(s *store.Store) { module.Put(s, balanceKey("m3"), Balance{Member: "m2", Points: 0}) },
		"balance vanished":  func(s *store.Store) { s.Delete([]byte(balanceKey("m2"))) },
	} {
		s := setup()
		breakIt(s)
		if err := CheckSupply(s); err == nil || !strings.Contains(err.Error(), "invariant broken") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
