package main

// Election commands for commissioners, trustees, issuers and voters. A
// trustee's, issuer's or voter's secrets never leave this machine: they live
// under HOME/election/ELECTION/KEYNAME/ (package internal/electionsecrets),
// and everything else is read from the chain through the API.

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/internal/electionsecrets"
	"github.com/pnyx-party/pnyx/internal/issuance"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/modules/election/verified"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

// secrets is the folder of --key's secrets for election id under --home.
func secrets(id string) electionsecrets.Store {
	return electionsecrets.For(flagHome, id, flagKey)
}

// election reads election id on the node's word (no proof): for display
// and for the officials' commands the chain checks anyway. Tools that act
// on the record's keys use provenElection.
func (s *session) election(id string) (*election.Election, error) {
	st := s.c.ElectionState(s.ctx)
	e, ok := election.Get(st, id)
	if st.Err != nil {
		return nil, st.Err
	}
	if !ok {
		return nil, fmt.Errorf("election %q not found", id)
	}
	return e, nil
}

// blockTime is the last block's time, which the chain's windows follow.
func (s *session) blockTime() (int64, error) {
	var st struct {
		BlockTime time.Time `json:"block_time"`
	}
	if err := s.c.Get(s.ctx, "/v1/status", nil, &st); err != nil {
		return 0, err
	}
	return st.BlockTime.Unix(), nil
}

// memberID resolves --key to its member ID.
func (s *session) memberID() (string, error) {
	k, err := s.key()
	if err != nil {
		return "", err
	}
	a, err := s.c.Account(s.ctx, k.Public().(ed25519.PublicKey))
	if err != nil {
		return "", err
	}
	if a.Member == "" {
		return "", fmt.Errorf("key %s belongs to no member", flagKey)
	}
	return a.Member, nil
}

// kst is Korea Standard Time, the zone every date of an election is shown
// in (the chain itself counts Unix seconds of block time).
var kst = time.FixedZone("KST", 9*60*60)

// kstDate shows Unix seconds as a KST date.
func kstDate(unix int64) string {
	return time.Unix(unix, 0).In(kst).Format("2006-01-02 15:04:05 KST")
}

