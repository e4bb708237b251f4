package members_test

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// An election's eligibility is the registry as committed at the height
// before its creation, possibly weeks ago. A member's record carries its
// own history so that a block reads that registry from today's record
// instead of an old version of the state: for every member and every
// height, StandingAt on the latest record must say exactly what the
// version committed at that height says. Officials move, reclass, suspend,
// reinstate and expel members at random over fifty blocks, several acts
// in a block and now and then two on one member in one block.
func TestStandingAtIsTheRegistryAsCommitted(t *testing.T) {
	c := newTestChain(t)
	c.send(org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "Seoul", Parent: "hq"})
	c.send(org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "Busan", Parent: "hq"})
	ids := c.approve("hq", 0, 12)
	ids = append(ids, c.approve("seoul", 12, 12)...)
	chapters := []string{"hq", "seoul", "busan"}
	first := c.st.Version()

	counted := 0
	rng := rand.New(rand.NewPCG(17, 3))
	height := int64(c.nonce) + 2
	for b := 0; b < 50; b++ {
		// Acts are chosen against the records as they will stand, so that
		// every one of them is valid in its turn.
		now := map[string]members.Member{}
		cur := func(id string) members.Member {
			if m, ok := now[id]; ok {
				return m
			}
			m, _ := members.Get(c.st, id)
			return m
		}
		var txs [][]byte
		for a := rng.IntN(4); a >= 0; a-- {
			if b == 25 && a == 0 { // a member who joins late
				ids = append(ids, c.approveIn(&txs, "busan", 24, 1)...)
				continue
			}
			id := ids[rng.IntN(len(ids))]
			m := cur(id)
			switch {
			case m.Status == members.Withdrawn || m.Status == members.Expelled:
				continue
			case m.Status == members.Suspended && rng.IntN(2) == 0:
				txs = append(txs, c.signed(members.TypeReinstate, members.StatusBody{Member: id}))
				m.Status = members.Active
			case rng.IntN(8) == 0:
				txs = append(txs, c.signed(members.TypeExpel, members.StatusBody{Member: id, Reason: members.ReasonOther}))
				m.Status = members.Expelled
			case m.Status == members.Active && rng.IntN(4) == 0:
				txs = append(txs, c.signed(members.TypeSuspend, members.StatusBody{Member: id, Reason: members.ReasonDuesUnpaid}))
				m.Status = members.Suspended
			case rng.IntN(2) == 0:
				to := chapters[rng.IntN(len(chapters))]
				if to == m.Chapter {
					continue
				}
				txs = append(txs, c.signed(members.TypeTransfer, members.TransferBody{Member: id, Chapter: to}))
				m.Chapter = to
			default:
				to := members.General
				if m.Class == members.General {
					to = members.Responsible
				}
				txs = append(txs, c.signed(members.TypeSetClass, members.SetClassBody{Member: id, Class: to}))
				m.Class = to
			}
			c.nonce++
			now[id] = m
		}
		c.block(height, txs...)
		counted += countsBefore(t, c, height, chapters)
		height++
	}
	if counted == 0 {
		t.Fatal("no block changed an active count")
	}

	changed := 0
	for _, id := range ids {
		latest, _ := members.Get(c.st, id)
		changed += len(latest.Past)
		for h := first - 2; h <= c.st.Version(); h++ {
			var then members.Member
			var ok bool
			if h >= 1 {
				snap, err := c.st.Snapshot(h)
				if err != nil {
					t.Fatal(err)
				}
				then, ok = members.Get(snap, id)
			}
			got, known := latest.StandingAt(h)
			if known != ok || (ok && got != then.Standing()) {
				t.Fatalf("member %s at height %d: the record says %+v (known %v), the state committed then %+v (present %v)",
					id, h, got, known, then.Standing(), ok)
			}
		}
	}
	if changed < 40 {
		t.Fatalf("only %d past standings over the run; the story changes too little to test", changed)
	}
}

// A record keeps MaxPast standings; earlier heights are not known rather
// than answered wrongly.
func TestARecordForgetsBeyondMaxPast(t *testing.T) {
	c := newTestChain(t)
	c.send(org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "Seoul", Parent: "hq"})
	id := c.approve("hq", 0, 1)[0]
	joined := c.st.Version()
	to := []string{"seoul", "hq"}
	for i := 0; i < members.MaxPast+3; i++ {
		c.send(members.TypeTransfer, members.TransferBody{Member: id, Chapter: to[i%2]})
	}
	m, _ := members.Get(c.st, id)
	if len(m.Past) != members.MaxPast {
		t.Fatalf("the record keeps %d past standings, want %d", len(m.Past), members.MaxPast)
	}
	if m.PastFrom <= joined {
		t.Fatalf("past_from %d: the forgotten standings began at %d", m.PastFrom, joined)
	}
	if _, ok := m.StandingAt(m.PastFrom - 1); ok {
		t.Fatalf("a standing before past_from (%d) was answered", m.PastFrom)
	}
	for _, h := range []int64{m.PastFrom, m.PastFrom + 5, c.st.Version()} {
		snap, _ := c.st.Snapshot(h)
		then, _ := members.Get(snap, id)
		if got, ok := m.StandingAt(h); !ok || got != then.Standing() {
			t.Fatalf("at height %d the record says %+v (%v), the state %+v", h, got, ok, then.Standing())
		}
	}
}

// countsBefore checks, after block height, that ActiveCountBefore read
// from its state gives the counts committed at height-1 (what an election
// created in the block counts) and, for the next block, those committed
// at height. It returns how many counts the block changed.
func countsBefore(t *testing.T, c *testChain, height int64, chapters []string) int {
	t.Helper()
	prev, err := c.st.Snapshot(height - 1)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, ch := range chapters {
		for _, class := range []members.Class{members.General, members.Responsible, ""} {
			then, now := members.ActiveCount(prev, ch, class), members.ActiveCount(c.st, ch, class)
			if got := members.ActiveCountBefore(c.st, ch, class, height); got != then {
				t.Fatalf("block %d, %s/%q: counted %d before the block, the state committed before it has %d", height, ch, class, got, then)
			}
			if got := members.ActiveCountBefore(c.st, ch, class, height+1); got != now {
				t.Fatalf("block %d, %s/%q: counted %d before the next block, the state has %d", height, ch, class, got, now)
			}
			if class != "" && then != now {
				changed++
			}
		}
	}
	return changed
}

// A chain upgraded from counters of 8 bytes (before they kept the count
// their block started from) reads them as they were: the count, unchanged
// before any block that still executes.
func TestEightByteCountersReadAsTheyWere(t *testing.T) {
	st := store.OpenMemory()
	var old [8]byte
	binary.BigEndian.PutUint64(old[:], 41)
	st.Set([]byte("mem/count/hq/general"), old[:])
	if n := members.ActiveCount(st, "hq", members.General); n != 41 {
		t.Fatalf("an 8-byte counter of 41 reads as %d", n)
	}
	if n := members.ActiveCountBefore(st, "hq", members.General, 7); n != 41 {
		t.Fatalf("an 8-byte counter of 41 reads as %d before block 7", n)
	}
}
