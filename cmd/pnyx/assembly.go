package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/wire"
)

// meetingRecord fetches a meeting's full record.
func (s *session) meetingRecord(id string) (api.MeetingRecord, error) {
	var rec api.MeetingRecord
	err := s.c.Get(s.ctx, "/v1/assembly/meetings/"+id, nil, &rec)
	return rec, err
}

// cosignature signs a co-signature message with --key and returns it hex.
func (s *session) cosignature(kind, meeting string, hash []byte) (string, error) {
	k, err := s.key()
	if err != nil {
		return "", err
	}
	chainID, err := s.c.ChainID(s.ctx)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(ed25519.Sign(k, assembly.CosignMessage(chainID, kind, meeting, hash))), nil
}

// minutesFromFile reads a minutes document; documents over the inline limit
// are uploaded to the node's blob store first.
func (s *session) minutesFromFile(path string) (assembly.MinutesRef, string, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return assembly.MinutesRef{}, "", err
	}
	sum := sha256.Sum256(content)
	ref := assembly.MinutesRef{Hash: hex.EncodeToString(sum[:]), Size: len(content), Inline: len(content) <= assembly.MaxInlineMinutes}
	if ref.Inline {
		return ref, string(content), nil
	}
	// Uploads are signed: only a secretary or an administrator may store a
	// document on the node, within a budget.
	k, err := s.key()
	if err != nil {
		return ref, "", err
	}
	if _, err := s.c.PutBlob(s.ctx, content, k); err != nil {
		return ref, "", fmt.Errorf("blob upload: %w", err)
	}
	return ref, "", nil
}

// chairSignature is the file `assembly sign --out` and `sign-erratum --out`
// write and `finalize` and `erratum --chair-sig FILE` read: the chair's
// co-signature together with what it covers and who gave it, so it travels
// from the chair's device to the secretary's as a file (mail, messenger)
// instead of 128 hex digits copied by hand, and a stale or foreign
// signature is refused before anything is sent.
type chairSignature struct {
	Kind      string `json:"kind"` // finalize or erratum
	Meeting   string `json:"meeting"`
	Erratum   int    `json:"erratum,omitempty"` // the erratum's number
	Hash      string `json:"hash"`              // the record hash or the erratum hash signed
	Chair     string `json:"chair"`             // the chair's member ID
	Signature string `json:"signature"`
}

