package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/proof"
)

// newKPICmd groups the KPI commands: rule sets (propose, adopt), facts
// (attest, confirm, retract), periods (close, finalize, mint-rewards,
// claim), appeals,
// and the reads (scorecards, rankings, histograms).
func newKPICmd() *cobra.Command {
	cmd := &cobra.Command{Use: "kpi", Short: "Member and chapter KPIs: rules, facts, periods, scorecards, appeals"}
	readJSON := func(path string, v any) error {
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, v)
	}
	var proveOut string
	period := func(typ string, short string) *cobra.Command {
		return &cobra.Command{Use: typ[len("kpi/"):] + " PERIOD", Short: short, Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			return s.send(typ, kpi.PeriodBody{Period: a[0]})
		})}
	}
	versions := &cobra.Command{Use: "versions", Short: "List the adopted rule set versions", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		return s.show("/v1/kpi/versions", false)
	})}
	version := &cobra.Command{Use: "version N", Short: "Show one adopted rule set version", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		if _, err := strconv.Atoi(a[0]); err != nil {
			return fmt.Errorf("version: %w", err)
		}
		return s.showRecord("/v1/kpi/versions/"+a[0], false, proveOut)
	})}
	version.Flags().StringVar(&proveOut, "prove", "", "write a proof of the record to this file")
	var certOut string
	card := &cobra.Command{Use: "scorecard PERIOD SCORECARD MEMBER", Short: "Show a member's scorecard (signed read: the member or an official with scope)", Args: cobra.ExactArgs(3), RunE: run(func(s *session, a []string) error {
		path := "/v1/kpi/periods/" + a[0] + "/scorecards/" + a[1] + "/members/" + a[2]
		if certOut == "" {
			return s.show(path, true)
		}
		k, err := s.key()
		if err != nil {
			return err
		}
		raw, err := s.c.GetRaw(s.ctx, path+"?prove=1", k)
		if err != nil {
			return err
		}
		if err := os.WriteFile(certOut, raw, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(s.cmd.OutOrStdout(), "scorecard with its proof written to %s (check with: pnyx verify kpi %s)\n", certOut, certOut)
		return nil
	})}
	card.Flags().StringVar(&certOut, "prove", "", "write the scorecard with a proof of every record its score rests on to this file")
	cmd.AddCommand(versions, version,
		&cobra.Command{Use: "propose RULESET.json", Short: "Propose a rule set (secretary of HQ); a body of HQ then adopts a motion naming kpi:<id>", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			var rs kpi.RuleSet
			if err := readJSON(a[0], &rs); err != nil {
				return err
			}
			return s.send(kpi.TypePropose, kpi.ProposeBody{RuleSet: rs})
		})},
		&cobra.Command{Use: "adopt PROPOSAL MEETING MOTION", Short: "Adopt a proposal by the finalized decision that names it", Args: cobra.ExactArgs(3), RunE: run(func(s *session, a []string) error {
			no, err := strconv.Atoi(a[2])
			if err != nil {
				return fmt.Errorf("motion: %w", err)
			}
			return s.send(kpi.TypeAdopt, kpi.AdoptBody{Proposal: a[0], Meeting: a[1], Motion: no})
		})},
		&cobra.Command{Use: "attest BATCH FACTS.json", Short: "Post up to 500 facts (kpi_attestor); FACTS.json is a list of {type, subject, period, value, day, evidence}", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			var facts []kpi.FactInput
			if err := readJSON(a[1], &facts); err != nil {
				return err
			}
			return s.send(kpi.TypeAttest, kpi.AttestBody{Batch: a[0], Facts: facts})
		})},
		&cobra.Command{Use: "confirm BATCH", Short: "Check another attestor's batch (maker–checker)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			return s.send(kpi.TypeConfirm, kpi.ConfirmBody{Batch: a[0]})
		})},
		&cobra.Command{Use: "retract member|chapter SUBJECT PERIOD FACT REASON", Short: "Retract a fact with a reason code (1 evidence_invalid, 2 duplicate, 3 wrong_subject, 4 wrong_period, 5 wrong_value, 9 other)", Args: cobra.ExactArgs(5), RunE: run(func(s *session, a []string) error {
			reason, err := strconv.Atoi(a[4])
			if err != nil {
				return fmt.Errorf("reason: %w", err)
			}
			return s.send(kpi.TypeRetract, kpi.RetractBody{Kind: a[0], Subject: a[1], Period: a[2], Fact: a[3], Reason: reason})
		})},
		period(kpi.TypeClose, "Close a period after its grace: stores the chapter rankings, opens appeals"),
		period(kpi.TypeFinalize, "Make a period final after its appeals window"),
		period(kpi.TypeMintRewards, "Mint the next pages of a final period's rewards by rule (repeat until it reports done=true)"),
		period(kpi.TypeClaim, "Claim your reward for a final period before kpi mint-rewards reaches you"),
		&cobra.Command{Use: "appeal ID PERIOD SCORECARD SUBJECT RULE EVIDENCE_SHA256 [FACT]", Short: "Appeal a rule's score within the appeals window", Args: cobra.RangeArgs(6, 7), RunE: run(func(s *session, a []string) error {
			b := kpi.AppealBody{ID: a[0], Period: a[1], Scorecard: a[2], Subject: a[3], Rule: a[4], Evidence: a[5]}
			if len(a) == 7 {
				b.Fact = a[6]
			}
			return s.send(kpi.TypeAppeal, b)
		})},
		&cobra.Command{Use: "decide-appeal DECISION.json", Short: "Record the appeals body's decision: {appeal, outcome, meeting, motion, add, retract}", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			var b kpi.DecideAppealBody
			if err := readJSON(a[0], &b); err != nil {
				return err
			}
			return s.send(kpi.TypeDecideAppeal, b)
		})},
		&cobra.Command{Use: "erratum ERRATUM.json", Short: "Record a correction to a final period decided by the appeals body: {id, period, scorecard, subject, rule, correction, meeting, motion}", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			var b kpi.ErratumBody
			if err := readJSON(a[0], &b); err != nil {
				return err
			}
			return s.send(kpi.TypeErratum, b)
		})},
		&cobra.Command{Use: "period PERIOD", Short: "Show a period (2026-04, 2026-Q2, 2026-H1, 2026): bounds, version, state", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			return s.show("/v1/kpi/periods/"+a[0], false)
		})},
		card,
		&cobra.Command{Use: "chapter PERIOD SCORECARD CHAPTER", Short: "Show a chapter's scorecard", Args: cobra.ExactArgs(3), RunE: run(func(s *session, a []string) error {
			return s.show("/v1/kpi/periods/"+a[0]+"/scorecards/"+a[1]+"/chapters/"+a[2], false)
		})},
		&cobra.Command{Use: "ranking PERIOD SCORECARD", Short: "Show a chapter ranking (stored at close and at final)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			return s.showRecord("/v1/kpi/periods/"+a[0]+"/rankings/"+a[1], false, "")
		})},
		&cobra.Command{Use: "histogram PERIOD SCORECARD CHAPTER", Short: "Show a chapter's member score histogram (buckets of at least 10)", Args: cobra.ExactArgs(3), RunE: run(func(s *session, a []string) error {
			return s.show("/v1/kpi/periods/"+a[0]+"/histograms/"+a[1]+"/"+a[2], false)
		})},
		&cobra.Command{Use: "appeal-show ID", Short: "Show an appeal and its decision", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			return s.show("/v1/kpi/appeals/"+a[0], true)
		})},
	)
	return cmd
}

