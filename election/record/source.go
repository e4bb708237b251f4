package record

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
)

// A record's size grows with its lists: the issuance logs, the cast
// ballots, and in versions 3 and 4 the timeline's heights and the blind
// signatures. Open reads everything else and only locates the lists in the
// file, so that the verifier reads them a batch at a time (issue 17: a
// 3M-ballot record is about 14 GB). Decode is Open on bytes in memory
// followed by slicing the lists out of them.

// section is n fixed-size items starting at byte off.
type section struct {
	off  int64
	n    int
	size int
}

func (s section) end() int64 { return s.off + int64(s.n)*int64(s.size) }

// lazy locates an opened record's lists in its source.
type lazy struct {
	src      io.ReaderAt
	logs     []section // per issuer: member ‖ blinded ‖ signature
	cast     section
	reqTimes []section // version 3: per issuer, requested ‖ answered
	castAt   section   // version 3: the cast ballots' heights
	blind    []section // version 4: per issuer, the answers in log order
	members  int64     // version 5: where the registry's member proofs start
	size     int64     // the record's length
}

// sliceAt is an io.ReaderAt over bytes in memory whose windows alias them.
type sliceAt []byte

func (s sliceAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(s)) {
		return 0, io.EOF
	}
	n := copy(p, s[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// read returns n bytes at off: a slice of the record for bytes in memory,
// a fresh buffer otherwise.
func read(src io.ReaderAt, off int64, n int) ([]byte, error) {
	if s, ok := src.(sliceAt); ok {
		if off < 0 || off+int64(n) > int64(len(s)) {
			return nil, io.ErrUnexpectedEOF
		}
		return s[off : off+int64(n) : off+int64(n)], nil
	}
	buf := make([]byte, n)
	if m, err := src.ReadAt(buf, off); m < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// parseAt runs parse on a window of src starting at off, first 64 KiB,
// doubling while parse runs out of bytes before the end of src, so a
// section of unknown length is read whole but no further than it needs.
// Offsets in errors are from the start of the record.
func parseAt(src io.ReaderAt, size, off int64, parse func(rd *group.Reader, left func() uint64) error) (int64, error) {
	want := int64(64 << 10)
	for {
		n := min(want, size-off)
		if _, ok := src.(sliceAt); ok {
			n = size - off
		}
		buf, err := read(src, off, int(n))
		if err != nil {
			return 0, err
		}
		rd := group.NewReader(buf)
		err = parse(rd, func() uint64 { return uint64(size - off - int64(rd.Offset())) })
		if err == nil {
			err = rd.Err()
		}
		if err != nil && errors.Is(err, group.ErrTruncated) && off+n < size {
			want *= 2
			continue
		}
		if err != nil && off > 0 {
			err = fmt.Errorf("%w (counting from byte %d)", err, off)
		}
		return off + int64(rd.Offset()), err
	}
}

// Open reads a version-2, -3 or -4 record of size bytes from src: every
// field but the long lists (issuance logs, cast ballots, the timeline's
// request and ballot heights, blind signatures), which Verify then reads
// from src a batch at a time. src must not change while the record is in
// use. Errors are *CheckError, as from Decode.
func Open(src io.ReaderAt, size int64) (*Record, error) {
	return open(src, size)
}

func open(src io.ReaderAt, size int64) (*Record, error) {
	fail := func(check string, err error) (*Record, error) {
		return nil, &CheckError{Check: check, Err: err}
	}
	var r *Record
	var ce *CheckError
	off, err := parseAt(src, size, 0, func(rd *group.Reader, _ func() uint64) error {
		var err error
		r, err = decodeHead(rd)
		return err
	})
	if errors.As(err, &ce) {
		return nil, err
	}
	if err != nil {
		return fail("record.format", err)
	}
	lz := &lazy{src: src, size: size}
	r.lazy = lz
	// count reads a list's length at off and checks its items fit.
	count := func(field string, width int, limit uint64, itemSize int) (int, error) {
		if off+int64(width) > size {
			return 0, fmt.Errorf("%s at byte %d: %w", field, off, group.ErrTruncated)
		}
		b, err := read(src, off, width)
		if err != nil {
			return 0, err
		}
		var n uint64
		if width == 4 {
			n = uint64(binary.BigEndian.Uint32(b))
		} else {
			n = binary.BigEndian.Uint64(b)
		}
		off += int64(width)
		if n > limit || n*uint64(itemSize) > uint64(size-off) {
			return 0, fmt.Errorf("%s at byte %d: %w", field, off, ErrFormat)
		}
		return int(n), nil
	}
	for _, pk := range r.IssuerKeys {
		n, err := count("issuance.requests", 4, MaxRequests, 96+credential.Size(pk))
		if err != nil {
			return fail("record.format", err)
		}
		s := section{off: off, n: n, size: 96 + credential.Size(pk)}
		lz.logs = append(lz.logs, s)
		off = s.end()
	}
	bsize := ballot.SizeOf(r.Manifest, r.IssuerKeys)
	nb, err := count("cast", 8, MaxBallots, bsize)
	if err != nil {
		return fail("record.format", err)
	}
	lz.cast = section{off: off, n: nb, size: bsize}
	off = lz.cast.end()
	var nblocks uint32
	off, err = parseAt(src, size, off, func(rd *group.Reader, left func() uint64) error {
		decodeTail(rd, r, bsize, left)
		if r.Version >= 3 {
			nblocks = rd.Uint32("timeline.blocks")
			if rd.Err() == nil && (nblocks > MaxBlocks || uint64(nblocks)*16 > left()) {
				rd.Fail("timeline.blocks", ErrFormat)
			}
		}
		return nil
	})
	if err != nil {
		return fail("record.format", err)
	}
	if r.Version < 3 {
		if off != size {
			return fail("record.format", fmt.Errorf("end at byte %d: %w", off, group.ErrTrailing))
		}
		return r, nil
	}
	if err := openTimeline(r, lz, off, size, int(nblocks)); err != nil {
		return fail("record.format", err)
	}
	return r, nil
}

// openTimeline reads the block table and the spoiled ballots' heights and
// locates the rest of a version-3 timeline and version 4's answers, which
// must end the record exactly.
func openTimeline(r *Record, lz *lazy, off, size int64, nblocks int) error {
	tl := &Timeline{Blocks: make([]Block, nblocks)}
	r.Timeline = tl
	br := bufio.NewReaderSize(io.NewSectionReader(lz.src, off, int64(nblocks)*16), 1<<16)
	var b [16]byte
	for i := range tl.Blocks {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return err
		}
		t := binary.BigEndian.Uint64(b[8:])
		if t > math.MaxInt64 {
			return fmt.Errorf("timeline.time at byte %d: %w", off+int64(i)*16+8, ErrFormat)
		}
		tl.Blocks[i] = Block{Height: binary.BigEndian.Uint64(b[:8]), Time: int64(t)}
	}
	off += int64(nblocks) * 16
	for _, l := range lz.logs {
		if uint64(l.n)*16 > uint64(size-off) {
			return fmt.Errorf("timeline.requests at byte %d: %w", off, ErrFormat)
		}
		s := section{off: off, n: l.n, size: 16}
		lz.reqTimes = append(lz.reqTimes, s)
		off = s.end()
	}
	ns := len(r.Spoiled)
	if uint64(lz.cast.n+ns)*8 > uint64(size-off) {
		return fmt.Errorf("timeline.ballots at byte %d: %w", off, ErrFormat)
	}
	lz.castAt = section{off: off, n: lz.cast.n, size: 8}
	off = lz.castAt.end()
	sp, err := read(lz.src, off, ns*8)
	if err != nil {
		return err
	}
	tl.Spoiled = make([]uint64, ns)
	for i := range tl.Spoiled {
		tl.Spoiled[i] = binary.BigEndian.Uint64(sp[i*8:])
	}
	off += int64(ns) * 8
	if r.Version >= 4 {
		for i, s := range lz.reqTimes {
			answered := 0
			if err := eachRequestTime(lz.src, s, func(_ int, t RequestTimes) { answered += boolInt(t.Answered != 0) }); err != nil {
				return err
			}
			size := credential.Size(r.IssuerKeys[i])
			bs := section{off: off, n: answered, size: size}
			lz.blind = append(lz.blind, bs)
			off = bs.end()
		}
	}
	if off > size {
		return fmt.Errorf("blind_signature at byte %d: %w", size, group.ErrTruncated)
	}
	if r.Version >= 5 {
		return openRegistry(r, lz, off, size)
	}
	if off < size {
		return fmt.Errorf("end at byte %d: %w", off, group.ErrTrailing)
	}
	return nil
}

// openRegistry reads version 5's app hash and chapter proofs and locates
// the member proofs, which run to the end of the record, one per request
// of the first issuer's log; their end is checked as they are read.
func openRegistry(r *Record, lz *lazy, off, size int64) error {
	reg := &Registry{}
	r.Registry = reg
	off, err := parseAt(lz.src, size, off, func(rd *group.Reader, left func() uint64) error {
		reg.AppHash = rd.Fixed("registry.app_hash", 32)
		n := rd.Uint32("registry.chapters")
		if rd.Err() == nil && uint64(n)*12 > left() {
			rd.Fail("registry.chapters", ErrFormat)
		}
		reg.Chapters = nil
		for i := 0; i < int(n) && rd.Err() == nil; i++ {
			reg.Chapters = append(reg.Chapters, readEntry(rd))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n := len(lz.logs); n == 0 || uint64(lz.logs[0].n)*12 > uint64(size-off) {
		return fmt.Errorf("registry.members at byte %d: %w", off, ErrFormat)
	}
	lz.members = off
	return nil
}

// readEntry reads a ProvenEntry (writeEntry).
func readEntry(rd *group.Reader) ProvenEntry {
	return ProvenEntry{Key: rd.Bytes("entry.key", MaxEntryKey), Value: rd.Bytes("entry.value", MaxEntryValue),
		Proof: rd.Bytes("entry.proof", MaxEntryProof)}
}

// entries reads version 5's member proofs in order: from Registry.Members,
// or from an opened record's file.
type entries struct {
	r   *Record
	j   int
	br  *bufio.Reader
	off int64
}

func (r *Record) memberProofs() *entries {
	it := &entries{r: r}
	if lz := r.lazy; lz != nil {
		it.off = lz.members
		it.br = bufio.NewReaderSize(io.NewSectionReader(lz.src, lz.members, lz.size-lz.members), 1<<16)
	}
	return it
}

// next returns the next member proof.
func (it *entries) next() (ProvenEntry, error) {
	j := it.j
	it.j++
	if it.br == nil {
		if it.r.Registry == nil || j >= len(it.r.Registry.Members) {
			return ProvenEntry{}, fmt.Errorf("registry.members: no proof for request %d", j)
		}
		return it.r.Registry.Members[j], nil
	}
	var e ProvenEntry
	for _, f := range []struct {
		b   *[]byte
		max int
	}{{&e.Key, MaxEntryKey}, {&e.Value, MaxEntryValue}, {&e.Proof, MaxEntryProof}} {
		var n [4]byte
		if _, err := io.ReadFull(it.br, n[:]); err != nil {
			return e, fmt.Errorf("registry.members at byte %d: %w", it.off, group.ErrTruncated)
		}
		l := binary.BigEndian.Uint32(n[:])
		if l > uint32(f.max) {
			return e, fmt.Errorf("registry.members at byte %d: length %d exceeds limit %d", it.off, l, f.max)
		}
		*f.b = make([]byte, l)
		if _, err := io.ReadFull(it.br, *f.b); err != nil {
			return e, fmt.Errorf("registry.members at byte %d: %w", it.off, group.ErrTruncated)
		}
		it.off += 4 + int64(l)
	}
	return e, nil
}

// end reports whether the member proofs ended the record exactly.
func (it *entries) end() error {
	if it.br != nil && it.off != it.r.lazy.size {
		return fmt.Errorf("end at byte %d: %w", it.off, group.ErrTrailing)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// items returns items [lo, hi) of s.
func (lz *lazy) items(s section, lo, hi int) ([]byte, error) {
	if lo < 0 || hi > s.n || lo > hi {
		return nil, fmt.Errorf("record: items [%d, %d) of %d", lo, hi, s.n)
	}
	return read(lz.src, s.off+int64(lo)*int64(s.size), (hi-lo)*s.size)
}

// eachRequestTime calls f for every entry of a section of request times,
// reading it in 64 KiB runs.
func eachRequestTime(src io.ReaderAt, s section, f func(j int, t RequestTimes)) error {
	br := bufio.NewReaderSize(io.NewSectionReader(src, s.off, int64(s.n)*16), 1<<16)
	var b [16]byte
	for j := range s.n {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return err
		}
		f(j, RequestTimes{Requested: binary.BigEndian.Uint64(b[:8]), Answered: binary.BigEndian.Uint64(b[8:])})
	}
	return nil
}

// The accessors below read a record's lists from its slices (a record
// built in memory or by Decode) or, for an opened record, from its source.

func (r *Record) numLogs() int {
	if r.lazy != nil {
		return len(r.lazy.logs)
	}
	return len(r.IssuanceLogs)
}

// LogLen is the number of requests in issuer i's log.
func (r *Record) LogLen(i int) int {
	if r.lazy != nil {
		return r.lazy.logs[i].n
	}
	return len(r.IssuanceLogs[i])
}

// CastLen is the number of cast ballots.
func (r *Record) CastLen() int {
	if r.lazy != nil {
		return r.lazy.cast.n
	}
	return len(r.Cast)
}

// ballotsAt returns cast ballots [lo, hi).
func (r *Record) ballotsAt(lo, hi int) ([][]byte, error) {
	if r.lazy == nil {
		return r.Cast[lo:hi], nil
	}
	s := r.lazy.cast
	b, err := r.lazy.items(s, lo, hi)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, hi-lo)
	for k := range out {
		out[k] = b[k*s.size : (k+1)*s.size : (k+1)*s.size]
	}
	return out, nil
}

// requestsAt returns requests [lo, hi) of issuer i's log.
func (r *Record) requestsAt(i, lo, hi int) ([]IssuanceEntry, error) {
	if r.lazy == nil {
		return r.IssuanceLogs[i][lo:hi], nil
	}
	s := r.lazy.logs[i]
	b, err := r.lazy.items(s, lo, hi)
	if err != nil {
		return nil, err
	}
	out := make([]IssuanceEntry, hi-lo)
	for k := range out {
		e := b[k*s.size : (k+1)*s.size]
		out[k] = IssuanceEntry{Member: e[:32:32], Blinded: e[32 : s.size-64 : s.size-64], Signature: e[s.size-64 : s.size : s.size]}
	}
	return out, nil
}

func (r *Record) numRequestTimes() int {
	if r.lazy != nil {
		return len(r.lazy.reqTimes)
	}
	return len(r.Timeline.Requests)
}

func (r *Record) requestTimesLen(i int) int {
	if r.lazy != nil {
		return r.lazy.reqTimes[i].n
	}
	return len(r.Timeline.Requests[i])
}

// requestTimesAt returns the times of requests [lo, hi) of issuer i.
func (r *Record) requestTimesAt(i, lo, hi int) ([]RequestTimes, error) {
	if r.lazy == nil {
		return r.Timeline.Requests[i][lo:hi], nil
	}
	b, err := r.lazy.items(r.lazy.reqTimes[i], lo, hi)
	if err != nil {
		return nil, err
	}
	out := make([]RequestTimes, hi-lo)
	for k := range out {
		out[k] = RequestTimes{Requested: binary.BigEndian.Uint64(b[k*16:]), Answered: binary.BigEndian.Uint64(b[k*16+8:])}
	}
	return out, nil
}

func (r *Record) castHeightsLen() int {
	if r.lazy != nil {
		return r.lazy.castAt.n
	}
	return len(r.Timeline.Cast)
}

// castHeightsAt returns the heights of cast ballots [lo, hi).
func (r *Record) castHeightsAt(lo, hi int) ([]uint64, error) {
	if r.lazy == nil {
		return r.Timeline.Cast[lo:hi], nil
	}
	b, err := r.lazy.items(r.lazy.castAt, lo, hi)
	if err != nil {
		return nil, err
	}
	out := make([]uint64, hi-lo)
	for k := range out {
		out[k] = binary.BigEndian.Uint64(b[k*8:])
	}
	return out, nil
}

func (r *Record) blindLen(i int) int {
	if r.lazy != nil {
		return r.lazy.logs[i].n
	}
	return len(r.BlindSignatures[i])
}

// blindAt returns issuer i's answers to requests [lo, hi), nil where there
// is none; in an opened record, times are those requests' times and k the
// number of answers before lo.
func (r *Record) blindAt(i, lo, hi int, times []RequestTimes, k int) ([][]byte, error) {
	if r.lazy == nil {
		return r.BlindSignatures[i][lo:hi], nil
	}
	m := 0
	for _, t := range times {
		m += boolInt(t.Answered != 0)
	}
	s := r.lazy.blind[i]
	b, err := r.lazy.items(s, k, k+m)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, hi-lo)
	for j, t := range times {
		if t.Answered != 0 {
			out[j], b = b[:s.size:s.size], b[s.size:]
		}
	}
	return out, nil
}

// load reads an opened record's lists into its slices.
func (r *Record) load() error {
	lz := r.lazy
	if lz == nil {
		return nil
	}
	r.IssuanceLogs = make([][]IssuanceEntry, len(lz.logs))
	for i, s := range lz.logs {
		var err error
		if r.IssuanceLogs[i], err = r.requestsAt(i, 0, s.n); err != nil {
			return err
		}
	}
	cast, err := r.ballotsAt(0, lz.cast.n)
	if err != nil {
		return err
	}
	if r.Version >= 3 {
		tl := r.Timeline
		tl.Requests = make([][]RequestTimes, len(lz.reqTimes))
		for i, s := range lz.reqTimes {
			if tl.Requests[i], err = r.requestTimesAt(i, 0, s.n); err != nil {
				return err
			}
		}
		if tl.Cast, err = r.castHeightsAt(0, lz.castAt.n); err != nil {
			return err
		}
		if r.Version >= 4 {
			r.BlindSignatures = make([][][]byte, len(lz.logs))
			for i, s := range lz.logs {
				if r.BlindSignatures[i], err = r.blindAt(i, 0, s.n, tl.Requests[i], 0); err != nil {
					return err
				}
			}
		}
	}
	if r.Version >= 5 {
		it := r.memberProofs()
		r.Registry.Members = make([]ProvenEntry, lz.logs[0].n)
		for j := range r.Registry.Members {
			if r.Registry.Members[j], err = it.next(); err != nil {
				return err
			}
		}
		if err := it.end(); err != nil {
			return err
		}
	}
	r.Cast, r.lazy = cast, nil
	return nil
}