// parseWhenFlag accepts +DURATION from now, a KST date and time
// ("2026-12-01 09:00" or with seconds), an RFC 3339 time, or Unix seconds.
func parseWhenFlag(v string, now time.Time) (int64, error) {
	if strings.HasPrefix(v, "+") {
		d, err := time.ParseDuration(v[1:])
		if err != nil {
			return 0, err
		}
		return now.Add(d).Unix(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, kst); err == nil {
			return t.Unix(), nil
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.Unix(), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not +DURATION, a KST date (2026-12-01 09:00), an RFC 3339 time or Unix seconds", v)
	}
	return n, nil
}

// parseContests reads the contests of `election create`: each --contest is
// TITLE=OPTION,OPTION,…[@CHOOSE] (CHOOSE options may be chosen, default 1);
// without --contest, --options and --choose make one contest titled title.
func parseContests(specs []string, title, options string, choose uint32) ([]election.ContestSpec, error) {
	if len(specs) > 0 && options != "" {
		return nil, fmt.Errorf("give either --options (one contest) or --contest (one per contest), not both")
	}
	if len(specs) == 0 {
		if options == "" {
			return nil, fmt.Errorf("give the options: --options A,B,C or --contest 'TITLE=A,B,C'")
		}
		specs = []string{title + "=" + options + "@" + strconv.FormatUint(uint64(choose), 10)}
	}
	var out []election.ContestSpec
	for _, spec := range specs {
		t, opts, ok := strings.Cut(spec, "=")
		if !ok || strings.TrimSpace(t) == "" || opts == "" {
			return nil, fmt.Errorf("--contest %q: want TITLE=OPTION,OPTION,…[@CHOOSE]", spec)
		}
		c := election.ContestSpec{Title: strings.TrimSpace(t), SelectionLimit: 1, OptionLimit: 1}
		if i := strings.LastIndex(opts, "@"); i >= 0 {
			n, err := strconv.ParseUint(opts[i+1:], 10, 32)
			if err != nil || n == 0 {
				return nil, fmt.Errorf("--contest %q: @%s is not a number of options to choose", spec, opts[i+1:])
			}
			c.SelectionLimit, opts = uint32(n), opts[:i]
		}
		for _, o := range strings.Split(opts, ",") {
			c.Options = append(c.Options, strings.TrimSpace(o))
		}
		out = append(out, c)
	}
	return out, nil
}

// parseChoices turns one --choice per contest into the selections a
// ballot encrypts. A choice names options by number, counting from 1 as
// the ballot paper does, or by their text (case does not matter),
// comma-separated: "1", "Kim", "1,3" or "Choi,Yoon".
func parseChoices(choices []string, contests []ballot.Contest) ([][]uint32, error) {
	if len(choices) != len(contests) {
		return nil, fmt.Errorf("the election has %d contest(s): give --choice once per contest, in order (got %d)", len(contests), len(choices))
	}
	sel := make([][]uint32, len(contests))
	for i, c := range contests {
		sel[i] = make([]uint32, len(c.Options))
		for _, x := range strings.Split(choices[i], ",") {
			o, err := optionIndex(strings.TrimSpace(x), c.Options)
			if err != nil {
				return nil, fmt.Errorf("contest %d (%s): %v", i+1, c.Title, err)
			}
			if sel[i][o] == 1 {
				return nil, fmt.Errorf("contest %d (%s): option %d (%s) chosen twice", i+1, c.Title, o+1, c.Options[o])
			}
			sel[i][o] = 1
		}
	}
	return sel, nil
}

// optionIndex finds the 0-based option x names: its number from 1 or its
// text. An option whose text is another option's number is ambiguous.
func optionIndex(x string, options []string) (int, error) {
	byText := -1
	for o, opt := range options {
		if strings.EqualFold(opt, x) {
			byText = o
			break
		}
	}
	byNumber := -1
	if n, err := strconv.Atoi(x); err == nil && n >= 1 && n <= len(options) {
		byNumber = n - 1
	}
	switch {
	case byText >= 0 && byNumber >= 0 && byText != byNumber:
		return 0, fmt.Errorf("%q is option %d's text and option %d's number; name another way", x, byText+1, byNumber+1)
	case byText >= 0:
		return byText, nil
	case byNumber >= 0:
		return byNumber, nil
	}
	list := make([]string, len(options))
	for o, opt := range options {
		list[o] = fmt.Sprintf("%d %s", o+1, opt)
	}
	return 0, fmt.Errorf("no option %q: choose by number or text among %s", x, strings.Join(list, ", "))
}

// manifestOf decodes an election's ballot manifest: its contests and their
// options, as voters see them.
func manifestOf(e *election.Election) (*ballot.Manifest, error) {
	raw, err := hex.DecodeString(e.Manifest)
	if err != nil {
		return nil, fmt.Errorf("election %s: manifest: %v", e.ID, err)
	}
	return ballot.DecodeManifest(raw)
}

// printSchedule shows an election's deadlines as KST dates and its phase
// at block time now.
func printSchedule(w io.Writer, e *election.Election, now int64) {
	fmt.Fprintf(w, "schedule (KST):\n")
	if e.CeremonyEnd != 0 {
		fmt.Fprintf(w, "  key ceremony due      %s\n", kstDate(e.CeremonyEnd))
	}
	if e.AcksDue != 0 {
		fmt.Fprintf(w, "  acknowledgements due  %s\n", kstDate(e.AcksDue))
	}
	fmt.Fprintf(w, "  credential issuance   %s – %s\n", kstDate(e.IssueStart), kstDate(e.IssueEnd))
	fmt.Fprintf(w, "  voting                %s – %s\n", kstDate(e.VoteStart), kstDate(e.VoteEnd))
	fmt.Fprintf(w, "phase at block time %s: %s\n", kstDate(now), e.Phase(now))
}

// printResults shows a tally's counts, and once published the results by
// option name, contest by contest.
func printResults(w io.Writer, e *election.Election, t *election.Tally) error {
	fmt.Fprintf(w, "credential requests %d, ballots cast %d, counted %d, spoiled %d\n", t.Requests, t.Cast, t.Counted, t.Spoiled)
	if len(t.Results) == 0 {
		fmt.Fprintln(w, "results: not yet decrypted")
		return nil
	}
	m, err := manifestOf(e)
	if err != nil {
		return err
	}
	if len(t.Results) != len(m.Contests) {
		return fmt.Errorf("the tally has %d contests, the manifest %d", len(t.Results), len(m.Contests))
	}
	fmt.Fprintln(w, "results:")
	for i, c := range m.Contests {
		fmt.Fprintf(w, "  %s (choose %d)\n", c.Title, c.SelectionLimit)
		if len(t.Results[i]) != len(c.Options) {
			return fmt.Errorf("contest %s: %d counts for %d options", c.Title, len(t.Results[i]), len(c.Options))
		}
		for o, name := range c.Options {
			fmt.Fprintf(w, "    %d. %-24s %d\n", o+1, name, t.Results[i][o])
		}
	}
	return nil
}

func electionCreateCmd() *cobra.Command {
	var b election.CreateBody
	var options, trustees, issuers, class string
	var contests []string
	var limit uint32
	var when [6]string
	cmd := &cobra.Command{
		Use:   "create ID",
		Short: "Create an election (election commissioner): contests, trustees, issuers, schedule",
		Long: `Creates an election over a chapter subtree. The electorate is the members active
(of --class if given) in the subtree in the registry as committed before the
creation block. One contest: --title and --options A,B,C (--choose N); several:
--contest 'TITLE=A,B,C' once per contest, '@N' at the end to let voters choose N.
Times are +DURATION from now, KST dates ('2026-12-01 09:00') or Unix seconds,
e.g. --issue-start +0s --issue-end +1h --vote-start +1h --vote-end +2h.
Issuance must close before voting opens unless --allow-overlap. With
--ceremony-end, trustees who have not acted by then can be left out
(pnyx election conclude); without it the ceremony waits for every trustee.
Issuers answer until --issue-end; --request-end closes requests earlier, so
the last requests made are answered in time.`,
		Args: cobra.ExactArgs(1),
		RunE: run(func(s *session, a []string) error {
			b.ID, b.Class = a[0], members.Class(class)
			var err error
			if b.Contests, err = parseContests(contests, b.Title, options, limit); err != nil {
				return err
			}
			b.Trustees, b.Issuers = strings.Split(trustees, ","), strings.Split(issuers, ",")
			now := time.Now()
			for i, p := range []*int64{&b.IssueStart, &b.IssueEnd, &b.VoteStart, &b.VoteEnd, &b.CeremonyEnd, &b.RequestEnd} {
				if when[i] == "" {
					continue // no ceremony deadline, requests close with issuance
				}
				v, err := parseWhenFlag(when[i], now)
				if err != nil {
					return fmt.Errorf("schedule: %v", err)
				}
				*p = v
			}
			if err := s.send(election.TypeCreate, b); err != nil {
				return err
			}
			w := s.cmd.OutOrStdout()
			if b.CeremonyEnd != 0 {
				fmt.Fprintf(w, "key ceremony due      %s\n", kstDate(b.CeremonyEnd))
			}
			if b.RequestEnd != 0 {
				fmt.Fprintf(w, "credential requests   until %s\n", kstDate(b.RequestEnd))
			}
			fmt.Fprintf(w, "credential issuance   %s – %s\nvoting                %s – %s\n",
				kstDate(b.IssueStart), kstDate(b.IssueEnd), kstDate(b.VoteStart), kstDate(b.VoteEnd))
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&b.Chapter, "chapter", "hq", "chapter whose subtree votes")
	f.StringVar(&class, "class", "", "member class that may vote (general, responsible; empty = all)")
	f.StringVar(&b.Title, "title", "Election", "title of the election and its contest")
	f.StringVar(&options, "options", "", "comma-separated options (candidates) of a single contest")
	f.Uint32Var(&limit, "choose", 1, "how many options a voter may choose (single contest)")
	f.StringArrayVar(&contests, "contest", nil, "a contest as TITLE=OPTION,OPTION,…[@CHOOSE]; repeat for several")
	f.StringVar(&trustees, "trustees", "", "comma-separated member IDs of the trustees")
	f.IntVar(&b.Threshold, "threshold", 2, "trustees needed to decrypt (k of n)")
	f.StringVar(&issuers, "issuers", "", "comma-separated member IDs of the credential issuers")
	f.StringVar(&when[0], "issue-start", "+0s", "credential issuance opens")
	f.StringVar(&when[1], "issue-end", "+1h", "credential issuance closes")
	f.StringVar(&when[2], "vote-start", "+1h", "voting opens")
	f.StringVar(&when[3], "vote-end", "+2h", "voting closes")
	f.StringVar(&when[5], "request-end", "", "credential requests close, before --issue-end so the issuers can answer the last ones (default: at --issue-end)")
	f.StringVar(&when[4], "ceremony-end", "", "key ceremony deadline, before --issue-end (default: none, the ceremony waits for every trustee)")
	f.BoolVar(&b.AllowOverlap, "allow-overlap", false, "let issuance overlap voting (the record says so)")
	f.IntVar(&b.MaxRevotes, "max-revotes", 0, fmt.Sprintf("how many times one voter may re-vote, 1 to %d (default %d)", election.MaxMaxRevotes, election.DefaultMaxRevotes))
	f.IntVar(&b.RecordVersion, "record-version", 4, "election record version to publish: 2, 3 (adds the height and time of every request, answer and ballot) or 4 (3 and the issuers' blind signatures); `election record --registry` then gives version 5")
	cmd.MarkFlagRequired("trustees")
	cmd.MarkFlagRequired("issuers")
	return cmd
}

func electionShowCmd() *cobra.Command {
	var tally bool
	var prove string
	cmd := &cobra.Command{Use: "show ID", Short: "Show an election with its schedule in KST (--tally: counts and results by option)", Args: cobra.ExactArgs(1),
		RunE: run(func(s *session, a []string) error {
			path := "/v1/elections/" + a[0]
			if tally {
				path += "/tally"
			}
			if err := s.showRecord(path, false, prove); err != nil {
				return err
			}
			e, err := s.election(a[0])
			if err != nil {
				return err
			}
			w := s.cmd.OutOrStdout()
			if now, err := s.blockTime(); err == nil {
				printSchedule(w, e, now)
			}
			if tally {
				t, ok := election.GetTally(s.c.ElectionState(s.ctx), a[0])
				if !ok {
					return fmt.Errorf("election %s has no tally", a[0])
				}
				return printResults(w, e, t)
			}
			return nil
		})}
	cmd.Flags().BoolVar(&tally, "tally", false, "show the running tally and results")
	cmd.Flags().StringVar(&prove, "prove", "", "write a state proof of the record to this file")
	return cmd
}

func electionConcludeCmd() *cobra.Command {
	return &cobra.Command{Use: "conclude ID", Short: "Conclude a key ceremony past its deadline (commissioner or trustee)",
		Long: `Past --ceremony-end, ends a stalled key ceremony with what the trustees did in
time: a trustee that posted no check complained about nobody, a dealer that
left a complaint unanswered is disqualified, and the joint key comes from the
dealers that qualify (k suffice). Missing trustee keys or dealings, or
acknowledgements still missing when they are due, cancel the election
(ceremony_failed).`,
		Args: cobra.ExactArgs(1),
		RunE: run(func(s *session, a []string) error {
			if err := s.send(election.TypeConclude, election.ConcludeBody{Election: a[0]}); err != nil {
				return err
			}
			e, err := s.election(a[0])
			if err != nil {
				return err
			}
			w := s.cmd.OutOrStdout()
			switch {
			case e.Status == election.PhaseCancelled:
				fmt.Fprintf(w, "election %s cancelled: %s\n", e.ID, election.ReasonNames[e.Reason])
			case e.JointKey != "":
				fmt.Fprintf(w, "joint key from trustees %v; acknowledgements and issuer keys due %s\n", e.Qualified, kstDate(e.AcksDue))
			}
			return nil
		})}
}

func electionCancelCmd() *cobra.Command {
	var reason int
	cmd := &cobra.Command{Use: "cancel ID", Short: "Cancel an election (election commissioner) with a reason code", Args: cobra.ExactArgs(1),
		RunE: run(func(s *session, a []string) error {
			return s.send(election.TypeCancel, election.CancelBody{Election: a[0], Reason: reason})
		})}
	cmd.Flags().IntVar(&reason, "reason", election.ReasonCommission, "1 ceremony_failed, 2 schedule_error, 3 commission_decision, 4 court_order, 9 other")
	return cmd
}

// trustedGenesis reads the validators a participant trusts, and the chain
// ID, from a genesis file: path, or HOME/config/genesis.json when empty.
func trustedGenesis(path string) (*types.ValidatorSet, string, error) {
	if path == "" {
		path = filepath.Join(flagHome, "config", "genesis.json")
	}
	return proof.TrustedFromGenesisFile(path)
}

// provenElection reads election id with a state proof checked against the
// validators of the genesis file (see trustedGenesis). It returns the
// proven state too, whose ChainID and Trusted are the genesis file's. The
// voter's and the issuer's tools act only on a record read this way: a
// node that served another joint key would read every ballot encrypted
// under it, and other issuer keys would void a voter's credentials.
func (s *session) provenElection(id, genesis string) (*election.Election, *verified.State, error) {
	trusted, chainID, err := trustedGenesis(genesis)
	if err != nil {
		return nil, nil, fmt.Errorf("the election record is read with a proof against the validators you trust, from a genesis file: %w (--genesis; get the network's with `pnyx genesis fetch --sha256 HASH`, HASH as HQ published it)", err)
	}
	st := &verified.State{ChainID: chainID, Trusted: trusted, Fetch: verified.FromClient(s.ctx, s.c)}
	e, ok := election.Get(st, id)
	if st.Err != nil {
		return nil, nil, st.Err
	}
	if !ok {
		return nil, nil, fmt.Errorf("election %q does not exist (proven absent)", id)
	}
	return e, st, nil
}

// genesisFlag is the --genesis of the commands that read proven state.
func genesisFlag(cmd *cobra.Command, genesis *string, who string) {
	cmd.Flags().StringVar(genesis, "genesis", "", "genesis.json whose validators "+who+" trusts (default HOME/config/genesis.json)")
}

func electionTrusteeCmd() *cobra.Command {
	var genesis, member string
	var wait bool
	var poll time.Duration
	cmd := &cobra.Command{Use: "trustee ID", Short: "Take the trustee's next steps: key, dealing, check, answers, acknowledgement, decryption share",
		Long: `Takes every step the trustee (--key) can take now, then says what it waits
for; with --wait it keeps going, waiting for each phase, until its part is
done (its decryption share is posted, or the election ends).

Every value the trustee acts on is read with a state proof checked against
the validators of --genesis (default HOME/config/genesis.json), so a node
cannot invent complaints, ceremony inputs or keys. The trustee's secret seed
(trustee.seed) and memory (trustee-memory.json: what it dealt for and which
complaints it answered) are kept in HOME/election/ID/KEYNAME/: keep them
safe; without the seed the trustee cannot decrypt.`,
		Args: cobra.ExactArgs(1),
		RunE: run(func(s *session, a []string) error {
			id := a[0]
			trusted, chainID, err := trustedGenesis(genesis)
			if err != nil {
				return err
			}
			// The trustee's member ID: --member, else the ID its key
			// derives (a member who never rotated keys) if the proven
			// trustee list holds it, else the node's word (unproven: a lying
			// node can only make the trustee act under another index, which
			// the chain refuses).
			me := member
			derived := ""
			if me == "" {
				k, err := s.key()
				if err != nil {
					return err
				}
				derived = members.DeriveID(hex.EncodeToString(k.Public().(ed25519.PublicKey)))
			}
			sec := secrets(id)
			seed, err := sec.TrusteeSeed()
			if err != nil {
				return err
			}
			mem, err := sec.TrusteeMemory()
			if err != nil {
				return err
			}
			w := s.cmd.OutOrStdout()
			said := ""
			for {
				// A fresh view per step: reads within one step never go
				// back in version, and the phase is the proving header's.
				st := &verified.State{ChainID: chainID, Trusted: trusted, Fetch: verified.FromClient(s.ctx, s.c)}
				e, ok := election.Get(st, id)
				if st.Err != nil {
					return st.Err
				}
				if !ok {
					return fmt.Errorf("election %q does not exist (proven absent)", id)
				}
				if me == "" {
					if e.TrusteeIndex(derived) > 0 {
						me = derived
					} else if me, err = s.memberID(); err != nil {
						return err
					} else {
						fmt.Fprintf(w, "note: member ID %s is the node's word (this key is not the one the ID derives from); give --member to check it\n", me)
					}
				}
				l := e.TrusteeIndex(me)
				if l == 0 {
					return fmt.Errorf("member %s is not a trustee of %s", me, id)
				}
				typ, body, waiting, err := verified.TrusteeStep(st, id, seed, l, mem)
				if err != nil {
					return err
				}
				if typ != "" {
					// The memory is saved before the transaction leaves, so
					// a crash in between never lets the kit deal again.
					if err := sec.SaveTrusteeMemory(mem); err != nil {
						return err
					}
					if err := s.send(typ, body); err != nil {
						return err
					}
					if typ == election.TypeDecrypt {
						fmt.Fprintf(w, "trustee %d of %s: decryption share posted; the trustee's part is done\n", l, id)
						return nil
					}
					continue
				}
				now := st.Time().Unix()
				done := false
				switch {
				case e.Status == election.PhasePublished || e.Status == election.PhaseCancelled:
					done = true
				case e.Phase(now) == election.PhaseTallying && strings.Contains(waiting, "decryption shares"):
					done = true // this trustee's share is on chain
				case e.Phase(now) == election.PhaseIssuing || e.Phase(now) == election.PhaseVoting:
					waiting = "the end of voting at " + kstDate(e.VoteEnd)
				}
				if done {
					fmt.Fprintf(w, "trustee %d of %s: the trustee's part is done (election %s)\n", l, id, e.Phase(now))
					return nil
				}
				if wait && e.Status == election.PhaseCeremony && e.CeremonyEnd != 0 && now >= e.CeremonyEnd {
					concluded, err := s.concludeStalled(e, now)
					if err != nil {
						return err
					}
					if concluded {
						continue
					}
				}
				msg := fmt.Sprintf("trustee %d of %s: waiting for %s", l, id, waiting)
				if !wait {
					fmt.Fprintln(w, msg)
					return nil
				}
				if msg != said {
					fmt.Fprintln(w, msg)
					said = msg
				}
				select {
				case <-s.ctx.Done():
					return s.ctx.Err()
				case <-time.After(poll):
				}
			}
		})}
	genesisFlag(cmd, &genesis, "the trustee")
	cmd.Flags().StringVar(&member, "member", "", "the trustee's member ID (default: the member of --key, as the node says)")
	cmd.Flags().BoolVar(&wait, "wait", false, "keep going, waiting for each phase, until the trustee's part is done")
	cmd.Flags().DurationVar(&poll, "poll", 2*time.Second, "with --wait, how often to look for the next phase")
	return cmd
}

// concludeStalled is what a waiting trustee does once the ceremony's
// deadline has passed (at proven block time now): it concludes a ceremony
// that can go on without the trustees who did not act (every key and
// dealing posted, checks or answers missing), and stops with advice when
// concluding would only cancel the election, which is the commission's
// call. It reports whether it sent the conclusion.
func (s *session) concludeStalled(e *election.Election, now int64) (bool, error) {
	keysAndDealings := true
	for l := range e.Trustees {
		keysAndDealings = keysAndDealings && e.HPKEKeys[l] != "" && e.Dealt[l]
	}
	switch {
	case e.JointKey == "" && keysAndDealings:
		if err := s.send(election.TypeConclude, election.ConcludeBody{Election: e.ID}); err != nil {
			return false, err
		}
		return true, nil
	case e.JointKey == "":
		return false, fmt.Errorf("the key ceremony of %s passed its deadline (%s) without every trustee's key and dealing; `pnyx election conclude %s` cancels it (ceremony_failed)", e.ID, kstDate(e.CeremonyEnd), e.ID)
	case now >= e.AcksDue:
		return false, fmt.Errorf("acknowledgements and issuer keys of %s were due %s and are missing; `pnyx election conclude %s` cancels it (ceremony_failed)", e.ID, kstDate(e.AcksDue), e.ID)
	}
	return false, nil
}

func electionIssuerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "issuer", Short: "Credential issuer: publish the RSA key, answer requests with blind signatures"}
	cmd.AddCommand(&cobra.Command{Use: "key ID", Short: "Generate this issuer's RSA-2048 key (kept in HOME/election/ID/KEYNAME/issuer.der) and publish it",
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			is, err := secrets(a[0]).Issuer()
			if err != nil {
				return err
			}
			return s.send(election.TypeIssuerKey, kit.IssuerKeyBodyFor(a[0], is))
		})})
	var workers, inFlight int
	var genesis string
	issue := &cobra.Command{Use: "issue ID", Short: "Answer every unanswered credential request with a blind signature",
		Long: `Reads the requests this issuer has not answered from the node's pending index
(a page at a time, from a cursor), blind-signs them on --workers cores and
sends them in issue transactions of up to 64 answers, --in-flight of them
waiting for their commits at once. Every page comes with a proof of its
requests, checked against the validators of --genesis before anything is
signed, so the node cannot make the issuer sign requests the chain does not
hold. Run it again to answer requests made since; what is answered already
is skipped.`,
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			me, err := s.memberID()
			if err != nil {
				return err
			}
			k, err := s.key()
			if err != nil {
				return err
			}
			is, err := secrets(a[0]).Issuer()
			if err != nil {
				return err
			}
			e, st, err := s.provenElection(a[0], genesis)
			if err != nil {
				return fmt.Errorf("an issuer signs only for an election and requests proven against the validators it trusts: %w", err)
			}
			i := e.IssuerIndex(me)
			if i < 0 {
				return fmt.Errorf("member %s is not an issuer of %s", me, a[0])
			}
			start := time.Now()
			total, err := issuance.Run(s.ctx, s.c, k, e, is, i, issuance.Options{Workers: workers, InFlight: inFlight, ChainID: st.ChainID, Trusted: st.Trusted,
				Progress: func(n int) { fmt.Fprintf(s.cmd.ErrOrStderr(), "  answered %d\n", n) }})
			if err != nil {
				return fmt.Errorf("issuer %d answered %d requests, then: %w", i, total, err)
			}
			fmt.Fprintf(s.cmd.OutOrStdout(), "issuer %d answered %d requests in %s\n", i, total, time.Since(start).Round(time.Millisecond))
			return nil
		})}
	issue.Flags().IntVar(&workers, "workers", 0, "signing goroutines (default: every core)")
	issue.Flags().IntVar(&inFlight, "in-flight", 8, "issue transactions waiting for their commits at once")
	genesisFlag(issue, &genesis, "the issuer")
	cmd.AddCommand(issue)
	return cmd
}

