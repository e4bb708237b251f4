package kpi

import (
	"encoding/binary"
	"fmt"
	"sort"

	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

// A subject's record for a period — its tally and its first facts — is one
// value under one key, <kind>s/<subject>/<period>/t. A fact therefore
// costs one tree write, the same write that updates the counters it feeds,
// not a leaf of its own beside it: in `pnyx bench kpi` a fact's own key
// cost about as much CPU as everything else the block does for the fact.
//
// The value is a format byte, the tally's length and its bytes (codec.go),
// then the inline facts, each its ID, its length and its bytes. Adding a
// fact appends to the bytes that are there; it never decodes and encodes
// the facts before it. So that a subject with many facts in a period (a
// chapter's press coverage) does not rewrite a growing value with each one,
// only the first maxInline facts are inline; later ones each get a key of
// their own at <kind>s/<subject>/<period>/f/<id>, next to the record. Facts
// are never deleted, so a record with fewer than maxInline facts has none
// elsewhere.
const (
	recordFormat = 2
	maxInline    = 16
)

func subjPeriodPrefix(kind, subj, p string) string {
	return subjPrefix(kind) + "s/" + subj + "/" + p + "/"
}

func tallyKey(kind, p, subj string) string { return subjPeriodPrefix(kind, subj, p) + "t" }

func factKey(kind, subj, p, id string) string { return subjPeriodPrefix(kind, subj, p) + "f/" + id }

// TallyKey is the store key of a subject's record for a period: its
// counters (and first facts), from which its score is computed.
func TallyKey(kind, p, subj string) []byte { return []byte(tallyKey(kind, p, subj)) }

// FactKey is where a fact beyond a record's inline ones is kept.
func FactKey(kind, subj, p, id string) []byte { return []byte(factKey(kind, subj, p, id)) }

// subjRecord is a record split into its parts, both still encoded.
type subjRecord struct {
	tally []byte // encodeTally's bytes
	facts []byte // inline facts: (id, length, bytes)…
}

func splitRecord(raw []byte) (subjRecord, error) {
	if len(raw) == 0 || raw[0] != recordFormat {
		return subjRecord{}, fmt.Errorf("record format is not %d", recordFormat)
	}
	n, k := binary.Uvarint(raw[1:])
	if k <= 0 || uint64(len(raw)-1-k) < n {
		return subjRecord{}, errShort
	}
	start := 1 + k
	return subjRecord{tally: raw[start : start+int(n)], facts: raw[start+int(n):]}, nil
}

func (r subjRecord) bytes() []byte {
	tally := r.tally
	if tally == nil {
		tally = encodeTally(Tally{})
	}
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(tally)+len(r.facts)+96)
	out = append(out, recordFormat)
	out = binary.AppendUvarint(out, uint64(len(tally)))
	out = append(out, tally...)
	return append(out, r.facts...)
}

// inline is one inline fact: its ID, its bytes, and where its entry lies
// in the facts part.
type inline struct {
	id         string
	raw        []byte
	start, end int
}

func (r subjRecord) inlines() ([]inline, error) {
	var out []inline
	d := &dec{b: r.facts}
	for len(d.b) > 0 && d.err == nil {
		start := len(r.facts) - len(d.b)
		id := d.str()
		n := d.uvarint()
		if d.err == nil && uint64(len(d.b)) < n {
			d.err = errShort
		}
		if d.err != nil {
			break
		}
		out = append(out, inline{id: id, raw: d.b[:n], start: start, end: len(r.facts) - len(d.b) + int(n)})
		d.b = d.b[n:]
	}
	return out, d.err
}

func corrupt(kind, subj, p string, err error) {
	// Only this module writes these records, so a failure is corruption.
	panic(fmt.Sprintf("kpi: corrupt record of %s %s in %s: %v", kind, subj, p, err))
}

func loadRecord(kv store.Reader, kind, p, subj string) subjRecord {
	raw := kv.Get([]byte(tallyKey(kind, p, subj)))
	if raw == nil {
		return subjRecord{}
	}
	r, err := splitRecord(raw)
	if err != nil {
		corrupt(kind, subj, p, err)
	}
	return r
}

