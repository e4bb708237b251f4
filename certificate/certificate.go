// Package certificate issues and checks resolution certificates: a motion's
// decision with everything needed to trust it offline, without the node that
// issued it.
//
// A Certificate carries one proof.StateProof whose entries are every record
// the decision rests on — the body (with its quorum rule), the meeting (with
// its finalization co-signatures), the attendance count, every motion of the
// meeting and every erratum filed against it — all proven under one header
// that more than 2/3 of the validators signed. Verify checks that proof,
// checks that it covers exactly those records, recomputes the meeting's
// record hash from the proven records and checks the chair's and the
// secretary's signatures over it, checks each erratum's co-signatures, and
// regenerates the human-readable text: a certificate whose text differs
// from what its records say is rejected, so the text cannot lie either.
//
//	c, _ := certificate.Build(chainID, snap, "supreme-council.12", 1, node)
//	reading, err := certificate.Verify(c, trustedValidators)
//	fmt.Print(reading.Text())
package certificate

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/proof"
)

// FormatVersion is the certificate format's version.
const FormatVersion = 1

// Certificate is a resolution certificate.
type Certificate struct {
	Format  int    `json:"format"`
	Kind    string `json:"kind"` // "resolution"
	ChainID string `json:"chain_id"`
	Meeting string `json:"meeting"`
	Motion  int    `json:"motion"`
	// Text is the human-readable certificate; Verify regenerates it.
	Text  string            `json:"text"`
	Proof *proof.StateProof `json:"proof"`
}

// Reading is what a verified certificate says.
type Reading struct {
	ChainID string
	Height  int64 // the state version the records are proven at
	Time    time.Time
	Body    assembly.Body
	Meeting assembly.Meeting
	Present int64
	Motions []assembly.Motion
	Motion  assembly.Motion
	Errata  []assembly.Erratum
}

// Errors name what failed.
var (
	ErrFormat     = errors.New("certificate: unsupported or incomplete certificate")
	ErrIncomplete = errors.New("certificate: the proof does not cover every record the decision rests on")
	ErrNotFinal   = errors.New("certificate: the meeting is not finalized")
	ErrSignatures = errors.New("certificate: co-signatures do not verify")
	ErrText       = errors.New("certificate: the text does not match the proven records")
)

// State is the committed state a certificate is built from: a store
// snapshot, which both reads the meeting's records and proves them. Package
// certificate names no store, so checking a certificate links no tree.
type State interface {
	proof.State
	Get(key []byte) []byte
	Iterate(prefix []byte, fn func(key, value []byte) bool)
}

// Build issues a certificate for motion no of a finalized meeting from
// snapshot snap, with the header from src.
func Build(chainID string, snap State, meeting string, no int, src proof.Source) (*Certificate, error) {
	m, ok := assembly.GetMeeting(snap, meeting)
	if !ok {
		return nil, fmt.Errorf("certificate: meeting %q does not exist", meeting)
	}
	if m.State != assembly.Finalized {
		return nil, fmt.Errorf("%w: %s is %s", ErrNotFinal, meeting, m.State)
	}
	if no < 1 || no > m.Motions {
		return nil, fmt.Errorf("certificate: meeting %s has no motion %d", meeting, no)
	}
	p, err := proof.BuildMany(chainID, snap, assembly.RecordKeys(m), src)
	if err != nil {
		return nil, err
	}
	c := &Certificate{Format: FormatVersion, Kind: "resolution", ChainID: chainID, Meeting: meeting, Motion: no, Proof: p}
	r, err := read(c)
	if err != nil {
		return nil, err
	}
	c.Text = r.Text()
	return c, nil
}

// Marshal and Unmarshal encode certificates as JSON.
func Marshal(c *Certificate) ([]byte, error) { return cmtjson.MarshalIndent(c, "", "  ") }

func Unmarshal(b []byte) (*Certificate, error) {
	var c Certificate
	if err := cmtjson.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("certificate: decode: %w", err)
	}
	return &c, nil
}

// read decodes the proven records into a Reading, checking completeness.
func read(c *Certificate) (*Reading, error) {
	p := c.Proof
	get := func(key []byte, v any) error {
		raw, ok := p.Value(key)
		if !ok || raw == nil {
			return fmt.Errorf("%w: %s", ErrIncomplete, key)
		}
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrFormat, key, err)
		}
		return nil
	}
	r := &Reading{ChainID: c.ChainID, Height: p.StateVersion, Time: p.Header.Time}
	if err := get(assembly.MeetingKey(c.Meeting), &r.Meeting); err != nil {
		return nil, err
	}
	if r.Meeting.ID != c.Meeting {
		return nil, fmt.Errorf("%w: the record under the meeting's key is %q", ErrFormat, r.Meeting.ID)
	}
	if err := get(assembly.BodyKey(r.Meeting.Body), &r.Body); err != nil {
		return nil, err
	}
	pk := assembly.PresentKey(c.Meeting)
	if raw, ok := p.Value(pk); ok && raw != nil {
		if len(raw) != 8 {
			return nil, fmt.Errorf("%w: attendance count", ErrFormat)
		}
		r.Present = int64(binary.BigEndian.Uint64(raw))
	} else if !ok {
		return nil, fmt.Errorf("%w: %s", ErrIncomplete, pk)
	}
	for i := 1; i <= r.Meeting.Motions; i++ {
		var mo assembly.Motion
		if err := get(assembly.MotionKey(c.Meeting, i), &mo); err != nil {
			return nil, err
		}
		r.Motions = append(r.Motions, mo)
	}
	if c.Motion < 1 || c.Motion > len(r.Motions) {
		return nil, fmt.Errorf("%w: motion %d", ErrFormat, c.Motion)
	}
	r.Motion = r.Motions[c.Motion-1]
	for i := 1; i <= r.Meeting.Errata; i++ {
		var e assembly.Erratum
		if err := get(assembly.ErratumKey(c.Meeting, i), &e); err != nil {
			return nil, err
		}
		r.Errata = append(r.Errata, e)
	}
	return r, nil
}

