package main

// `pnyx election simulate`: a whole election in memory (`pnyx verify
// election` is in verify.go, `pnyx bench verify` in bench.go). The work is done by the
// packages under election/; this file only parses flags and prints.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/pnyx-party/pnyx/election/simulate"
	"github.com/spf13/cobra"
)

// stageProgress prints "stage done/total" on stderr at most every 500 ms
// per stage, and always at the end of a stage.
func stageProgress(w io.Writer) func(stage string, done, total int) {
	var mu sync.Mutex
	last := map[string]time.Time{}
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if done < total && time.Since(last[stage]) < 500*time.Millisecond {
			return
		}
		last[stage] = time.Now()
		fmt.Fprintf(w, "  %s %d/%d\n", stage, done, total)
	}
}

func electionSimulateCmd() *cobra.Command {
	var cfg simulate.Config
	var out, seedHex string
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run a whole election in memory and write its record",
		Long: `Runs a whole election in memory: the trustees' key ceremony, blind-signature
credentials from every issuer, encrypted ballots with proofs, re-votes (the last
ballot counts), spoiled ballots (Benaloh challenges), and the threshold tally
with --absent trustees missing. Writes the election record (docs/election-record.md)
and checks that the decrypted result equals the voters' plaintext intent.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if seedHex == "" {
				rand.Read(cfg.Seed[:])
			} else if b, err := hex.DecodeString(seedHex); err != nil || len(b) != 32 {
				return fmt.Errorf("--seed wants 64 hex digits")
			} else {
				copy(cfg.Seed[:], b)
			}
			cfg.Progress = stageProgress(cmd.ErrOrStderr())
			start := time.Now()
			res, err := simulate.Run(cfg)
			if err != nil {
				return err
			}
			data := res.Record.Encode()
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, e := range res.Events {
				fmt.Fprintln(w, "event:", e)
			}
			fmt.Fprintf(w, "seed %x\n", cfg.Seed)
			fmt.Fprintf(w, "ballots cast %d, replaced %d, counted %d, spoiled %d\n",
				res.Record.CastCount, res.Record.Replaced, res.Record.Counted, len(res.Record.Spoiled))
			if len(res.Tracking) > 0 {
				fmt.Fprintf(w, "tracking code of the first ballot: %s\n", res.Tracking[0])
			}
			fmt.Fprintf(w, "trustees decrypting: %d of %d (threshold %d)\n", len(res.Record.Decryptions), cfg.Trustees, cfg.Threshold)
			for i, o := range res.Record.Manifest.Contests[0].Options {
				fmt.Fprintf(w, "  %-14s tally %d  intent %d\n", o, res.Tally[i], res.Intent[i])
			}
			fmt.Fprintf(w, "result equals intent: %v\n", res.Match())
			fmt.Fprintf(w, "wrote %s (%d bytes) in %s; check it with: pnyx verify election %s\n",
				out, len(data), time.Since(start).Round(time.Millisecond), out)
			if !res.Match() && cfg.ExtraCredentials == 0 {
				return fmt.Errorf("decrypted result differs from intent")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Voters, "voters", 100, "number of voters")
	f.IntVar(&cfg.Options, "options", 5, "options in the choose-one contest")
	f.IntVar(&cfg.Trustees, "trustees", 3, "trustees n")
	f.IntVar(&cfg.Threshold, "threshold", 2, "trustees k needed to decrypt")
	f.IntVar(&cfg.Issuers, "issuers", 2, "credential issuers m")
	f.IntVar(&cfg.Revotes, "revotes", 0, "voters who vote again (the last ballot counts)")
	f.IntVar(&cfg.Absent, "absent", 0, "trustees absent at decryption")
	f.IntVar(&cfg.Spoiled, "spoiled", 2, "spoiled (challenged) ballots")
	f.IntVar(&cfg.CheatingDealer, "cheating-dealer", 0, "trustee index that deals a bad share (to be disqualified)")
	f.IntVar(&cfg.CheatingDecryptor, "cheating-decryptor", 0, "trustee index that publishes a bad decryption share (to be excluded)")
	f.BoolVar(&cfg.FastCredentials, "fast-credentials", false, "sign credentials directly instead of blindly (large simulations)")
	f.IntVar(&cfg.RecordVersion, "record-version", 2, "record version: 2, 3 (adds the timeline), 4 (3 and the issuers' blind signatures) or 5 (4 and every requester proven in the registry)")
	f.StringVar(&out, "out", "election-record.bin", "record file to write")
	f.StringVar(&seedHex, "seed", "", "32-byte hex seed for a reproducible run (default random)")
	return cmd
}
