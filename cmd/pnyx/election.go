package main

// Election commands for commissioners, trustees, issuers and voters. A
// trustee's, issuer's or voter's secrets never leave this machine: they live
// under HOME/election/ELECTION/KEYNAME/ (package internal/electionsecrets),
// and everything else is read from the chain through the API.

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/internal/electionsecrets"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/wire"
)

// secrets is the folder of --key's secrets for election id under --home.
func secrets(id string) electionsecrets.Store {
	return electionsecrets.For(flagHome, id, flagKey)
}

func (s *session) election(id string) (*election.Election, error) {
	e, ok := election.Get(s.c.ElectionState(s.ctx), id)
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

// parseWhenFlag accepts Unix seconds or +DURATION from now.
func parseWhenFlag(v string, now time.Time) (int64, error) {
	if strings.HasPrefix(v, "+") {
		d, err := time.ParseDuration(v[1:])
		if err != nil {
			return 0, err
		}
		return now.Add(d).Unix(), nil
	}
	return strconv.ParseInt(v, 10, 64)
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

// parseChoices turns one --choice per contest (option numbers from 0,
// comma-separated) into the selections a ballot encrypts.
func parseChoices(choices []string, contests []ballot.Contest) ([][]uint32, error) {
	if len(choices) != len(contests) {
		return nil, fmt.Errorf("the election has %d contest(s): give --choice once per contest, in order (got %d)", len(contests), len(choices))
	}
	sel := make([][]uint32, len(contests))
	for i, c := range contests {
		sel[i] = make([]uint32, len(c.Options))
		for _, x := range strings.Split(choices[i], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(x))
			if err != nil || n < 0 || n >= len(c.Options) {
				return nil, fmt.Errorf("contest %d (%s): --choice wants option numbers 0..%d, got %q", i+1, c.Title, len(c.Options)-1, x)
			}
			sel[i][n] = 1
		}
	}
	return sel, nil
}

func electionCreateCmd() *cobra.Command {
	var b election.CreateBody
	var options, trustees, issuers, class string
	var contests []string
	var limit uint32
	var when [4]string
	cmd := &cobra.Command{
		Use:   "create ID",
		Short: "Create an election (election commissioner): contests, trustees, issuers, schedule",
		Long: `Creates an election over a chapter subtree. The electorate is the members active
(of --class if given) in the subtree in the registry as committed before the
creation block. One contest: --title and --options A,B,C (--choose N); several:
--contest 'TITLE=A,B,C' once per contest, '@N' at the end to let voters choose N.
Times are Unix seconds or +DURATION from now, e.g. --issue-start +0s --issue-end
+1h --vote-start +1h --vote-end +2h. Issuance must close before voting opens
unless --allow-overlap.`,
		Args: cobra.ExactArgs(1),
		RunE: run(func(s *session, a []string) error {
			b.ID, b.Class = a[0], members.Class(class)
			var err error
			if b.Contests, err = parseContests(contests, b.Title, options, limit); err != nil {
				return err
			}
			b.Trustees, b.Issuers = strings.Split(trustees, ","), strings.Split(issuers, ",")
			now := time.Now()
			for i, p := range []*int64{&b.IssueStart, &b.IssueEnd, &b.VoteStart, &b.VoteEnd} {
				v, err := parseWhenFlag(when[i], now)
				if err != nil {
					return fmt.Errorf("schedule: %v", err)
				}
				*p = v
			}
			return s.send(election.TypeCreate, b)
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
	f.BoolVar(&b.AllowOverlap, "allow-overlap", false, "let issuance overlap voting (the record says so)")
	cmd.MarkFlagRequired("trustees")
	cmd.MarkFlagRequired("issuers")
	return cmd
}

func electionShowCmd() *cobra.Command {
	var tally bool
	var prove string
	cmd := &cobra.Command{Use: "show ID", Short: "Show an election (--tally: counts and results)", Args: cobra.ExactArgs(1),
		RunE: run(func(s *session, a []string) error {
			path := "/v1/elections/" + a[0]
			if tally {
				path += "/tally"
			}
			if err := s.showRecord(path, false, prove); err != nil {
				return err
			}
			if e, err := s.election(a[0]); err == nil {
				if now, err := s.blockTime(); err == nil {
					fmt.Fprintf(s.cmd.OutOrStdout(), "phase at block time %d: %s\n", now, e.Phase(now))
				}
			}
			return nil
		})}
	cmd.Flags().BoolVar(&tally, "tally", false, "show the running tally and results")
	cmd.Flags().StringVar(&prove, "prove", "", "write a state proof of the record to this file")
	return cmd
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

func electionTrusteeCmd() *cobra.Command {
	return &cobra.Command{Use: "trustee ID", Short: "Take the trustee's next step: key, dealing, check, answers, acknowledgement, decryption share",
		Long: `Run it as the trustee (--key) until it says it is waiting. The trustee's secret
seed is kept in HOME/election/ID/KEYNAME/trustee.seed: keep that file safe and
offline between steps; without it the trustee cannot decrypt.`,
		Args: cobra.ExactArgs(1),
		RunE: run(func(s *session, a []string) error {
			me, err := s.memberID()
			if err != nil {
				return err
			}
			seed, err := secrets(a[0]).TrusteeSeed()
			if err != nil {
				return err
			}
			for {
				e, err := s.election(a[0])
				if err != nil {
					return err
				}
				l := e.TrusteeIndex(me)
				if l == 0 {
					return fmt.Errorf("member %s is not a trustee of %s", me, a[0])
				}
				now, err := s.blockTime()
				if err != nil {
					return err
				}
				st := s.c.ElectionState(s.ctx)
				typ, body, waiting, err := election.TrusteeStep(st, e, seed, l, now)
				if err == nil {
					err = st.Err
				}
				if err != nil {
					return err
				}
				if typ == "" {
					fmt.Fprintf(s.cmd.OutOrStdout(), "trustee %d of %s: waiting for %s\n", l, a[0], waiting)
					return nil
				}
				if err := s.send(typ, body); err != nil {
					return err
				}
			}
		})}
}

func electionIssuerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "issuer", Short: "Credential issuer: publish the RSA key, answer requests with blind signatures"}
	cmd.AddCommand(&cobra.Command{Use: "key ID", Short: "Generate this issuer's RSA-2048 key (kept in HOME/election/ID/KEYNAME/issuer.der) and publish it",
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			is, err := secrets(a[0]).Issuer()
			if err != nil {
				return err
			}
			return s.send(election.TypeIssuerKey, election.IssuerKeyBodyFor(a[0], is))
		})})
	cmd.AddCommand(&cobra.Command{Use: "issue ID", Short: "Answer every unanswered credential request with a blind signature",
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			me, err := s.memberID()
			if err != nil {
				return err
			}
			is, err := secrets(a[0]).Issuer()
			if err != nil {
				return err
			}
			e, err := s.election(a[0])
			if err != nil {
				return err
			}
			i := e.IssuerIndex(me)
			if i < 0 {
				return fmt.Errorf("member %s is not an issuer of %s", me, a[0])
			}
			st := s.c.ElectionState(s.ctx)
			total := 0
			for {
				seqs := election.Unanswered(st, e, i, election.MaxIssueBatch)
				if st.Err != nil {
					return st.Err
				}
				if len(seqs) == 0 {
					break
				}
				b, err := election.IssueBodyFor(st, e, is, i, seqs)
				if err != nil {
					return err
				}
				if err := s.send(election.TypeIssue, b); err != nil {
					return err
				}
				total += len(seqs)
			}
			fmt.Fprintf(s.cmd.OutOrStdout(), "issuer %d answered %d requests\n", i, total)
			return nil
		})})
	return cmd
}

