package main

import (
	"encoding/hex"
	"fmt"
	"os"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/proof"
)

func init() {
	var genesisFile string
	cmd := &cobra.Command{
		Use:   "proof FILE",
		Short: "Check a record's proof offline against validator signatures",
		Long: `Checks a proof written by --prove (or served with ?prove=1): the Merkle proof
leads to the AppHash of a header that more than 2/3 of the validators signed.
With --genesis, the signing validators must be the ones that genesis names;
without it, compare the printed validator set hash with one you trust.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			p, err := proof.Unmarshal(raw)
			if err != nil {
				return err
			}
			var trusted *types.ValidatorSet
			if genesisFile != "" {
				g, err := types.GenesisDocFromFile(genesisFile)
				if err != nil {
					return err
				}
				if g.ChainID != p.ChainID {
					return fmt.Errorf("proof is for chain %q, genesis for %q", p.ChainID, g.ChainID)
				}
				if trusted, err = proof.TrustedFromGenesis(g); err != nil {
					return err
				}
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
			if trusted == nil {
				fmt.Fprintln(out, "trust:          validator set NOT pinned; pass --genesis to check it against genesis")
			} else {
				fmt.Fprintln(out, "trust:          validator set matches", genesisFile)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&genesisFile, "genesis", "", "genesis.json whose validators you trust")
	verifyCmd.AddCommand(cmd)
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
