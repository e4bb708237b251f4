package store

import (
	"github.com/google/btree"
)

// entry is one buffered write; a nil value marks a delete.
type entry struct {
	key   string
	value []byte
}

func entryLess(a, b *entry) bool { return a.key < b.key }

// sortedWrites holds the latest buffered write per key, in key order, so
// reads and prefix walks over buffered writes cost O(log n) plus what they
// visit — not a sort of every write so far.
type sortedWrites struct {
	t *btree.BTreeG[*entry]
	n int
}

func (w *sortedWrites) get(key []byte) ([]byte, bool) {
	if w.t == nil {
		return nil, false
	}
	e, ok := w.t.Get(&entry{key: string(key)})
	if !ok {
		return nil, false
	}
	return e.value, true
}

// put records e as the latest write to its key. Entries are never changed
// in place, so a walk that holds some keeps what it saw.
func (w *sortedWrites) put(e *entry) {
	if w.t == nil {
		w.t = btree.NewG(32, entryLess)
	}
	w.t.ReplaceOrInsert(e)
}

func (w *sortedWrites) reset() { w.t = nil }

// each calls fn on every entry in key order.
func (w *sortedWrites) each(fn func(e *entry)) {
	if w.t == nil {
		return
	}
	w.t.Ascend(func(e *entry) bool { fn(e); return true })
}

// walkChunk is how many buffered entries a merged walk copies out of the
// btree at a time. A walk's callback may write (a btree must not change
// under its own iteration), and copying only a chunk keeps a walk that
// stops early from paying for the whole range.
const walkChunk = 64

// cursor walks the entries with keys in [from, end) (end nil: no bound) a
// chunk at a time.
type cursor struct {
	w     *sortedWrites
	end   []byte
	chunk []*entry
	i     int
	next  *string // where the next chunk starts (inclusive); nil when done
}

func newCursor(w *sortedWrites, from, end []byte) *cursor {
	c := &cursor{w: w, end: end}
	if w.t != nil {
		f := string(from)
		c.next = &f
		c.fill()
	}
	return c
}

func (c *cursor) fill() {
	c.chunk, c.i = c.chunk[:0], 0
	if c.next == nil {
		return
	}
	from := *c.next
	c.next = nil
	c.w.t.AscendGreaterOrEqual(&entry{key: from}, func(e *entry) bool {
		if c.end != nil && e.key >= string(c.end) {
			return false
		}
		if len(c.chunk) == walkChunk {
			k := e.key
			c.next = &k
			return false
		}
		c.chunk = append(c.chunk, e)
		return true
	})
}

// peek returns the current entry, or nil at the end.
func (c *cursor) peek() *entry {
	if c.i == len(c.chunk) {
		if c.next == nil {
			return nil
		}
		c.fill()
		if len(c.chunk) == 0 {
			return nil
		}
	}
	return c.chunk[c.i]
}

func (c *cursor) advance() { c.i++ }

// mergeIterate calls fn in ascending key order over the keys in
// [start, end) of parent (which walks that range) with w's buffered writes
// laid over them: a buffered value replaces the parent's, a buffered delete
// hides it.
func mergeIterate(w *sortedWrites, start, end []byte, parent func(fn func(k, v []byte) bool), fn func(k, v []byte) bool) {
	cur := newCursor(w, start, end)
	stopped := false
	parent(func(k, v []byte) bool {
		for e := cur.peek(); e != nil && e.key < string(k); e = cur.peek() {
			cur.advance()
			if e.value != nil && !fn([]byte(e.key), e.value) {
				stopped = true
				return false
			}
		}
		if e := cur.peek(); e != nil && e.key == string(k) {
			cur.advance()
			if e.value == nil {
				return true
			}
			v = e.value
		}
		if !fn(k, v) {
			stopped = true
			return false
		}
		return true
	})
	if stopped {
		return
	}
	for e := cur.peek(); e != nil; e = cur.peek() {
		cur.advance()
		if e.value != nil && !fn([]byte(e.key), e.value) {
			return
		}
	}
}

// blockBuffer holds a block's writes to the store until the block's hash is
// needed. The tree's shape, and so its root hash, depends on the order of
// inserts and removals, so the writes are kept in the order they were made
// (log) and replayed in that order; sorted answers reads meanwhile.
//
// A set of a key already set earlier in the block (with no delete since)
// does not get a log entry of its own: it replaces the value of that
// earlier entry. The replayed tree is the same, hash for hash: the earlier
// set made the key present and copied every node on its path into the
// working version, and later inserts and removals only rotate working
// nodes or move whole subtrees, so the key's path stays made of working
// nodes — a second set of the key is an update (iavl never rebalances on
// one) that changes nothing but the leaf's value. Counters that every
// registration bumps (active members per chapter, the token supply) are
// then one tree write per block instead of one per member.
type blockBuffer struct {
	sorted sortedWrites
	log    []*entry
	// lastSet maps a key to the log index of its set, while no delete of
	// the key followed it.
	lastSet map[string]int
}

func (b *blockBuffer) get(key []byte) ([]byte, bool) { return b.sorted.get(key) }

func (b *blockBuffer) set(key, value []byte) {
	e := &entry{key: string(key), value: value}
	b.sorted.put(e)
	if b.lastSet == nil {
		b.lastSet = map[string]int{}
	}
	if value == nil {
		delete(b.lastSet, e.key)
		b.log = append(b.log, e)
		return
	}
	if i, ok := b.lastSet[e.key]; ok {
		// A log entry of its own, not the one sorted holds: entries in
		// sorted are never changed in place.
		b.log[i] = &entry{key: e.key, value: value}
		return
	}
	b.lastSet[e.key] = len(b.log)
	b.log = append(b.log, &entry{key: e.key, value: value})
}

// replay hands every buffered write to apply in the order made, then
// empties the buffer.
func (b *blockBuffer) replay(apply func(key, value []byte)) {
	for _, e := range b.log {
		apply([]byte(e.key), e.value)
	}
	b.reset()
}

func (b *blockBuffer) reset() {
	b.sorted.reset()
	b.log = nil
	b.lastSet = nil
}