func electionRequestCmd() *cobra.Command {
	return &cobra.Command{Use: "request ID", Short: "Request anonymous voting credentials (eligible member, once per election)",
		Long: `Makes a one-time ballot key on this machine, blinds it for every issuer and
sends the blinded requests signed with your member key. The one-time key and
blinding secrets stay in HOME/election/ID/KEYNAME/voter.json.`,
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			k, err := s.key()
			if err != nil {
				return err
			}
			e, err := s.election(a[0])
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
}

// credentials fetches and unblinds the issuers' answers, once.
func (s *session) credentials(id string, vf *electionsecrets.Voter, v *election.Voter, e *election.Election) ([][]byte, error) {
	if len(vf.Credentials) == 0 {
		k, err := s.key()
		if err != nil {
			return nil, err
		}
		me, err := s.memberID()
		if err != nil {
			return nil, err
		}
		st := s.c.ElectionState(s.ctx)
		seq, ok := election.RequestOf(st, id, me)
		if !ok {
			return nil, fmt.Errorf("no credential request of yours in %s: run `pnyx election request %s` first", id, id)
		}
		creds, err := v.Credentials(st, e, k, seq)
		if err != nil {
			return nil, err
		}
		vf.Request = &seq
		for _, c := range creds {
			vf.Credentials = append(vf.Credentials, hex.EncodeToString(c))
		}
		if err := secrets(id).SaveVoter(vf); err != nil {
			return nil, err
		}
	}
	var out [][]byte
	for _, c := range vf.Credentials {
		b, _ := hex.DecodeString(c)
		out = append(out, b)
	}
	return out, nil
}

func electionVoteCmd() *cobra.Command {
	var choices []string
	var spoil bool
	cmd := &cobra.Command{Use: "vote ID --choice N[,M…] [--choice …]", Short: "Cast (or re-cast: the last ballot counts) an encrypted, anonymous ballot",
		Long: `Encrypts your choices (option numbers from 0; one --choice per contest, in
order) on this machine and submits the
ballot as an anonymous transaction: it carries your one-time key and the
issuers' credentials, never your member key. Voting again replaces your earlier
ballot. With --spoil the ballot is published with its randomness revealed
(a Benaloh challenge: check that your device encrypted what you chose) and is
never counted. Prints the ballot's tracking code.`,
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			id := a[0]
			vf, err := secrets(id).LoadVoter()
			if err != nil {
				return fmt.Errorf("no voter secrets for %s under this key: run `pnyx election request %s` first (%v)", id, id, err)
			}
			v, err := vf.Key()
			if err != nil {
				return err
			}
			e, err := s.election(id)
			if err != nil {
				return err
			}
			creds, err := s.credentials(id, vf, v, e)
			if err != nil {
				return err
			}
			c, err := election.PublicContext(e)
			if err != nil {
				return err
			}
			sel, err := parseChoices(choices, c.Manifest.Contests)
			if err != nil {
				return err
			}
			b, rv, err := v.Encrypt(c, creds, sel)
			if err != nil {
				return err
			}
			chainID, err := s.c.ChainID(s.ctx)
			if err != nil {
				return err
			}
			raw := election.BallotTx(chainID, b)
			what := "cast"
			if spoil {
				raw, what = election.SpoilTx(chainID, b, rv), "spoiled"
			}
			res, err := s.c.Submit(s.ctx, raw, true)
			if err != nil {
				return err
			}
			tc := b.TrackingCode()
			vf.Tracking = append(vf.Tracking, hex.EncodeToString(tc[:]))
			secrets(id).SaveVoter(vf)
			fmt.Fprintf(s.cmd.OutOrStdout(), "ballot %s at height %d\ntracking code %s (full: %x)\n", what, res.Height, b.TrackingString(), tc)
			return nil
		})}
	cmd.Flags().StringArrayVar(&choices, "choice", nil, "option number(s) from 0, comma-separated; once per contest, in order")
	cmd.Flags().BoolVar(&spoil, "spoil", false, "spoil the ballot (Benaloh challenge) instead of casting it")
	cmd.MarkFlagRequired("choice")
	return cmd
}

func electionTrackCmd() *cobra.Command {
	var prove string
	cmd := &cobra.Command{Use: "track ID CODE", Short: "Look up a ballot by its full tracking code, with --prove an inclusion proof",
		Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			path := "/v1/elections/" + a[0] + "/tracking/" + a[1]
			if prove != "" {
				path += "?prove=1"
			}
			var ans wire.TrackingAnswer
			if err := s.c.Get(s.ctx, path, nil, &ans); err != nil {
				return err
			}
			w := s.cmd.OutOrStdout()
			fmt.Fprintf(w, "%s ballot, record %s at height %d, replaced by a later ballot: %v\n", ans.Kind, ans.Key, ans.Height, ans.Replaced)
			if prove != "" {
				if err := os.WriteFile(prove, ans.Proof, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(w, "inclusion proof written to %s (check with: pnyx verify proof %s)\n", prove, prove)
			}
			return nil
		})}
	cmd.Flags().StringVar(&prove, "prove", "", "write the inclusion proof to this file")
	return cmd
}

func electionRecordCmd() *cobra.Command {
	var out string
	var verify bool
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
			n, err := s.c.ElectionRecordTo(s.ctx, a[0], f)
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
	return cmd
}
