package ballot

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/pnyx-party/pnyx/election/group"
)

// Bounds on a manifest. They keep every proof small: a range proof for
// 0..R has R+1 branches.
const (
	MaxContests       = 64
	MaxOptions        = 256
	MaxOptionLimit    = 16
	MaxSelectionLimit = 64
	MaxText           = 1024
)

// ErrManifest: the manifest breaks a rule (see Manifest.Validate).
var ErrManifest = errors.New("ballot: invalid manifest")

// Manifest describes what is on the ballot. Its canonical encoding
// (Encode) is hashed into every ballot proof, so a ballot cannot be moved
// to another election or another version of the same one.
type Manifest struct {
	ElectionID [32]byte
	Title      string
	Contests   []Contest
}

// Contest is one question: choose up to SelectionLimit selections in total
// among Options, at most OptionLimit on any one option (1 for an ordinary
// choose-k contest; more for cumulative voting).
type Contest struct {
	Title          string
	SelectionLimit uint32
	OptionLimit    uint32
	Options        []string
}

// Validate checks the bounds and that every text is valid UTF-8.
func (m *Manifest) Validate() error {
	if len(m.Contests) == 0 || len(m.Contests) > MaxContests {
		return fmt.Errorf("%w: %d contests (1..%d)", ErrManifest, len(m.Contests), MaxContests)
	}
	if !text(m.Title) {
		return fmt.Errorf("%w: title", ErrManifest)
	}
	for i, c := range m.Contests {
		if !text(c.Title) {
			return fmt.Errorf("%w: contest %d title", ErrManifest, i)
		}
		if len(c.Options) == 0 || len(c.Options) > MaxOptions {
			return fmt.Errorf("%w: contest %d has %d options (1..%d)", ErrManifest, i, len(c.Options), MaxOptions)
		}
		if c.OptionLimit == 0 || c.OptionLimit > MaxOptionLimit {
			return fmt.Errorf("%w: contest %d option limit %d (1..%d)", ErrManifest, i, c.OptionLimit, MaxOptionLimit)
		}
		max := uint64(c.OptionLimit) * uint64(len(c.Options))
		if c.SelectionLimit == 0 || c.SelectionLimit > MaxSelectionLimit || uint64(c.SelectionLimit) > max {
			return fmt.Errorf("%w: contest %d selection limit %d", ErrManifest, i, c.SelectionLimit)
		}
		for j, o := range c.Options {
			if !text(o) {
				return fmt.Errorf("%w: contest %d option %d text", ErrManifest, i, j)
			}
		}
	}
	return nil
}

func text(s string) bool { return len(s) <= MaxText && utf8.ValidString(s) }

// Encode returns the canonical encoding:
//
//	"PNYXMAN1" ‖ electionID[32] ‖ str(title) ‖ u16 contests ‖
//	  per contest: str(title) ‖ u32 selectionLimit ‖ u32 optionLimit ‖ u16 options ‖ str(option)...
//
// where str(s) = u32 length ‖ UTF-8 bytes, integers big-endian.
func (m *Manifest) Encode() []byte {
	w := &group.Writer{}
	w.Fixed([]byte("PNYXMAN1"))
	w.Fixed(m.ElectionID[:])
	w.String(m.Title)
	w.Uint16(uint16(len(m.Contests)))
	for _, c := range m.Contests {
		w.String(c.Title)
		w.Uint32(c.SelectionLimit)
		w.Uint32(c.OptionLimit)
		w.Uint16(uint16(len(c.Options)))
		for _, o := range c.Options {
			w.String(o)
		}
	}
	return w.Buf
}

// Hash is SHA-256("pnyx/election/manifest/v1" ‖ Encode()).
func (m *Manifest) Hash() [32]byte {
	h := sha256.New()
	h.Write([]byte("pnyx/election/manifest/v1"))
	h.Write(m.Encode())
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// ReadManifest decodes a manifest from r and validates it.
func ReadManifest(r *group.Reader) (*Manifest, error) {
	m := &Manifest{}
	if string(r.Fixed("manifest.magic", 8)) != "PNYXMAN1" && r.Err() == nil {
		r.Fail("manifest.magic", ErrManifest)
	}
	copy(m.ElectionID[:], r.Fixed("manifest.election_id", 32))
	m.Title = r.String("manifest.title", MaxText)
	n := int(r.Uint16("manifest.contests"))
	if n > MaxContests {
		r.Fail("manifest.contests", ErrManifest)
	}
	for i := 0; i < n && r.Err() == nil; i++ {
		c := Contest{}
		c.Title = r.String("contest.title", MaxText)
		c.SelectionLimit = r.Uint32("contest.selection_limit")
		c.OptionLimit = r.Uint32("contest.option_limit")
		k := int(r.Uint16("contest.options"))
		if k > MaxOptions {
			r.Fail("contest.options", ErrManifest)
		}
		for j := 0; j < k && r.Err() == nil; j++ {
			c.Options = append(c.Options, r.String("contest.option", MaxText))
		}
		m.Contests = append(m.Contests, c)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeManifest decodes exactly one manifest encoding.
func DecodeManifest(b []byte) (*Manifest, error) {
	r := group.NewReader(b)
	m, err := ReadManifest(r)
	if err != nil {
		return nil, err
	}
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	return m, nil
}
