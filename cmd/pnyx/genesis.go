package main

// `pnyx genesis fetch`: how a member's machine gets the genesis whose
// validators its tools trust (--genesis), checked against the hash HQ
// publishes, from any node.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/proof"
)

func newGenesisCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "genesis", Short: "Get the network's genesis.json, checked against the hash HQ publishes"}
	var sum, out string
	fetch := &cobra.Command{Use: "fetch --sha256 HASH", Short: "Download genesis.json from --api and keep it if its SHA-256 is HASH",
		Long: `Downloads the network's genesis.json from the node at --api and keeps it in
HOME/config/genesis.json (or --out) only if its SHA-256 is the one given, which
must come from the party (HQ publishes it with the genesis), not from the node:
the file names the validators whose signatures every proof is checked against
(` + "`pnyx election vote`" + `, ` + "`request`" + `, ` + "`credentials`" + `, ` + "`trustee`" + `, ` + "`issuer issue`" + `, ` + "`verify ... --genesis`" + `).
A file already there is left as it is: the same bytes are reported as such,
others refused.`,
		Args: cobra.NoArgs,
		RunE: run(func(s *session, _ []string) error {
			want, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(sum)))
			if err != nil || len(want) != sha256.Size {
				return fmt.Errorf("--sha256 must be the 64 hex digits HQ published for genesis.json")
			}
			raw, err := s.c.GetRaw(s.ctx, "/v1/genesis", nil)
			if err != nil {
				return err
			}
			got := sha256.Sum256(raw)
			if !bytes.Equal(got[:], want) {
				return fmt.Errorf("the node served a genesis.json with SHA-256 %x, not %x: nothing written (a wrong hash, another network, or a node that lies)", got, want)
			}
			g, err := types.GenesisDocFromJSON(raw)
			if err != nil {
				return fmt.Errorf("the genesis.json with that hash does not parse: %w", err)
			}
			vals, err := proof.TrustedFromGenesis(g)
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(flagHome, "config", "genesis.json")
			}
			w := s.cmd.OutOrStdout()
			switch have, err := os.ReadFile(out); {
			case err == nil && bytes.Equal(have, raw):
				fmt.Fprintf(w, "%s already holds this genesis\n", out)
			case err == nil:
				return fmt.Errorf("%s holds another genesis (SHA-256 %x): move it away first, nothing written", out, sha256.Sum256(have))
			case !errors.Is(err, fs.ErrNotExist):
				return err
			default:
				if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
					return err
				}
				if err := os.WriteFile(out, raw, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(w, "genesis.json written to %s\n", out)
			}
			fmt.Fprintf(w, "chain %s, %d validators (set hash %X), SHA-256 %x\n", g.ChainID, vals.Size(), vals.Hash(), got)
			return nil
		})}
	fetch.Flags().StringVar(&sum, "sha256", "", "the SHA-256 of genesis.json as HQ published it (required)")
	fetch.Flags().StringVar(&out, "out", "", "where to keep it (default HOME/config/genesis.json)")
	fetch.MarkFlagRequired("sha256")
	cmd.AddCommand(fetch)
	return cmd
}
