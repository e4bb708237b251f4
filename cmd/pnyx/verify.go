package main

// The offline verifiers under `pnyx verify`: they read a file, trust only
// validator signatures (and a genesis if given), and never ask a node —
// except for a compact proof (a QR code's), whose signed header, fetched
// from --api, is checked like the rest.

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/proof"
)

func newVerifyProofCmd() *cobra.Command {
	var genesisFile string
	cmd := &cobra.Command{
		Use:   "proof FILE",
		Short: "Check a record's proof offline against validator signatures",
		Long: `Checks a proof written by --prove (or served with ?prove=1), or the text of a
member card's QR code: the Merkle proof leads to the AppHash of a header that
more than 2/3 of the validators signed. With --genesis, the signing validators
must be the ones that genesis names, or the set that genesis's validators
handed over to through the proof's handoffs (one signed header per change of
the set since genesis); without it, compare the printed validator set hash
with one you trust.

A QR text starting pnyx-proof:2: is a compact proof (records and Merkle
proofs only, as on a chain of many validators): its signed header, validator
set and handoffs are fetched from the node at --api (GET /v1/anchors/H) and
checked exactly like a whole proof's, so that node need not be trusted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			p, compact, err := proof.DecodeText(raw)
			if err != nil {
				return err
			}
			if compact {
				h := proof.AnchorHeight(p)
				anchor, err := client.New(flagAPI).GetRaw(cmd.Context(), fmt.Sprintf("/v1/anchors/%d", h), nil)
				if err != nil {
					return fmt.Errorf("a compact proof needs header %d from a node of its chain; %s: %w", h, flagAPI, err)
				}
				a, err := proof.Unmarshal(anchor)
				if err != nil {
					return err
				}
				if p, err = proof.Complete(p, a); err != nil {
					return err
				}
			}
			trusted, err := pinnedValidators(genesisFile, "proof", p.ChainID)
			if err != nil {
				return err
			}
			if err := proof.Verify(p, trusted); err != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "FAIL %s\n", args[0])
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "OK   %s\n", args[0])
			fmt.Fprintf(out, "chain:          %s\n", p.ChainID)
			for _, e := range p.Entries {
				fmt.Fprintf(out, "key:            %s\n", e.Key)
				if e.Value == nil {
					fmt.Fprintf(out, "value:          (absent: the key holds no record)\n")
				} else {
					fmt.Fprintf(out, "value:          %s\n", e.Value)
				}
			}
			fmt.Fprintf(out, "state at:       height %d, proven by header %d (app hash %X, time %s)\n", p.StateVersion, p.Header.Height, p.Header.AppHash, p.Header.Time.UTC().Format("2006-01-02 15:04:05 MST"))
			fmt.Fprintf(out, "signed by:      %d of %d validators, set hash %s\n", countSigned(p), p.Validators.Size(), hex.EncodeToString(p.Validators.Hash()))
			if compact {
				fmt.Fprintf(out, "header from:    %s (a compact proof; checked as above)\n", flagAPI)
			}
			fmt.Fprintln(out, "trust:          "+trustText(p, trusted, genesisFile))
			return nil
		},
	}
	cmd.Flags().StringVar(&genesisFile, "genesis", "", "genesis.json whose validators you trust")
	return cmd
}

func countSigned(p *proof.StateProof) int {
	n := 0
	for _, s := range p.Header.Commit.Signatures {
		if s.BlockIDFlag == types.BlockIDFlagCommit {
			n++
		}
	}
	return n
}

func newVerifyRecordCmd() *cobra.Command {
	var genesisFile string
	verifyRecord := &cobra.Command{
		Use:   "record FILE",
		Short: "Check a resolution certificate offline: proofs, validator signatures, co-signatures, errata",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			raw, err := os.ReadFile(a[0])
			if err != nil {
				return err
			}
			c, err := certificate.Unmarshal(raw)
			if err != nil {
				return err
			}
			trusted, err := pinnedValidators(genesisFile, "certificate", c.ChainID)
			if err != nil {
				return err
			}
			r, err := certificate.Verify(c, trusted)
			if err != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "FAIL %s\n", a[0])
				return codes.InvalidArgument.Errorf("%v", err)
			}
			fmt.Fprint(cmd.OutOrStdout(), r.Text())
			fmt.Fprintf(cmd.OutOrStdout(), "\nOK   %s: %d records proven, co-signatures valid, %d errata shown; %s\n", a[0], len(c.Proof.Entries), len(r.Errata), trustText(c.Proof, trusted, genesisFile))
			return nil
		},
	}
	verifyRecord.Flags().StringVar(&genesisFile, "genesis", "", "genesis.json whose validators you trust")
	return verifyRecord
}

func newVerifyElectionCmd() *cobra.Command {
	var workers int
	var registryProof, genesisFile string
	cmd := &cobra.Command{
		Use:   "election RECORD",
		Short: "Verify an election record end to end (docs/election-record.md)",
		Long: `Re-checks every step of an election record: the key ceremony, the issuers'
logs, every ballot's credentials, signature and proofs (batch-verified on all
cores, bisecting to name a bad ballot), spoiled ballots, the aggregate, the
decryption shares and the results. Prints each check with PASS or FAIL and exits
non-zero if any fails. The record is read from the file a chunk at a time, so
memory stays small whatever its size (about 1 KB per ballot of hashes and
indices), and the report is the same whatever the number of --workers.

A version-5 record proves every requester against the app hash of the registry
snapshot. --registry-proof ties that app hash to the validators: pass any state
proof at the snapshot's height (for example the "proof" of
GET /v1/election-state/el/e/ID?height=H&prove=1, H the record's registry height),
and --genesis to pin the validators that must have signed it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The record is read a chunk at a time, not loaded: a
			// 3M-ballot record is about 14 GB.
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			start := time.Now()
			rep := record.VerifyReader(f, fi.Size(), record.Options{
				Workers:  workers,
				Progress: stageProgress(cmd.ErrOrStderr()),
				OnCheck: func(c record.CheckResult) {
					verdict := "PASS"
					if !c.OK {
						verdict = "FAIL"
					}
					fmt.Fprintf(w, "%s  %-27s %s\n", verdict, c.Name, c.Detail)
				},
			})
			failed := rep.Failed()
			if registryProof != "" {
				detail, err := checkRegistryAnchor(f, fi.Size(), registryProof, genesisFile)
				verdict := "PASS"
				if err != nil {
					verdict, detail = "FAIL", err.Error()
					failed = append(failed, "registry.header")
				}
				fmt.Fprintf(w, "%s  %-27s %s\n", verdict, "registry.header", detail)
			}
			if !rep.OK() || len(failed) > 0 {
				return fmt.Errorf("election record REJECTED: failed %s", strings.Join(failed, ", "))
			}
			fmt.Fprintf(w, "election record VALID: %d ballots, %d counted, verified in %s\n",
				rep.Ballots, rep.Counted, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().IntVar(&workers, "workers", 0, "verification goroutines (default: all cores)")
	cmd.Flags().StringVar(&registryProof, "registry-proof", "", "a state proof at the registry snapshot's height, to check a version-5 record's app hash against signed header height+1")
	cmd.Flags().StringVar(&genesisFile, "genesis", "", "genesis.json whose validators must have signed the --registry-proof header")
	return cmd
}

// checkRegistryAnchor checks that a version-5 record's registry app hash is
// the AppHash of the header that a state proof at the registry height
// carries, and that validators (those of genesisFile, if given) signed it.
func checkRegistryAnchor(src io.ReaderAt, size int64, proofFile, genesisFile string) (string, error) {
	rec, err := record.Open(src, size)
	if err != nil {
		return "", err
	}
	if !rec.V5() {
		return "", fmt.Errorf("a version-%d record carries no registry app hash", rec.Version)
	}
	raw, err := os.ReadFile(proofFile)
	if err != nil {
		return "", err
	}
	// Accept a bare proof or an API answer that carries one in "proof".
	var wrapped struct {
		Proof json.RawMessage `json:"proof"`
	}
	if json.Unmarshal(raw, &wrapped) == nil && len(wrapped.Proof) > 0 {
		raw = wrapped.Proof
	}
	p, err := proof.Unmarshal(raw)
	if err != nil {
		return "", err
	}
	trusted, err := pinnedValidators(genesisFile, "proof", p.ChainID)
	if err != nil {
		return "", err
	}
	if err := proof.Verify(p, trusted); err != nil {
		return "", err
	}
	if uint64(p.StateVersion) != rec.Eligibility.RegistryHeight {
		return "", fmt.Errorf("the proof is of state version %d, the registry snapshot is at %d", p.StateVersion, rec.Eligibility.RegistryHeight)
	}
	if !bytes.Equal(p.Header.AppHash, rec.Registry.AppHash) {
		return "", fmt.Errorf("header %d's app hash is %X, the record's registry app hash %X", p.Header.Height, []byte(p.Header.AppHash), rec.Registry.AppHash)
	}
	return fmt.Sprintf("registry app hash %X is the AppHash of header %d (chain %s), signed by %d of %d validators; %s",
		rec.Registry.AppHash, p.Header.Height, p.ChainID, countSigned(p), p.Validators.Size(), trustText(p, trusted, genesisFile)), nil
}

// pinnedValidators reads the validators that genesisFile names, for the
// offline verifiers' --genesis; without a file it returns nil and the
// verifier prints the validator set hash for the reader to compare. A
// genesis of another chain than the checked item's is refused.
// trustText says, for a proof that verified, what its signing validators
// were checked against: nothing, genesisFile's set, or the set genesisFile's
// handed over to (with the headers of the handoffs).
func trustText(p *proof.StateProof, trusted *types.ValidatorSet, genesisFile string) string {
	if trusted == nil {
		return "validator set NOT pinned; pass --genesis to check it against genesis"
	}
	if len(p.Handoffs) == 0 {
		return "validators match " + genesisFile
	}
	hs := make([]string, len(p.Handoffs))
	for i, h := range p.Handoffs {
		hs[i] = strconv.FormatInt(h.Header.Height, 10)
	}
	return fmt.Sprintf("validators handed over from %s's in %d signed changes (headers %s)", genesisFile, len(p.Handoffs), strings.Join(hs, ", "))
}

func pinnedValidators(genesisFile, what, chainID string) (*types.ValidatorSet, error) {
	if genesisFile == "" {
		return nil, nil
	}
	vals, gChain, err := trustedGenesis(genesisFile)
	if err != nil {
		return nil, err
	}
	if gChain != chainID {
		return nil, fmt.Errorf("%s is for chain %q, genesis for %q", what, chainID, gChain)
	}
	return vals, nil
}

// openingOfElection checks that an opening was made for the election
// record a state proof holds (the file `pnyx election show ID --prove` writes):
// the proof verifies against trusted (nil: not pinned), and the opening's
// manifest and joint key are the ones the record binds. A device that
// encrypted under another key, or for another ballot paper, fails here even
// when its code and choices look right.
func openingOfElection(o *ballot.Opening, p *proof.StateProof, trusted *types.ValidatorSet) (*election.Election, error) {
	if err := proof.Verify(p, trusted); err != nil {
		return nil, err
	}
	var e *election.Election
	for _, en := range p.Entries {
		if bytes.HasPrefix(en.Key, election.ElectionKey("")) && en.Value != nil {
			if err := json.Unmarshal(en.Value, &e); err != nil {
				return nil, fmt.Errorf("the proven record %s: %w", en.Key, err)
			}
			break
		}
	}
	if e == nil {
		return nil, fmt.Errorf("the proof holds no election record (make one with: pnyx election show ID --prove FILE)")
	}
	c, err := kit.PublicContext(e)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(o.Manifest.Encode(), c.Manifest.Encode()) {
		return nil, fmt.Errorf("the opening's ballot paper (manifest %x) is not election %s's (%x)", o.Manifest.Hash(), e.ID, c.ManifestHash)
	}
	if o.JointKey.Equal(c.JointKey) != 1 {
		return nil, fmt.Errorf("the opening was encrypted under joint key %x, not election %s's %x: the device did not encrypt for this election", o.JointKey.Encode(nil), e.ID, c.JointKey.Encode(nil))
	}
	return e, nil
}

func newVerifyOpeningCmd() *cobra.Command {
	var electionProof, genesisFile string
	cmd := &cobra.Command{
		Use:   "opening FILE",
		Short: "Check a challenged ballot's opening offline (Benaloh challenge)",
		Long: `Checks an opening written by ` + "`pnyx election vote`" + ` when you answered
"challenge" (docs/election-record.md, "Openings"): every ciphertext is the
encryption of the revealed choice, the choices respect the ballot's limits,
and the throwaway key signed it. Run it on a device other than the one that
encrypted, then compare: the encryption code must be the one you were shown
before you chose to challenge, the choices must be yours, and the election
ID and joint key must be the election's. With --election PROOF (written by
` + "`pnyx election show ID --prove PROOF`" + `) and --genesis, the last is checked
too: the proof must verify against the genesis validators, and the opening's
ballot paper and joint key must be the proven record's.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			o, err := ballot.VerifyOpening(raw)
			out := cmd.OutOrStdout()
			if err != nil {
				fmt.Fprintf(out, "FAIL %s\n", args[0])
				return err
			}
			var matched string
			if electionProof != "" {
				praw, err := os.ReadFile(electionProof)
				if err != nil {
					return err
				}
				p, err := proof.Unmarshal(praw)
				if err != nil {
					return fmt.Errorf("--election: %w", err)
				}
				trusted, err := pinnedValidators(genesisFile, "election proof", p.ChainID)
				if err != nil {
					return err
				}
				e, err := openingOfElection(o, p, trusted)
				if err != nil {
					fmt.Fprintf(out, "FAIL %s\n", args[0])
					return err
				}
				matched = fmt.Sprintf("election %s as proven at height %d (%s): ballot paper and joint key match", e.ID, p.StateVersion, trustText(p, trusted, genesisFile))
			}
			code := o.Code()
			fmt.Fprintf(out, "OK   %s\n", args[0])
			fmt.Fprintf(out, "encryption code: %s (full: %x)\n", ballot.CodeString(code), code)
			fmt.Fprintf(out, "election:        %x %q\n", o.Manifest.ElectionID, o.Manifest.Title)
			fmt.Fprintf(out, "joint key:       %x\n", o.JointKey.Encode(nil))
			for i, c := range o.Manifest.Contests {
				var chosen []string
				for j, n := range o.Reveal.Choices[i] {
					for range n {
						chosen = append(chosen, fmt.Sprintf("%d. %s", j+1, c.Options[j]))
					}
				}
				if len(chosen) == 0 {
					chosen = []string{"(none)"}
				}
				fmt.Fprintf(out, "%s: %s\n", c.Title, strings.Join(chosen, ", "))
			}
			if matched != "" {
				fmt.Fprintf(out, "record:          %s\n", matched)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&electionProof, "election", "", "a proof of the election record (pnyx election show ID --prove FILE) the opening must match")
	cmd.Flags().StringVar(&genesisFile, "genesis", "", "with --election: genesis.json whose validators must have signed the proof")
	return cmd
}