// GetTally reads a subject's counters for a period (empty when none).
func GetTally(kv store.Reader, kind, p, subj string) Tally {
	r := loadRecord(kv, kind, p, subj)
	if r.tally == nil {
		return Tally{}
	}
	t, err := decodeTally(r.tally)
	if err != nil {
		corrupt(kind, subj, p, err)
	}
	return t
}

// putTally replaces the counters and keeps the facts' bytes as they are.
func putTally(kv store.KV, kind, p, subj string, t Tally) {
	r := loadRecord(kv, kind, p, subj)
	r.tally = encodeTally(t)
	kv.Set([]byte(tallyKey(kind, p, subj)), r.bytes())
}

func mustFact(raw []byte, kind, subj, p, id string) Fact {
	f, err := decodeFact(raw, id, subj, p)
	if err != nil {
		corrupt(kind, subj, p, err)
	}
	return f
}

func mustInlines(r subjRecord, kind, subj, p string) []inline {
	in, err := r.inlines()
	if err != nil {
		corrupt(kind, subj, p, err)
	}
	return in
}

// GetFact reads one fact of a subject in a period.
func GetFact(kv store.Reader, kind, subj, p, id string) (Fact, bool) {
	return factIn(kv, loadRecord(kv, kind, p, subj), kind, subj, p, id)
}

// factIn is GetFact on the subject's record r as already read.
func factIn(kv store.Reader, r subjRecord, kind, subj, p, id string) (Fact, bool) {
	in := mustInlines(r, kind, subj, p)
	for _, e := range in {
		if e.id == id {
			return mustFact(e.raw, kind, subj, p, id), true
		}
	}
	if len(in) < maxInline {
		return Fact{}, false
	}
	raw := kv.Get([]byte(factKey(kind, subj, p, id)))
	if raw == nil {
		return Fact{}, false
	}
	return mustFact(raw, kind, subj, p, id), true
}

// putFact stores a new fact or a changed one (confirmed, retracted) where
// it belongs: in its inline entry, appended while there is room, or under
// its own key.
func putFact(kv store.KV, kind string, f Fact) {
	r := loadRecord(kv, kind, f.Period, f.Subject)
	if placeFact(kv, kind, &r, f) {
		kv.Set([]byte(tallyKey(kind, f.Period, f.Subject)), r.bytes())
	}
}

// placeFact puts f into r (reporting true: r must be written) or, when r's
// inline facts are full and f is not among them, under its own key.
func placeFact(kv store.KV, kind string, r *subjRecord, f Fact) bool {
	in := mustInlines(*r, kind, f.Subject, f.Period)
	body := encodeFact(f)
	entry := &enc{b: make([]byte, 0, len(f.ID)+len(body)+4)}
	entry.str(f.ID)
	entry.uvarint(uint64(len(body)))
	entry.b = append(entry.b, body...)
	for _, e := range in {
		if e.id == f.ID {
			facts := make([]byte, 0, len(r.facts)-(e.end-e.start)+len(entry.b))
			facts = append(append(append(facts, r.facts[:e.start]...), entry.b...), r.facts[e.end:]...)
			r.facts = facts
			return true
		}
	}
	if len(in) < maxInline {
		r.facts = append(r.facts[:len(r.facts):len(r.facts)], entry.b...)
		return true
	}
	kv.Set([]byte(factKey(kind, f.Subject, f.Period, f.ID)), body)
	return false
}

// Facts lists a subject's facts in a period, in ID order.
func Facts(kv store.Reader, kind, subj, p string) []Fact {
	r := loadRecord(kv, kind, p, subj)
	in := mustInlines(r, kind, subj, p)
	out := make([]Fact, 0, len(in))
	for _, e := range in {
		out = append(out, mustFact(e.raw, kind, subj, p, e.id))
	}
	if len(in) >= maxInline {
		prefix := subjPeriodPrefix(kind, subj, p) + "f/"
		kv.Iterate([]byte(prefix), func(k, v []byte) bool {
			out = append(out, mustFact(v, kind, subj, p, string(k[len(prefix):])))
			return true
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
