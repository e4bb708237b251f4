package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/internal/node"
)

// newConfigCmd: `pnyx config migrate` brings an old home's config.toml to
// today's safe defaults (node.MigrateConfig).
func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect and migrate a home's config.toml"}
	var keepRPC, dryRun bool
	migrate := &cobra.Command{
		Use:   "migrate",
		Short: "Rewrite an old home's config.toml: peer filter on, pex and CometBFT RPC off, a single node on loopback",
		Long: `Homes written before pnyx filtered peers listen on 0.0.0.0, accept any peer
and run CometBFT's RPC. migrate turns the peer filter on, pex and the RPC off
(--keep-rpc keeps it), and moves a single node's p2p address to loopback; a
networked home keeps its address and is told to replace 0.0.0.0 by its own.
The old file is kept as config.toml.bak. Restart the node afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			changes, err := node.MigrateConfig(flagHome, keepRPC, !dryRun)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(changes) == 0 {
				fmt.Fprintf(out, "%s: config.toml is up to date\n", flagHome)
				return nil
			}
			for _, c := range changes {
				fmt.Fprintln(out, "  "+c)
			}
			if dryRun {
				fmt.Fprintf(out, "%s: %d change(s) to make; run without --dry-run to write them\n", flagHome, len(changes))
			} else {
				fmt.Fprintf(out, "%s: config.toml rewritten (old one in config.toml.bak); restart the node\n", flagHome)
			}
			return nil
		},
	}
	migrate.Flags().BoolVar(&keepRPC, "keep-rpc", false, "leave CometBFT's RPC listening where it is")
	migrate.Flags().BoolVar(&dryRun, "dry-run", false, "only print what would change")
	cmd.AddCommand(migrate)
	return cmd
}