// signAsChair signs hash as the chair (--key), prints the signature and,
// with out set, writes it as a chairSignature file for the secretary.
func (s *session) signAsChair(kind, meeting string, erratum int, hash []byte, out string) error {
	sig, err := s.cosignature(kind, meeting, hash)
	if err != nil {
		return err
	}
	w := s.cmd.OutOrStdout()
	fmt.Fprintf(w, "%s hash %x\nsignature   %s\n", kind, hash, sig)
	if out == "" {
		return nil
	}
	chair, err := s.memberID()
	if err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(chairSignature{Kind: kind, Meeting: meeting, Erratum: erratum, Hash: hex.EncodeToString(hash), Chair: chair, Signature: sig}, "", "  ")
	if err := os.WriteFile(out, append(raw, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "chair's signature written to %s: send it to the secretary, who passes it as --chair-sig %s\n", out, out)
	return nil
}

// pendingChairSig reads the signature the chair put on chain with
// `assembly sign` (assembly/chair-sign) and checks it covers the record as
// it stands (recordHash), so a stale one is explained before finalize is sent.
func (s *session) pendingChairSig(meeting, recordHash string) (string, string, error) {
	var rec wire.Record
	if err := s.c.Get(s.ctx, "/v1/assembly/meetings/"+meeting+"/chair-signature", nil, &rec); err != nil {
		if codes.Of(err) == codes.NotFound {
			return "", "", codes.NotFound.Errorf("the chair has not signed %s yet: the chair runs `pnyx --key CHAIR assembly sign %s` (or signs in the officials' console), then you finalize", meeting, meeting)
		}
		return "", "", err
	}
	var cs assembly.ChairSignature
	if err := json.Unmarshal(rec.Record, &cs); err != nil {
		return "", "", fmt.Errorf("the chair's signature record: %w", err)
	}
	if cs.Hash != recordHash {
		return "", "", fmt.Errorf("the chair signed record %.16s… of %s, but the record now hashes to %.16s…: it changed since; the chair signs again with `pnyx assembly sign %s`", cs.Hash, meeting, recordHash, meeting)
	}
	return cs.Chair, cs.ChairSig, nil
}

// pendingErratumSig checks that the chair put a signature over exactly this
// erratum (its number, target, correction, reason and minutes) on chain
// with `assembly sign-erratum`; the erratum transaction then carries it.
func (s *session) pendingErratumSig(meeting string, no int, hash []byte) error {
	var rec wire.Record
	err := s.c.Get(s.ctx, fmt.Sprintf("/v1/assembly/meetings/%s/erratum-signature/%x", meeting, hash), nil, &rec)
	if codes.Of(err) == codes.NotFound {
		return codes.NotFound.Errorf("the chair has not signed erratum %d of %s with this exact text (hash %x): the chair runs `pnyx --key CHAIR assembly sign-erratum %s` with the same --target, --correction and --reason (or signs in the officials' console), then you file it", no, meeting, hash, meeting)
	}
	return err
}

// chairSigFrom resolves --chair and --chair-sig: the signature is either a
// chairSignature file, which names the chair and must cover exactly hash,
// or 128 hex digits with the chair named by --chair.
func chairSigFrom(kind, meeting string, hash []byte, chair, sigFlag string) (string, string, error) {
	if sigFlag == "" {
		return "", "", fmt.Errorf("--chair-sig is required: the file the chair's `pnyx assembly sign --out FILE` wrote, or the signature in hex")
	}
	if b, err := hex.DecodeString(sigFlag); err == nil && len(b) == 64 {
		if chair == "" {
			return "", "", fmt.Errorf("--chair is required with a signature in hex (a file from `assembly sign --out` names the chair)")
		}
		return chair, sigFlag, nil
	}
	raw, err := os.ReadFile(sigFlag)
	if err != nil {
		return "", "", fmt.Errorf("--chair-sig %s is neither 128 hex digits nor a readable file: %w", sigFlag, err)
	}
	var f chairSignature
	if err := json.Unmarshal(raw, &f); err != nil || f.Signature == "" || f.Chair == "" {
		return "", "", fmt.Errorf("%s is not a chair's signature file (from `pnyx assembly sign --out`)", sigFlag)
	}
	switch {
	case f.Kind != kind || f.Meeting != meeting:
		return "", "", fmt.Errorf("%s is the chair's %s signature for %s, not a %s signature for %s", sigFlag, f.Kind, f.Meeting, kind, meeting)
	case f.Hash != hex.EncodeToString(hash):
		return "", "", fmt.Errorf("%s: the chair signed hash %.16s…, but what you would file hashes to %.16s…: the record or the erratum changed since; ask the chair to sign again", sigFlag, f.Hash, hex.EncodeToString(hash))
	case chair != "" && chair != f.Chair:
		return "", "", fmt.Errorf("%s was signed by %s, not by --chair %s", sigFlag, f.Chair, chair)
	}
	return f.Chair, f.Signature, nil
}

type erratumFlags struct {
	target, correction, reason, minutes string
}

// erratum builds the erratum exactly as the chain will, so both co-signers
// sign the same hash.
func (s *session) erratum(meeting string, f erratumFlags) (assembly.Erratum, string, error) {
	rec, err := s.meetingRecord(meeting)
	if err != nil {
		return assembly.Erratum{}, "", err
	}
	e := assembly.Erratum{Meeting: meeting, No: rec.Meeting.Errata + 1, Target: f.target, Correction: f.correction, Reason: f.reason}
	content := ""
	if f.minutes != "" {
		ref, c, err := s.minutesFromFile(f.minutes)
		if err != nil {
			return e, "", err
		}
		e.NewMinutes, content = &ref, c
	}
	return e, content, nil
}

func newAssemblyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "assembly", Short: "Bodies, mandates, meetings, motions, minutes, finalization and errata"}

	// Bodies and mandates.
	var chapter, kind, name string
	var quorumBP int
	var moreThan, openAttendance bool
	bodyCreate := &cobra.Command{Use: "body-create ID", Short: "Create a body attached to a chapter (admin)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.send(assembly.TypeCreateBody, assembly.CreateBodyBody{ID: a[0], Chapter: chapter, Kind: kind, Name: name, Quorum: assembly.Quorum{BP: quorumBP, MoreThan: moreThan}, OpenAttendance: openAttendance})
	})}
	bodyCreate.Flags().StringVar(&chapter, "chapter", "hq", "chapter")
	bodyCreate.Flags().StringVar(&kind, "kind", assembly.KindSupremeCouncil, "national_convention, national_committee, supreme_council, chapter_convention or chapter_committee")
	bodyCreate.Flags().StringVar(&name, "name", "", "public name")
	bodyCreate.Flags().IntVar(&quorumBP, "quorum-bp", 5000, "quorum in basis points of the base (mandates, or expected delegates)")
	bodyCreate.Flags().BoolVar(&moreThan, "more-than", true, "quorum needs more than the fraction, not at least it (5000 + more-than = majority)")
	bodyCreate.Flags().BoolVar(&openAttendance, "open-attendance", false, "any active member of the chapter subtree may check in (conventions)")
	bodies := &cobra.Command{Use: "bodies", Short: "List a chapter's bodies", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		return s.show("/v1/assembly/bodies?chapter="+chapter, false)
	})}
	bodies.Flags().StringVar(&chapter, "chapter", "hq", "chapter")
	var from, until string
	mandate := &cobra.Command{Use: "mandate BODY MEMBER POSITION", Short: "Grant a position (chair, vice_chair, secretary, member) in a body (admin)", Args: cobra.ExactArgs(3), RunE: run(func(s *session, a []string) error {
		f, err := parseTime(from)
		if err != nil {
			return err
		}
		u, err := parseTime(until)
		if err != nil {
			return err
		}
		return s.send(assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: a[0], Member: a[1], Position: a[2], From: f, Until: u})
	})}
	mandate.Flags().StringVar(&from, "from", "", "start (RFC 3339 or YYYY-MM-DD; default now)")
	mandate.Flags().StringVar(&until, "until", "", "end (default open-ended)")
	endMandate := &cobra.Command{Use: "end-mandate BODY MEMBER", Short: "End a mandate now (admin)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
		return s.send(assembly.TypeEndMandate, assembly.EndMandateBody{Body: a[0], Member: a[1]})
	})}

	// Meetings.
	var title, at string
	var agenda []string
	var expected int64
	schedule := &cobra.Command{Use: "schedule BODY --title T --at TIME --agenda ITEM...", Short: "Schedule a meeting (secretary)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		t, err := parseTime(at)
		if err != nil {
			return err
		}
		var items []assembly.AgendaItem
		for i, it := range agenda {
			items = append(items, assembly.AgendaItem{No: i + 1, Title: it})
		}
		return s.send(assembly.TypeSchedule, assembly.ScheduleBody{Body: a[0], Title: title, ScheduledAt: t, Agenda: items, ExpectedAttendees: expected})
	})}
	schedule.Flags().StringVar(&title, "title", "", "title")
	schedule.Flags().StringVar(&at, "at", "", "when (RFC 3339 or YYYY-MM-DD)")
	schedule.Flags().StringArrayVar(&agenda, "agenda", nil, "agenda item (repeat in order)")
	schedule.Flags().Int64Var(&expected, "expected", 0, "registered delegates: the quorum base of an open-attendance body")
	simple := func(use, short, typ string) *cobra.Command {
		return &cobra.Command{Use: use + " MEETING", Short: short, Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			return s.send(typ, assembly.MeetingBody{Meeting: a[0]})
		})}
	}
	var reason int
	cancel := &cobra.Command{Use: "cancel MEETING --reason N", Short: "Cancel a meeting (secretary); reasons: 1 rescheduled, 2 no_agenda, 3 force_majeure, 4 convened_irregularly, 9 other", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.send(assembly.TypeCancel, assembly.CancelBody{Meeting: a[0], Reason: reason})
	})}
	cancel.Flags().IntVar(&reason, "reason", 1, "reason code")
	attend := &cobra.Command{Use: "attend MEETING MEMBER...", Short: "Record members' attendance (secretary)", Args: cobra.MinimumNArgs(2), RunE: run(func(s *session, a []string) error {
		return s.send(assembly.TypeRecordAttendance, assembly.RecordAttendanceBody{Meeting: a[0], Members: a[1:]})
	})}
	var item int
	var text string
	motion := &cobra.Command{Use: "motion MEETING --item N --title T --text TEXT", Short: "Put a motion under an agenda item (secretary)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.send(assembly.TypeMotion, assembly.MotionBody{Meeting: a[0], AgendaItem: item, Title: title, Text: text})
	})}
	motion.Flags().IntVar(&item, "item", 1, "agenda item number")
	motion.Flags().StringVar(&title, "title", "", "title")
	motion.Flags().StringVar(&text, "text", "", "the resolution text put to the vote")
	var decision, election, conclusions string
	var vFor, vAgainst, vAbstain int64
	decide := &cobra.Command{Use: "decide MEETING MOTION --decision D", Short: "Record a decision: adopted, rejected, withdrawn or deferred (secretary)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
		var no int
		if _, err := fmt.Sscan(a[1], &no); err != nil {
			return fmt.Errorf("motion number: %w", err)
		}
		return s.send(assembly.TypeDecide, assembly.DecideBody{Meeting: a[0], Motion: no, Decision: decision, For: vFor, Against: vAgainst, Abstain: vAbstain, Election: election, Conclusions: conclusions})
	})}
	decide.Flags().StringVar(&decision, "decision", "", "adopted, rejected, withdrawn or deferred")
	decide.Flags().Int64Var(&vFor, "for", 0, "votes for")
	decide.Flags().Int64Var(&vAgainst, "against", 0, "votes against")
	decide.Flags().Int64Var(&vAbstain, "abstain", 0, "abstentions")
	decide.Flags().StringVar(&election, "election", "", "election ID whose published result decided a secret ballot")
	decide.Flags().StringVar(&conclusions, "conclusions", "", "conclusions")
	minutes := &cobra.Command{Use: "minutes MEETING FILE", Short: "Record the minutes (inline up to 64 KiB, else uploaded to the blob store) (secretary)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
		ref, content, err := s.minutesFromFile(a[1])
		if err != nil {
			return err
		}
		return s.send(assembly.TypeMinutes, assembly.MinutesBody{Meeting: a[0], Hash: ref.Hash, Size: ref.Size, Content: content})
	})}
	var sigOut string
	sign := &cobra.Command{Use: "sign MEETING [--out FILE]", Short: "Sign the meeting's current record as chair (--key) and put the signature on chain for the secretary's finalize (--out: write it to a file instead)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		rec, err := s.meetingRecord(a[0])
		if err != nil {
			return err
		}
		hash, _ := hex.DecodeString(rec.RecordHash)
		if sigOut != "" {
			return s.signAsChair("finalize", a[0], 0, hash, sigOut)
		}
		sig, err := s.cosignature("finalize", a[0], hash)
		if err != nil {
			return err
		}
		if err := s.send(assembly.TypeChairSign, assembly.ChairSignBody{Meeting: a[0], RecordHash: rec.RecordHash, ChairSig: sig}); err != nil {
			return err
		}
		fmt.Fprintf(s.cmd.OutOrStdout(), "the chair's signature over record %s is on chain; the secretary finalizes with: pnyx assembly finalize %s\n", rec.RecordHash, a[0])
		return nil
	})}
	sign.Flags().StringVar(&sigOut, "out", "", "write the chair's signature to this file for the secretary's --chair-sig, instead of putting it on chain")
	var chair, chairSig string
	finalize := &cobra.Command{Use: "finalize MEETING", Short: "Co-sign as secretary (--key) with the chair's signature (on chain from `assembly sign`, or --chair-sig) and finalize", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		rec, err := s.meetingRecord(a[0])
		if err != nil {
			return err
		}
		hash, _ := hex.DecodeString(rec.RecordHash)
		var ch, chSig string
		if chairSig == "" {
			ch, chSig, err = s.pendingChairSig(a[0], rec.RecordHash)
		} else {
			ch, chSig, err = chairSigFrom("finalize", a[0], hash, chair, chairSig)
		}
		if err != nil {
			return err
		}
		sig, err := s.cosignature("finalize", a[0], hash)
		if err != nil {
			return err
		}
		return s.send(assembly.TypeFinalize, assembly.FinalizeBody{Meeting: a[0], RecordHash: rec.RecordHash, Chair: ch, ChairSig: chSig, SecretarySig: sig})
	})}
	finalize.Flags().StringVar(&chair, "chair", "", "the chair's member ID (only with a signature in hex; the file names the chair)")
	finalize.Flags().StringVar(&chairSig, "chair-sig", "", "the chair's signature file from `pnyx assembly sign --out`, or the signature in hex (default: the signature the chair put on chain)")
	var ef erratumFlags
	erratumFlagsOn := func(c *cobra.Command) {
		c.Flags().StringVar(&ef.target, "target", "", "minutes, meeting or motion:N")
		c.Flags().StringVar(&ef.correction, "correction", "", "the corrected reading")
		c.Flags().StringVar(&ef.reason, "reason", "", "why")
		c.Flags().StringVar(&ef.minutes, "minutes", "", "file with corrected minutes")
	}
	signErratum := &cobra.Command{Use: "sign-erratum MEETING [--out FILE]", Short: "Sign an erratum as chair (--key) and put the signature on chain for the secretary's erratum (--out: write it to a file instead)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		e, _, err := s.erratum(a[0], ef)
		if err != nil {
			return err
		}
		hash := assembly.ErratumHash(e)
		if sigOut != "" {
			return s.signAsChair("erratum", a[0], e.No, hash, sigOut)
		}
		sig, err := s.cosignature("erratum", a[0], hash)
		if err != nil {
			return err
		}
		if err := s.send(assembly.TypeChairSignErratum, assembly.ChairSignErratumBody{Meeting: a[0], ErratumHash: hex.EncodeToString(hash), ChairSig: sig}); err != nil {
			return err
		}
		fmt.Fprintf(s.cmd.OutOrStdout(), "the chair's signature over erratum %d (%x) is on chain; the secretary files it with the same --target, --correction and --reason: pnyx assembly erratum %s ...\n", e.No, hash, a[0])
		return nil
	})}
	erratumFlagsOn(signErratum)
	signErratum.Flags().StringVar(&sigOut, "out", "", "write the chair's signature file here, for the secretary's --chair-sig, instead of putting it on chain")
	erratum := &cobra.Command{Use: "erratum MEETING [--chair-sig FILE]", Short: "Co-sign an erratum as secretary (--key) with the chair's signature (on chain from `assembly sign-erratum`, or --chair-sig) and file it", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		e, content, err := s.erratum(a[0], ef)
		if err != nil {
			return err
		}
		hash := assembly.ErratumHash(e)
		var ch, chSig string
		if chairSig == "" {
			// The chain carries the chair's signature itself; check it is
			// there first so a missing or mismatched one is explained.
			err = s.pendingErratumSig(a[0], e.No, hash)
		} else {
			ch, chSig, err = chairSigFrom("erratum", a[0], hash, chair, chairSig)
		}
		if err != nil {
			return err
		}
		sig, err := s.cosignature("erratum", a[0], hash)
		if err != nil {
			return err
		}
		return s.send(assembly.TypeErratum, assembly.ErratumBody{Meeting: a[0], Target: e.Target, Correction: e.Correction, Reason: e.Reason, NewMinutes: e.NewMinutes, NewMinutesContent: content, Chair: ch, ChairSig: chSig, SecretarySig: sig})
	})}
	erratumFlagsOn(erratum)
	erratum.Flags().StringVar(&chair, "chair", "", "the chair's member ID (only with a signature in hex; the file names the chair)")
	erratum.Flags().StringVar(&chairSig, "chair-sig", "", "the chair's signature file from `pnyx assembly sign-erratum --out`, or the signature in hex (default: the signature the chair put on chain)")

	// Reading.
	show := &cobra.Command{Use: "show MEETING", Short: "Show a meeting's full record", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.show("/v1/assembly/meetings/"+a[0], false)
	})}
	var fromDate, toDate string
	meetings := &cobra.Command{Use: "meetings --chapter CH [--from DATE] [--to DATE]", Short: "List a chapter's meetings in a date range", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		return s.show(fmt.Sprintf("/v1/assembly/meetings?chapter=%s&from=%s&to=%s", chapter, fromDate, toDate), false)
	})}
	meetings.Flags().StringVar(&chapter, "chapter", "hq", "chapter")
	meetings.Flags().StringVar(&fromDate, "from", "", "from (YYYY-MM-DD)")
	meetings.Flags().StringVar(&toDate, "to", "", "to (YYYY-MM-DD)")
	var out string
	cert := &cobra.Command{Use: "certificate MEETING MOTION --out FILE", Short: "Fetch a resolution certificate (check it with `pnyx verify record`)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
		raw, err := s.c.GetRaw(s.ctx, "/v1/assembly/meetings/"+a[0]+"/motions/"+a[1]+"/certificate", nil)
		if err != nil {
			return err
		}
		c, err := certificate.Unmarshal(raw)
		if err != nil {
			return err
		}
		if out == "" {
			fmt.Fprint(s.cmd.OutOrStdout(), c.Text)
			return nil
		}
		if err := os.WriteFile(out, raw, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(s.cmd.OutOrStdout(), "%s\ncertificate written to %s (check with: pnyx verify record %s)\n", c.Text, out, out)
		return nil
	})}
	cert.Flags().StringVar(&out, "out", "", "write the certificate JSON here")

	cmd.AddCommand(bodyCreate, bodies, mandate, endMandate, schedule,
		simple("open", "Open a scheduled meeting (secretary)", assembly.TypeOpen),
		simple("close", "Close an open meeting; records the quorum at close (secretary)", assembly.TypeClose),
		simple("check-in", "Check yourself (--key) in to an open meeting", assembly.TypeCheckIn),
		cancel, attend, motion, decide, minutes, sign, finalize, signErratum, erratum, show, meetings, cert)
	return cmd
}

// parseTime accepts RFC 3339, YYYY-MM-DD or empty (zero).
func parseTime(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.Unix(), nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return 0, fmt.Errorf("time %q is neither RFC 3339 nor YYYY-MM-DD", v)
	}
	return t.Unix(), nil
}
