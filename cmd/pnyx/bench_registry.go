package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/internal/bench"
)

func newBenchRegistryCmd() *cobra.Command {
	var o bench.RegistryOptions
	var inProcess bool
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Members registered per second through the API, with the cost per member as the registry grows and the latency others see meanwhile",
		Long: `Starts a fresh single-validator pnyx node in a temporary home, as ` + "`pnyx start`" + `
in a process of its own, and registers --members members through its API as
an operator's import does: 500-entry member/approve batches from one
registrar, --in-flight of them submitted and not yet committed. Meanwhile a
second client sends single signed txs (a 1-point burn by one of --others
members, each waiting for its commit) and a reader reads member records with
their proofs. The clients run in this process, the node in its own, as an
operator's loader and a member's app run apart from the node.

cpu_ms_per_member_first and _last are the node process's CPU time per member
over the first and the last tenth of the import; rss_mb is its peak resident
memory, disk_mb the home's size at the end; other_tx_p95_ms and read_p95_ms
the 95th percentiles of the second client's submit-to-commit time and of a
read. With --node-in-process (implied by --cpuprofile and --memprofile) the
node runs in this process beside the clients, and the CPU and memory
figures include theirs. The node process inherits the environment
(PNYX_STORE, GOMAXPROCS, GOGC).
Progress goes to stderr. The last line is the summary:
  members=N members_per_s=N cpu_ms_per_member_first=X cpu_ms_per_member_last=X rss_mb=N disk_mb=N other_tx_p95_ms=N read_p95_ms=X`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !inProcess && o.CPUProfile == "" && o.MemProfile == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("finding the pnyx binary to run the node: %w", err)
				}
				o.NodeExe = exe
			}
			return bench.Registry(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().IntVar(&o.Members, "members", 100000, "members to register")
	cmd.Flags().IntVar(&o.InFlight, "in-flight", 16, "approval batches submitted and not yet committed (16 fill a block's bulk allowance)")
	cmd.Flags().IntVar(&o.Others, "others", 20, "members of the second client")
	cmd.Flags().DurationVar(&o.OtherEvery, "other-every", 0, "pause between the second client's txs (default 200ms)")
	cmd.Flags().DurationVar(&o.ReadEvery, "read-every", 0, "pause between reads (default 100ms)")
	cmd.Flags().StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the import to this file")
	cmd.Flags().BoolVar(&o.ProfileTenths, "profile-tenths", false, "with --cpuprofile F: profile the first and the last tenth of the import apart, into F.first and F.last")
	cmd.Flags().StringVar(&o.MemProfile, "memprofile", "", "write a heap profile (live memory) at the import's end to this file")
	cmd.Flags().BoolVar(&inProcess, "node-in-process", false, "run the node in this process beside the clients (as --cpuprofile and --memprofile do)")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the temporary home and print where it is")
	return cmd
}
