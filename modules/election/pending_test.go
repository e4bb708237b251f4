package election

import (
	"bytes"
	"encoding/json"
	"sort"
	"testing"
)

// countingKV is an in-memory store.Reader that counts Gets: the issuer's
// reads of state, which over the API are one HTTP request each.
type countingKV struct {
	m    map[string][]byte
	gets int
}

func (c *countingKV) Get(k []byte) []byte { c.gets++; return c.m[string(k)] }
func (c *countingKV) Iterate(prefix []byte, fn func(k, v []byte) bool) {
	var keys []string
	for k := range c.m {
		if bytes.HasPrefix([]byte(k), prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !fn([]byte(k), c.m[k]) {
			return
		}
	}
}

// pendingState holds n credential requests of election e, none answered.
func pendingState(t *testing.T, e *Election, n int) *countingKV {
	kv := &countingKV{m: map[string][]byte{}}
	set := func(k string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		kv.m[k] = b
	}
	set(string(TallyKey(e.ID)), Tally{Requests: uint64(n)})
	for seq := range uint64(n) {
		set(string(RequestKey(e.ID, seq)), CredentialRequest{Seq: seq, Key: "00", Blinded: []string{"aa", "bb"}, Signatures: []string{"cc", "dd"}})
	}
	return kv
}

// The issuer's read path answering every request in MaxIssueBatch batches
// must read each request a bounded number of times: issue 17 found the
// issuer tool rescanning from request 0 on every batch (Unanswered), one
// HTTP read per key: 35,777 reads for 2,000 requests here, ~N²/128 (7×10¹⁰
// for 3M). Following Pending's cursor reads each request once.
func TestIssuerReadsAreLinearInRequests(t *testing.T) {
	e := &Election{ID: "e", Issuers: []string{"a", "b"}}
	const n = 2000
	kv := pendingState(t, e, n)
	// A few requests were answered already (an earlier, interrupted run).
	for _, s := range []uint64{0, 5, 1999} {
		kv.m[string(BlindSigKey(e.ID, s, 1))] = []byte{1}
	}
	answered, from, pages := 0, uint64(0), 0
	for {
		p, err := Pending(kv, e, 1, from, MaxIssueBatch)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(p.Pending) == 0 && p.Next >= p.Requests {
			break
		}
		for _, r := range p.Pending {
			if r.Blinded != "bb" || r.Signature != "dd" {
				t.Fatalf("request %d: issuer 1's part is %q %q", r.Seq, r.Blinded, r.Signature)
			}
			kv.m[string(BlindSigKey(e.ID, r.Seq, 1))] = []byte{1}
		}
		answered += len(p.Pending)
		from = p.Next
	}
	if answered != n-3 {
		t.Fatalf("answered %d of %d", answered, n-3)
	}
	if kv.gets > 3*n {
		t.Fatalf("answering %d requests read state %d times (%.1f per request); want at most %d", n, kv.gets, float64(kv.gets)/n, 3*n)
	}
	// Nothing is left for issuer 1, everything for issuer 0.
	if p, _ := Pending(kv, e, 1, 0, 10); len(p.Pending) != 0 {
		t.Fatalf("issuer 1 still has %v pending", p.Pending)
	}
	if p, _ := Pending(kv, e, 0, 0, 10); len(p.Pending) != 10 || p.Pending[0].Seq != 0 || p.Pending[0].Blinded != "aa" || p.Next != 10 {
		t.Fatalf("issuer 0's first page: %+v", p)
	}
	if _, err := Pending(kv, e, 2, 0, 10); err == nil {
		t.Fatal("issuer 2 of a 2-issuer election has a page")
	}
}

// A page looks at no more than MaxPendingScan requests, so a cursor far
// behind (everything after it answered) costs the node bounded reads per
// page and the issuer follows Next.
func TestPendingScanIsBounded(t *testing.T) {
	e := &Election{ID: "e", Issuers: []string{"a"}}
	n := MaxPendingScan + 10
	kv := pendingState(t, e, n)
	for s := range uint64(MaxPendingScan + 5) {
		kv.m[string(BlindSigKey(e.ID, s, 0))] = []byte{1}
	}
	p, err := Pending(kv, e, 0, 0, 100)
	if err != nil || len(p.Pending) != 0 || p.Next != MaxPendingScan {
		t.Fatalf("first page: %d pending, next %d, %v", len(p.Pending), p.Next, err)
	}
	p, _ = Pending(kv, e, 0, p.Next, 100)
	if len(p.Pending) != 5 || p.Pending[0].Seq != uint64(MaxPendingScan+5) || p.Next != uint64(n) {
		t.Fatalf("second page: %+v", p)
	}
}
