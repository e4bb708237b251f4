package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/netdrill"
	"github.com/pnyx-party/pnyx/internal/node"
)

// newNetworkCmd: the homes of a multi-host network, and the fault drills
// and measurements over Linux network namespaces.
func newNetworkCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "network", Short: "Write a multi-host network's homes; run fault drills and measurements on namespaced hosts"}
	cmd.AddCommand(newNetworkInitCmd(), newNetworkDrillCmd(), newNetworkBenchCmd())
	return cmd
}

func newNetworkInitCmd() *cobra.Command {
	var chainID, outDir, apiURL string
	var nPeers int
	c := &cobra.Command{
		Use:   "init HOSTS_FILE",
		Short: "Write one home per host of HOSTS_FILE (validators and sentries) sharing one genesis and peer lists",
		Long: `Write one home per host listed in HOSTS_FILE under --out/NAME, with one genesis
naming the validators, persistent peers by role (a validator behind sentries
peers only with them) and peer filtering on. HOSTS_FILE has one host a line:

  # name      role       address           options
  hq          validator  10.10.0.1
  seoul       validator  10.10.0.2:26656   power=10
  seoul-s1    sentry     10.10.1.2         fronts=seoul
  api-1       replica    10.10.2.1

Copy each home to its host and run the command printed for it. Each host
gets --blob-peers other nodes' APIs to fetch documents (assembly minutes)
from (` + "`pnyx start --blob-peer`" + `): a validator behind sentries asks its
sentries first and is asked by no one; the rest are the next hosts in the
file, wrapping around. The peers' URLs come from --api-url ({name} and {ip}
are the host's); when it is http://{ip}:PORT, as by default, each printed
command makes the API listen on the host's address and PORT. Each home also gets
pnyx.default, the same settings for deploy/systemd/pnyx.service.
This makes every key on one machine, which suits rehearsals; for the party's
network each operator makes their own keys (docs/operations.md).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			hosts, err := node.ParseHosts(f)
			f.Close()
			if err != nil {
				return err
			}
			homes, admin, err := launch.Network(outDir, hosts, launch.NetworkOptions{NetworkOptions: node.NetworkOptions{ChainID: chainID}})
			if err != nil {
				return err
			}
			peers := blobPeers(hosts, nPeers, apiURL)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "wrote %d homes; HQ admin key %s (in each home's keys/admin.json)\n", len(homes), hex.EncodeToString(admin.Public().(ed25519.PublicKey)))
			for i, h := range homes {
				if err := writeBlobPeers(h, hosts[i], peers[i]); err != nil {
					return err
				}
				line := fmt.Sprintf("pnyx start --home %s --p2p-addr tcp://%s:%d", h, hosts[i].IP, portOr(hosts[i].Port))
				if port, ok := strings.CutPrefix(apiURL, "http://{ip}:"); ok {
					line += " --api-addr " + peerAPI("{ip}:"+port, hosts[i])
				}
				for _, p := range peers[i] {
					line += " --blob-peer " + p
				}
				fmt.Fprintf(out, "  %-9s %-12s %s\n", hosts[i].Role, hosts[i].Name, line)
			}
			return nil
		},
	}
	c.Flags().StringVar(&chainID, "chain-id", "pnyx-1", "chain ID")
	c.Flags().StringVar(&outDir, "out", "./network", "directory for the homes")
	c.Flags().IntVar(&nPeers, "blob-peers", 3, "blob peers per host (0: none)")
	c.Flags().StringVar(&apiURL, "api-url", DefaultPeerAPI, "a host's API URL as other hosts reach it, {name} and {ip} filled in (e.g. https://api.{name}.example behind TLS proxies)")
	return c
}

func portOr(p int) int {
	if p == 0 {
		return node.DefaultNetworkP2PPort
	}
	return p
}

// selfArgv runs this pnyx binary's `start` as a drill's node.
func selfArgv() (func(home, api, p2p string) ([]string, []string), error) {
	return binArgv("")
}

// binArgv runs exe's `start` as a drill's node; "" is this binary.
func binArgv(exe string) (func(home, api, p2p string) ([]string, []string), error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(exe); err != nil {
		return nil, err
	}
	return func(home, api, p2p string) ([]string, []string) {
		return []string{exe, "start", "--home", home, "--api-addr", api, "--p2p-addr", p2p}, nil
	}, nil
}

func drillDir(keep string) (string, func(), error) {
	if keep != "" {
		return keep, func() {}, os.MkdirAll(keep, 0o700)
	}
	dir, err := os.MkdirTemp("", "pnyx-drill-")
	return dir, func() { os.RemoveAll(dir) }, err
}

func newNetworkDrillCmd() *cobra.Command {
	var keep string
	c := &cobra.Command{
		Use:   "drill",
		Short: "Run the fault drills on 4 validators and a sentry in Linux network namespaces (root, iproute2)",
		Long: `Build hosts as Linux network namespaces joined by veth links (root and
iproute2 needed), run 4 validators and a sentry as ` + "`pnyx start`" + ` processes and a
load client, and drill: kill -9 a validator, cut one host's link, cut two
(the chain halts) and heal, a slow lossy link, a validator's only sentry
killed and restarted, one validator down for good, kill and restart every node. Each drill prints
  drill=NAME acknowledged=N lost=0 divergent_heights=0 heights=H recover_ms=T tx_per_s=R
and the command fails if any drill lost a tx or diverged.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if why := netdrill.Available(); why != "" {
				return errors.New("network drill: " + why)
			}
			argv, err := selfArgv()
			if err != nil {
				return err
			}
			dir, cleanup, err := drillDir(keep)
			if err != nil {
				return err
			}
			defer cleanup()
			ctx, cancel := context.WithTimeout(cmd.Context(), 15*time.Minute)
			defer cancel()
			cl, err := netdrill.NewCluster(ctx, filepath.Join(dir, "homes"), netdrill.Options{Validators: 4, Sentry: true, NodeArgv: argv})
			if err != nil {
				return err
			}
			defer cl.Close()
			reports, err := cl.RunDrills(ctx, netdrill.AllDrills, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			for _, r := range reports {
				if !r.OK() {
					return fmt.Errorf("drill %s failed: %s", r.Drill, r)
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&keep, "keep", "", "write the homes here and keep them (default: a temporary directory, removed)")
	return c
}

func newNetworkBenchCmd() *cobra.Command {
	var validators, down, workers int
	var dur, propose, proposeDelta, vote, commit time.Duration
	var flood bool
	var nodeBin string
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure committed tx/s and commit latency with validators down, on namespaced hosts (root, iproute2)",
		Long: `Run --validators validators as ` + "`pnyx start`" + ` processes in Linux network
namespaces, kill -9 --down of them, and load the rest with --workers HQ
administrators each keeping one tx in flight for --duration. The last line is
  validators=N down=D acknowledged=… blocks=… seconds=… tx_per_s=… blocks_per_s=… p50_ms=… p99_ms=…
The timeout flags override the homes' consensus timeouts (0: pnyx's defaults).

With --flood the load runs twice on the same network, each for --duration:
alone, then while one more signer floods v0's API with chapter creations as
fast as it takes them (batches of 200, no waiting; issue 12 finding 5). A
reader reads a public record from the nodes in turn both times. The last line
is then
  validators=N down=D workers=W quiet_tx_per_s=… quiet_p99_ms=… quiet_read_p99_ms=…
  flood_tx_per_s=… flood_p99_ms=… flood_read_p99_ms=… flood_sent=… flood_admitted=…
  flood_refused=… flood_committed=… (one line; p99_ms is the other members' commit)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if why := netdrill.Available(); why != "" {
				return errors.New("network bench: " + why)
			}
			if down < 0 || down >= validators {
				return fmt.Errorf("--down %d: give fewer than --validators %d", down, validators)
			}
			argv, err := binArgv(nodeBin)
			if err != nil {
				return err
			}
			dir, cleanup, err := drillDir("")
			if err != nil {
				return err
			}
			defer cleanup()
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Minute+dur)
			defer cancel()
			set := func(d *time.Duration, v time.Duration) {
				if v > 0 {
					*d = v
				}
			}
			if flood {
				ctx, cancel = context.WithTimeout(cmd.Context(), 10*time.Minute+2*dur)
				defer cancel()
			}
			cl, err := netdrill.NewCluster(ctx, filepath.Join(dir, "homes"), netdrill.Options{Validators: validators, Workers: workers, NodeArgv: argv, Flood: flood,
				Config: func(c *node.Config) {
					set(&c.Consensus.TimeoutPropose, propose)
					set(&c.Consensus.TimeoutProposeDelta, proposeDelta)
					set(&c.Consensus.TimeoutPrevote, vote)
					set(&c.Consensus.TimeoutPrecommit, vote)
					set(&c.Consensus.TimeoutCommit, commit)
				}})
			if err != nil {
				return err
			}
			defer cl.Close()
			conf, err := node.LoadConfig(cl.Homes[0])
			if err != nil {
				return err
			}
			cc := conf.Consensus
			timeouts := fmt.Sprintf("timeout_propose_ms=%d timeout_propose_delta_ms=%d timeout_vote_ms=%d timeout_commit_ms=%d",
				cc.TimeoutPropose.Milliseconds(), cc.TimeoutProposeDelta.Milliseconds(), cc.TimeoutPrevote.Milliseconds(), cc.TimeoutCommit.Milliseconds())
			if flood {
				m, err := cl.MeasureFlood(ctx, down, dur)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", timeouts, m)
				return nil
			}
			m, err := cl.Measure(ctx, down, dur)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s workers=%d %s\n", timeouts, len(cl.Admins), m)
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&validators, "validators", 4, "validators")
	f.IntVar(&down, "down", 1, "validators killed before the load")
	f.IntVar(&workers, "workers", 16, "load workers, one tx in flight each")
	f.DurationVar(&dur, "duration", 20*time.Second, "how long the load runs")
	f.DurationVar(&propose, "timeout-propose", 0, "timeout_propose")
	f.DurationVar(&proposeDelta, "timeout-propose-delta", 0, "timeout_propose_delta")
	f.DurationVar(&vote, "timeout-vote", 0, "timeout_prevote and timeout_precommit")
	f.DurationVar(&commit, "timeout-commit", 0, "timeout_commit")
	f.BoolVar(&flood, "flood", false, "measure the load alone and then while one signer floods v0 (the other members' p99)")
	f.StringVar(&nodeBin, "node-bin", "", "run the nodes with this pnyx binary (an older version, to compare; default this one)")
	return c
}
