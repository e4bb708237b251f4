package token

import (
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
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

// countingKV counts the writes that reach a store.
type countingKV struct {
	store.KV
	writes int
}

func (c *countingKV) Set(k, v []byte) { c.writes++; c.KV.Set(k, v) }

// TestMintRewardReadsTheRecordOnceAndWritesOnlyAChange: a reward goes to an
// active member's record, with the supply; a member not active, or no
// member, is refused with WrongState and nothing written; a reward of
// nothing writes nothing (the record is written only when its points
// change, so the tree, and the app hash, stay as they were).
func TestMintRewardReadsTheRecordOnceAndWritesOnlyAChange(t *testing.T) {
	s := store.OpenMemory()
	m1, m2 := members.DeriveID("01"), members.DeriveID("02")
	module.Put(s, members.MemberKey(m1), members.Member{ID: m1, Status: members.Active, Points: 10})
	module.Put(s, members.MemberKey(m2), members.Member{ID: m2, Status: members.Suspended, Points: 10})
	module.Put(s, supplyKey, Supply{Total: 20, Minted: 20})
	kv := &countingKV{KV: s}
	ctx := &module.Context{Store: kv}
	tok := &Token{}
	for _, id := range []string{m2, members.DeriveID("03")} {
		if err := tok.MintReward(ctx, id, 5, "kpi"); codes.Of(err) != codes.WrongState {
			t.Errorf("reward to %s: %v, want WrongState", id, err)
		}
	}
	if err := tok.MintReward(ctx, m1, 0, "kpi"); err != nil {
		t.Fatal(err)
	}
	if kv.writes != 0 {
		t.Fatalf("refused and empty rewards wrote %d records", kv.writes)
	}
	if err := tok.MintReward(ctx, m1, 5, "kpi"); err != nil {
		t.Fatal(err)
	}
	if m, _ := members.Get(s, m1); m.Points != 15 || GetSupply(s).Minted != 25 || GetSupply(s).Total != 25 {
		t.Fatalf("after a reward of 5: points %d, supply %+v", m.Points, GetSupply(s))
	}
	if err := CheckSupply(s); err != nil {
		t.Fatal(err)
	}
}