func electionRequestCmd() *cobra.Command {
	var genesis string
	cmd := &cobra.Command{Use: "request ID", Short: "Request anonymous voting credentials (eligible member, once per election)",
		Long: `Makes a one-time ballot key on this machine, blinds it for every issuer and
sends the blinded requests signed with your member key. The one-time key and
blinding secrets stay in HOME/election/ID/KEYNAME/voter.json. The issuers'
keys are read from the election record with a proof checked against the
validators of --genesis.`,
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			k, err := s.key()
			if err != nil {
				return err
			}
			e, _, err := s.provenElection(a[0], genesis)
			if err != nil {
				return err
			}
			vf, err := secrets(a[0]).NewOrLoadVoter()
			if err != nil {
				return err
			}
			v, err := vf.Key()
			if err != nil {
				return err
			}
			body, err := v.Request(e, k)
			if err != nil {
				return err
			}
			return s.send(election.TypeRequest, body)
		})}
	genesisFlag(cmd, &genesis, "the voter")
	return cmd
}

func electionTrackCmd() *cobra.Command {
	var prove, genesisFile string
	cmd := &cobra.Command{Use: "track ID CODE", Short: "Look up a ballot by its tracking code (full, or the short one shown to its voter), with --prove an inclusion proof",
		Long: `CODE is a ballot's full tracking code (64 hex digits) or the short code its
voter was shown (xxxx-xxxx-xxxx-xxxx-xxxx). A short code is matched against the
ballots cast with --key from this home, whose full codes are kept there.`,
		Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			code, err := fullTrackingCode(a[0], a[1])
			if err != nil {
				return err
			}
			path := "/v1/elections/" + a[0] + "/tracking/" + code
			if prove != "" {
				path += "?prove=1"
			}
			var ans wire.TrackingAnswer
			if err := s.c.Get(s.ctx, path, nil, &ans); err != nil {
				return err
			}
			w := s.cmd.OutOrStdout()
			fmt.Fprintf(w, "%s ballot, record %s at height %d, replaced by a later ballot: %v\n", ans.Kind, ans.Key, ans.Height, ans.Replaced)
			// The encryption code lets the voter check that what was cast is
			// what was encrypted before the cast-or-challenge question.
			var cb election.CastBallot
			if ans.Kind == "cast" && json.Unmarshal(ans.Record, &cb) == nil {
				sel, err1 := base64.StdEncoding.DecodeString(cb.Selections)
				e, err2 := s.election(a[0])
				if err1 == nil && err2 == nil {
					if c, err := kit.PublicContext(e); err == nil {
						ec := ballot.EncryptionCodeOf(c, sel)
						fmt.Fprintf(w, "encryption code %s (the code shown before you chose to cast)\n", ballot.CodeString(ec))
					}
				}
			}
			if prove != "" {
				p, err := proof.Unmarshal(ans.Proof)
				if err != nil {
					return fmt.Errorf("the node's inclusion proof: %v", err)
				}
				trusted, err := pinnedValidators(genesisFile, "proof", p.ChainID)
				if err != nil {
					return err
				}
				if err := certificate.VerifyBallotInclusion(p, trusted, a[0], code, ans.Key, ans.Record); err != nil {
					return fmt.Errorf("the node's answer does not prove the ballot: %v", err)
				}
				if err := os.WriteFile(prove, ans.Proof, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(w, "inclusion proven at height %d; %s\n", p.StateVersion, trustText(p, trusted, genesisFile))
				fmt.Fprintf(w, "inclusion proof written to %s (check it again elsewhere with: pnyx verify proof %s)\n", prove, prove)
			}
			return nil
		})}
	cmd.Flags().StringVar(&prove, "prove", "", "check the ballot's inclusion proof and write it to this file")
	cmd.Flags().StringVar(&genesisFile, "genesis", "", "with --prove: genesis.json whose validators must have signed the proof")
	return cmd
}