// Verify checks a certificate offline; trusted pins the validator set (from
// genesis) and may be nil. It returns what the certificate proves.
func Verify(c *Certificate, trusted *types.ValidatorSet) (*Reading, error) {
	if c.Format != FormatVersion || c.Kind != "resolution" || c.Proof == nil {
		return nil, ErrFormat
	}
	if c.Proof.ChainID != c.ChainID {
		return nil, fmt.Errorf("%w: proof is for chain %q", ErrFormat, c.Proof.ChainID)
	}
	if err := proof.Verify(c.Proof, trusted); err != nil {
		return nil, err
	}
	r, err := read(c)
	if err != nil {
		return nil, err
	}
	if len(c.Proof.Entries) != len(assembly.RecordKeys(r.Meeting)) {
		return nil, fmt.Errorf("%w: %d entries for %d records", ErrFormat, len(c.Proof.Entries), len(assembly.RecordKeys(r.Meeting)))
	}
	if r.Meeting.State != assembly.Finalized || r.Meeting.Finalization == nil {
		return nil, ErrNotFinal
	}
	hash := assembly.ComputeRecordHash(r.Meeting, r.Present, r.Motions)
	if err := assembly.VerifyCosignature(c.ChainID, "finalize", r.Meeting.ID, hash, *r.Meeting.Finalization); err != nil {
		return nil, fmt.Errorf("%w: finalization: %v", ErrSignatures, err)
	}
	for _, e := range r.Errata {
		if err := assembly.VerifyCosignature(c.ChainID, "erratum", r.Meeting.ID, assembly.ErratumHash(e), e.Signatures); err != nil {
			return nil, fmt.Errorf("%w: erratum %d: %v", ErrSignatures, e.No, err)
		}
	}
	if c.Text != r.Text() {
		return nil, ErrText
	}
	return r, nil
}

func day(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04 UTC") }

// Text renders the certificate for a person: the decision, the quorum it
// was taken with, who signed the record, and every erratum with the
// corrected reading.
func (r *Reading) Text() string {
	var b strings.Builder
	m, mo := r.Meeting, r.Motion
	fmt.Fprintf(&b, "RESOLUTION CERTIFICATE — pnyx chain %s\n\n", r.ChainID)
	fmt.Fprintf(&b, "Body:        %s (%s, chapter %s)\n", r.Body.Name, r.Body.Kind, r.Body.Chapter)
	fmt.Fprintf(&b, "Meeting:     %s — %s\n", m.ID, m.Title)
	fmt.Fprintf(&b, "Held:        opened %s, closed %s\n", day(m.OpenedAt), day(m.ClosedAt))
	if q := m.QuorumAtClose; q != nil {
		fmt.Fprintf(&b, "Attendance:  %d present of a base of %d at close (quorum %s)\n", q.Present, q.Base, map[bool]string{true: "met", false: "NOT met"}[q.Met])
	}
	item := ""
	if mo.AgendaItem >= 1 && mo.AgendaItem <= len(m.Agenda) {
		item = m.Agenda[mo.AgendaItem-1].Title
	}
	fmt.Fprintf(&b, "\nMotion %d (agenda item %d: %s): %s\n", mo.No, mo.AgendaItem, item, mo.Title)
	fmt.Fprintf(&b, "Text:        %s\n", mo.Text)
	fmt.Fprintf(&b, "Decision:    %s", strings.ToUpper(mo.Decision))
	if mo.Election != "" {
		fmt.Fprintf(&b, " by secret ballot, election %s", mo.Election)
	} else if mo.Decision == assembly.Adopted || mo.Decision == assembly.Rejected {
		fmt.Fprintf(&b, " — %d for, %d against, %d abstaining", mo.For, mo.Against, mo.Abstain)
	}
	b.WriteString("\n")
	if mo.Quorum != nil {
		fmt.Fprintf(&b, "Quorum:      %d present of %d when decided on %s\n", mo.Quorum.Present, mo.Quorum.Base, day(mo.DecidedAt))
	}
	if mo.Conclusions != "" {
		fmt.Fprintf(&b, "Conclusions: %s\n", mo.Conclusions)
	}
	if mn := m.Minutes; mn != nil {
		fmt.Fprintf(&b, "Minutes:     sha256 %s (%d bytes)\n", mn.Hash, mn.Size)
	}
	if f := m.Finalization; f != nil {
		fmt.Fprintf(&b, "\nFinalized %s, record hash %s\n  chair     %s (key %s)\n  secretary %s (key %s)\n", day(f.At), f.Hash, f.Chair, f.ChairKey, f.Secretary, f.SecretaryKey)
	}
	if len(r.Errata) == 0 {
		b.WriteString("\nErrata: none\n")
	}
	for _, e := range r.Errata {
		fmt.Fprintf(&b, "\nErratum %d to %s, co-signed %s by %s and %s\n  corrected reading: %s\n  reason: %s\n", e.No, e.Target, day(e.Signatures.At), e.Signatures.Chair, e.Signatures.Secretary, e.Correction, e.Reason)
		if e.NewMinutes != nil {
			fmt.Fprintf(&b, "  new minutes: sha256 %s (%d bytes)\n", e.NewMinutes.Hash, e.NewMinutes.Size)
		}
	}
	fmt.Fprintf(&b, "\nProven at height %d (header time %s) against validator signatures.\n", r.Height, r.Time.UTC().Format(time.RFC3339))
	return b.String()
}
