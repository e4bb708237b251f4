package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/internal/launch"
)

// newSnapshotCmd: `pnyx snapshot export|restore`, a checked copy of a
// stopped node's chain data for bringing up another node of the network.
func newSnapshotCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "snapshot", Short: "Export a stopped node's chain data, checked, and restore it into a new node's home"}
	var out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the stopped home's blocks, state and documents to a .tar.gz (never its keys or signing state)",
		Long: `Check the stopped home — its last header signed by 2/3 of the validators, the
state tree's hashes the ones the chain names — and write its chain data to
--out: blocks, state, the application's state tree, tx lookup, blobs and
index, with genesis.json and a manifest. Keys, config and the validator's
signing state are never included.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			m, err := launch.ExportSnapshot(flagHome, f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(out)
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "snapshot of %s at height %d (app hash %s) written to %s\n", m.ChainID, m.Height, m.AppHash, out)
			return nil
		},
	}
	export.Flags().StringVar(&out, "out", "pnyx-snapshot.tar.gz", "archive to write (must not exist)")
	restore := &cobra.Command{
		Use:   "restore FILE",
		Short: "Unpack a snapshot into a new home (pnyx init, then the network's genesis.json), checking it",
		Long: `Restore FILE into --home, which must be initialized with this node's own keys
and the network's genesis.json, and hold no blocks. The restored stores are
checked as export checks them and against the manifest; on failure nothing
stays. The home's own signing state is kept. Start the node afterwards: it
catches up from its peers from the snapshot's height.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			m, err := launch.RestoreSnapshot(f, flagHome)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s at height %d (app hash %s, checked) into %s\n", m.ChainID, m.Height, m.AppHash, flagHome)
			return nil
		},
	}
	cmd.AddCommand(export, restore)
	return cmd
}
