package kpi

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
)

// The two records a fact touches — the fact itself and its subject's
// tally — are written in a compact binary form rather than JSON: every
// attested or automatic fact rewrites a tally and adds a fact, so their
// size is what the tree, its LevelDB and the garbage collector pay per
// fact (a JSON fact was about 400 bytes, a JSON tally decoded into five
// maps). Each value begins with a format byte, so a later layout can be
// told apart. Encoding sorts every map, so the bytes are the same on every
// node. Readers never see these bytes: the API serves cards (Fact and Line
// as JSON), and `pnyx verify kpi` decodes proven tallies with this code.

const (
	tallyFormat = 1
	factFormat  = 1
)

type enc struct{ b []byte }

func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }

type dec struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated record")

func (d *dec) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if uint64(len(d.b)) < n {
		d.err = errShort
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *dec) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.err = errShort
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func encInts(e *enc, m map[string]int64) {
	e.uvarint(uint64(len(m)))
	for _, k := range sortedKeys(m) {
		e.str(k)
		e.varint(m[k])
	}
}

func decInts(d *dec) map[string]int64 {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	m := make(map[string]int64, min(n, 64))
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.str()
		m[k] = d.varint()
	}
	return m
}

// encodeTally is a tally's stored form: the format byte, then C, D, U,
// Void and Hist, each a count and its entries in key order.
func encodeTally(t Tally) []byte {
	e := &enc{b: make([]byte, 0, 64)}
	e.b = append(e.b, tallyFormat)
	encInts(e, t.C)
	encInts(e, t.D)
	e.uvarint(uint64(len(t.U)))
	for _, r := range sortedKeys(t.U) {
		e.str(r)
		u := t.U[r]
		units := make([]int64, 0, len(u))
		for k := range u {
			units = append(units, k)
		}
		sort.Slice(units, func(i, j int) bool { return units[i] < units[j] })
		e.uvarint(uint64(len(units)))
		for _, k := range units {
			e.varint(k)
			e.varint(u[k])
		}
	}
	e.uvarint(uint64(len(t.Void)))
	for _, r := range sortedKeys(t.Void) {
		e.str(r)
		e.str(t.Void[r])
	}
	e.uvarint(uint64(len(t.Hist)))
	for _, sc := range sortedKeys(t.Hist) {
		h := t.Hist[sc]
		e.str(sc)
		e.str(h.Chapter)
		e.uvarint(uint64(h.Bucket))
	}
	return e.b
}

// EncodeTally and DecodeTally convert a tally to and from the stored form
// of the record at TallyKey (for tools and tests that read or forge raw
// records): EncodeTally gives a record with no inline facts, DecodeTally
// reads a record's counters.
func EncodeTally(t Tally) []byte { return subjRecord{tally: encodeTally(t)}.bytes() }

// DecodeTally: see EncodeTally.
func DecodeTally(raw []byte) (Tally, error) {
	r, err := splitRecord(raw)
	if err != nil {
		return Tally{}, err
	}
	return decodeTally(r.tally)
}

func decodeTally(raw []byte) (Tally, error) {
	var t Tally
	d := &dec{b: raw}
	if f := d.byte1(); d.err == nil && f != tallyFormat {
		return t, fmt.Errorf("tally format %d is not %d", f, tallyFormat)
	}
	t.C = decInts(d)
	t.D = decInts(d)
	if n := d.uvarint(); n > 0 {
		t.U = make(map[string]map[int64]int64, min(n, 64))
		for i := uint64(0); i < n && d.err == nil; i++ {
			r := d.str()
			m := d.uvarint()
			u := make(map[int64]int64, min(m, 64))
			for j := uint64(0); j < m && d.err == nil; j++ {
				k := d.varint()
				u[k] = d.varint()
			}
			t.U[r] = u
		}
	}
	if n := d.uvarint(); n > 0 {
		t.Void = make(map[string]string, min(n, 64))
		for i := uint64(0); i < n && d.err == nil; i++ {
			r := d.str()
			t.Void[r] = d.str()
		}
	}
	if n := d.uvarint(); n > 0 {
		t.Hist = make(map[string]histEntry, min(n, 64))
		for i := uint64(0); i < n && d.err == nil; i++ {
			sc := d.str()
			h := histEntry{Chapter: d.str()}
			h.Bucket = int(d.uvarint())
			t.Hist[sc] = h
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes after the tally", len(d.b))
	}
	return t, d.err
}

var statusCode = map[string]byte{FactCounted: 0, FactPending: 1, FactRetracted: 2}
var statusName = []string{FactCounted, FactPending, FactRetracted}

// encodeFact is a fact's stored form. Its ID, subject and period are in its
// key and not repeated; the evidence hash is kept as its 32 bytes.
func encodeFact(f Fact) []byte {
	e := &enc{b: make([]byte, 0, 96)}
	e.b = append(e.b, factFormat)
	e.str(f.Type)
	e.varint(f.Value)
	e.varint(f.Day)
	// Evidence is a checked SHA-256 in lowercase hex (1: its bytes) or
	// absent (0); anything else is kept as it came (2), so decoding always
	// gives back what was stored.
	switch b, err := hex.DecodeString(f.Evidence); {
	case f.Evidence == "":
		e.b = append(e.b, 0)
	case err == nil && hex.EncodeToString(b) == f.Evidence:
		e.b = append(e.b, 1)
		e.str(string(b))
	default:
		e.b = append(e.b, 2)
		e.str(f.Evidence)
	}
	e.str(f.Attestor)
	e.str(f.Checker)
	e.str(f.Batch)
	e.b = append(e.b, statusCode[f.Status])
	e.varint(f.At)
	e.varint(f.Height)
	e.str(f.RetractBy)
	e.uvarint(uint64(f.RetractWhy))
	e.varint(f.RetractAt)
	return e.b
}

func decodeFact(raw []byte, id, subj, period string) (Fact, error) {
	f := Fact{ID: id, Subject: subj, Period: period}
	d := &dec{b: raw}
	if v := d.byte1(); d.err == nil && v != factFormat {
		return f, fmt.Errorf("fact format %d is not %d", v, factFormat)
	}
	f.Type = d.str()
	f.Value = d.varint()
	f.Day = d.varint()
	switch d.byte1() {
	case 0:
	case 1:
		f.Evidence = hex.EncodeToString([]byte(d.str()))
	default:
		f.Evidence = d.str()
	}
	f.Attestor = d.str()
	f.Checker = d.str()
	f.Batch = d.str()
	if s := d.byte1(); int(s) < len(statusName) {
		f.Status = statusName[s]
	} else if d.err == nil {
		d.err = fmt.Errorf("fact status %d", s)
	}
	f.At = d.varint()
	f.Height = d.varint()
	f.RetractBy = d.str()
	f.RetractWhy = int(d.uvarint())
	f.RetractAt = d.varint()
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes after the fact", len(d.b))
	}
	return f, d.err
}