// fullTrackingCode returns code as the full hex tracking code: as it is if
// full, or, if it is the short code a voter is shown (the first 10 bytes,
// dashed), the one full code of the ballots cast with --key that starts so.
func fullTrackingCode(id, code string) (string, error) {
	c := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	if _, err := hex.DecodeString(c); err != nil || (len(c) != 64 && len(c) != 20) {
		return "", fmt.Errorf("%q is neither a full tracking code (64 hex digits) nor a short one (xxxx-xxxx-xxxx-xxxx-xxxx)", code)
	}
	if len(c) == 64 {
		return c, nil
	}
	vf, err := secrets(id).LoadVoter()
	if err != nil {
		return "", fmt.Errorf("short code %s: no ballots of key %s in %s on this home to match it; give the full code", code, flagKey, id)
	}
	for _, full := range vf.Tracking {
		if strings.HasPrefix(full, c) {
			return full, nil
		}
	}
	return "", fmt.Errorf("short code %s matches none of the %d ballot(s) key %s cast in %s from this home; give the full code", code, len(vf.Tracking), flagKey, id)
}

func electionRecordCmd() *cobra.Command {
	var out string
	var verify, withRegistry bool
	cmd := &cobra.Command{Use: "record ID", Short: "Export a published election's record (docs/election-record.md) from the chain",
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			if out == "" {
				out = a[0] + ".pnyxrec"
			}
			// Streamed to a file beside out and renamed once whole, so a
			// failed export never leaves a partial record under its name.
			f, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".part-*")
			if err != nil {
				return err
			}
			defer os.Remove(f.Name())
			fetch := s.c.ElectionRecordTo
			if withRegistry {
				fetch = s.c.ElectionRecordProvenTo
			}
			n, err := fetch(s.ctx, a[0], f)
			if err == nil {
				err = f.Chmod(0o644) // a record is public
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := os.Rename(f.Name(), out); err != nil {
				return err
			}
			w := s.cmd.OutOrStdout()
			fmt.Fprintf(w, "record of %s: %d bytes written to %s\n", a[0], n, out)
			if verify {
				data, err := os.ReadFile(out)
				if err != nil {
					return err
				}
				rep := record.VerifyBytes(data, record.Options{})
				for _, c := range rep.Checks {
					fmt.Fprintf(w, "  %-28s %v\n", c.Name, map[bool]string{true: "pass", false: "FAIL"}[c.OK])
				}
				if !rep.OK() {
					return fmt.Errorf("the record fails %v", rep.Failed())
				}
			}
			return nil
		})}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output file (default ID.pnyxrec)")
	cmd.Flags().BoolVar(&verify, "verify", false, "verify the record after export (as `pnyx verify election` does)")
	cmd.Flags().BoolVar(&withRegistry, "registry", false, "version 5: every credential requester proven in the registry at the election's eligibility height (needs a node that still keeps that state)")
	return cmd
}