// newVerifyKPICmd checks a scorecard written by `pnyx kpi scorecard
// --prove` offline: the proof against the validators' signatures, then the
// score recomputed from the proven records alone.
func newVerifyKPICmd() *cobra.Command {
	var genesisFile string
	cmd := &cobra.Command{
		Use:   "kpi FILE",
		Short: "Check a KPI scorecard offline: its proof, then its score recomputed from the proven records",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var c api.KPICard
			if err := json.Unmarshal(raw, &c); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(c.Proof) == 0 {
				return fmt.Errorf("%s carries no proof (read it with ?prove=1, or pnyx kpi scorecard --prove)", args[0])
			}
			p, err := proof.Unmarshal(c.Proof)
			if err != nil {
				return err
			}
			trusted, err := pinnedValidators(genesisFile, "scorecard", p.ChainID)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if err := certificate.VerifyScorecard(p, c.Card, trusted); err != nil {
				fmt.Fprintf(out, "FAIL %s\n", args[0])
				return err
			}
			fmt.Fprintf(out, "OK   %s\nchain:          %s\nheight:         %d\nsubject:        %s (%s)\nperiod:         %s, scorecard %s, rule set version %d\nscore:          %d bp, recomputed from %d proven records\n",
				args[0], p.ChainID, p.StateVersion, c.Subject, c.Kind, c.Period, c.Scorecard, c.Version, c.ScoreBP, len(p.Entries))
			if trusted == nil {
				fmt.Fprintf(out, "validator set:  %X (compare with one you trust, or pass --genesis)\n", p.Validators.Hash())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&genesisFile, "genesis", "", "genesis.json whose validators must be the signers")
	return cmd
}
