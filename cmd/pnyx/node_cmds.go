package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
)

// Flags shared by many commands: the root command's persistent flags
// (newRootCmd in main.go) set them.
var (
	flagHome string
	flagAPI  string
	flagKey  string
)

func defaultHome() string {
	if h := os.Getenv("PNYX_HOME"); h != "" {
		return h
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		return ".pnyx"
	}
	return filepath.Join(dir, ".pnyx")
}

func newInitCmd() *cobra.Command {
	var chainID, p2pAddr, rpcAddr string
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Create a single-validator home with a fresh HQ administrator key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			admin, err := launch.Init(flagHome, launch.InitOptions{ChainID: chainID, P2PAddr: p2pAddr, RPCAddr: rpcAddr})
			if err != nil {
				return err
			}
			printInit(cmd, admin)
			return nil
		},
	}
	initCmd.Flags().StringVar(&chainID, "chain-id", "pnyx-local", "chain ID of the new chain")
	listenFlags(initCmd, &p2pAddr, &rpcAddr)
	return initCmd
}

// listenFlags adds --p2p-addr and --rpc-addr, the node's listen addresses
// besides the API's.
func listenFlags(cmd *cobra.Command, p2pAddr, rpcAddr *string) {
	cmd.Flags().StringVar(p2pAddr, "p2p-addr", "", "consensus/p2p listen address, e.g. tcp://0.0.0.0:26656 (default: the home's config.toml; new homes listen on "+node.DefaultP2PAddr+")")
	cmd.Flags().StringVar(rpcAddr, "rpc-addr", "", `CometBFT RPC listen address, e.g. tcp://127.0.0.1:26657, or "off" (default: the home's config.toml; new homes leave it off)`)
}

func newStartCmd() *cobra.Command {
	var startChainID, apiAddr, logLevel, p2pAddr, rpcAddr, metricsAddr string
	var corsOrigins, blobPeers []string
	var checkInvariants bool
	var lim launch.APILimits
	var stallAfter time.Duration
	var retention, haltHeight int64
	startCmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node and its API (initializing the home first if it is new)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n := nodeProcs(os.Getenv("GOMAXPROCS"), runtime.GOMAXPROCS(0)); n > 0 {
				runtime.GOMAXPROCS(n)
			}
			if retention < 0 {
				return fmt.Errorf("--state-retention %d: give a number of versions to keep, or 0 to keep every version", retention)
			}
			if err := api.CheckCORSOrigins(corsOrigins); err != nil {
				return err
			}
			if !node.IsInitialized(flagHome) {
				admin, err := launch.Init(flagHome, launch.InitOptions{ChainID: startChainID, P2PAddr: p2pAddr, RPCAddr: rpcAddr})
				if err != nil {
					return err
				}
				printInit(cmd, admin)
			}
			r, err := launch.Start(flagHome, launch.Options{APIAddr: apiAddr, CORSOrigins: corsOrigins, BlobPeers: blobPeers, P2PAddr: p2pAddr, RPCAddr: rpcAddr,
				CheckInvariants: checkInvariants, API: lim, StateRetention: retention, MetricsAddr: metricsAddr, HaltHeight: haltHeight,
				Node: node.Options{LogLevel: logLevel, StallAfter: stallAfter}})
			if err != nil {
				return err // launch names the cause: home in use, an address taken, …
			}
			out := cmd.OutOrStdout()
			// Announce the API once it can answer: reads need a committed block.
			wctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			err = r.WaitForBlocks(wctx, 1)
			cancel()
			if err != nil {
				r.Stop()
				return fmt.Errorf("no block committed within a minute: %w", err)
			}
			fmt.Fprintf(out, "pnyx: chain %s, home %s, height %d\n", r.Node.ChainID(), flagHome, r.Node.LatestHeight())
			c := r.Node.Config()
			rpc := c.RPC.ListenAddress
			if rpc == "" {
				rpc = "off"
			}
			fmt.Fprintf(out, "pnyx: p2p on %s, CometBFT RPC %s, API connections at most %d\n", c.P2P.ListenAddress, rpc, r.APIMaxConns)
			fmt.Fprintf(out, "pnyx: %d Go processors for %d CPUs (GOMAXPROCS sets them)\n", runtime.GOMAXPROCS(0), runtime.NumCPU())
			if metricsAddr != "" {
				fmt.Fprintf(out, "pnyx: consensus metrics for Prometheus at http://%s/metrics\n", metricsAddr)
			}
			if retention > 0 {
				fmt.Fprintf(out, "pnyx: keeping the last %d state versions and every version a live election reads\n", retention)
			}
			fmt.Fprintf(out, "pnyx: API listening on %s (OpenAPI at %s/openapi.json)\n", r.APIURL, r.APIURL)
			if haltHeight > 0 {
				fmt.Fprintf(out, "pnyx: will halt after committing height %d\n", haltHeight)
			}
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
			select {
			case s := <-sig:
				fmt.Fprintf(out, "pnyx: %s received, shutting down\n", s)
			case <-r.Node.Halted():
				fmt.Fprintf(out, "pnyx: halt height %d committed, shutting down for the upgrade\n", haltHeight)
			}
			if err := r.Stop(); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			fmt.Fprintln(out, "pnyx: stopped cleanly at height", r.Node.LatestHeight())
			return nil
		},
	}
	f := startCmd.Flags()
	f.StringVar(&startChainID, "chain-id", "pnyx-local", "chain ID if the home must be created")
	f.StringVar(&apiAddr, "api-addr", launch.DefaultAPIAddr, "address the HTTP API listens on")
	f.StringArrayVar(&corsOrigins, "cors-origin", nil, "let pages of this other origin (https://host[:port]) call the API; repeat for several (default: none; the portal needs none)")
	listenFlags(startCmd, &p2pAddr, &rpcAddr)
	f.StringArrayVar(&blobPeers, "blob-peer", nil, "fetch the documents committed transactions reference and this node lacks from this other node's API (http://10.0.0.5:26680), checked against their SHA-256; repeat for several, asked in order (default: none)")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve CometBFT's consensus metrics (height, rounds, missed blocks, peers, mempool) for Prometheus on this address, e.g. 10.0.0.5:26660 (default: off)")
	f.StringVar(&logLevel, "log-level", "", "CometBFT log level (error, info, debug, none)")
	f.BoolVar(&checkInvariants, "check-invariants", false, "re-check module invariants (token supply) after every block; halts on a violation")
	f.IntVar(&lim.MaxConns, "api-max-conns", 0, fmt.Sprintf("most open API connections; more are closed at once (default: what the descriptor limit leaves after a reserve for consensus, at most %d)", launch.DefaultAPIMaxConns))
	f.DurationVar(&lim.ReadTimeout, "api-read-timeout", launch.DefaultAPIReadTimeout, "time to read one request, headers and body")
	f.DurationVar(&lim.WriteTimeout, "api-write-timeout", launch.DefaultAPIWriteTimeout, "time from a request's headers to the end of its answer")
	f.DurationVar(&lim.IdleTimeout, "api-idle-timeout", launch.DefaultAPIIdleTimeout, "an idle kept-alive connection is closed after this")
	f.DurationVar(&lim.HeaderTimeout, "api-header-timeout", launch.DefaultAPIHeaderTimeout, "time to read a request's headers")
	f.DurationVar(&lim.RequestTimeout, "api-request-timeout", api.DefaultRequestTimeout, "time one request's handler may take")
	f.Int64Var(&lim.MaxBodyBytes, "api-max-body-bytes", api.DefaultMaxBodyBytes, "largest request body")
	f.DurationVar(&stallAfter, "stall-after", 0, "time without a commit after which health says halted (default: twice the empty-block interval plus the commit timeout, at least 10s)")
	f.Int64Var(&haltHeight, "halt-height", 0, "stop after committing this height, for an upgrade at a coordinated halt height (0: never)")
	f.Int64Var(&retention, "state-retention", 0, "keep only the last N state versions, and every version a live election still reads (0: keep every version)")
	return startCmd
}

func newTestnetCmd() *cobra.Command {
	var testnetChainID string
	var validators, basePort int
	var rpc bool
	var outDir string
	testnetCmd := &cobra.Command{
		Use:   "testnet",
		Short: "Write N validator homes on loopback ports that form one network",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			homes, admin, err := launch.Testnet(outDir, validators, launch.TestnetOptions{TestnetOptions: node.TestnetOptions{ChainID: testnetChainID, BasePort: basePort, RPC: rpc}})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "wrote %d validator homes; HQ admin key %s (in each home's keys/admin.json)\n", len(homes), hex.EncodeToString(admin.Public().(ed25519.PublicKey)))
			for i, h := range homes {
				fmt.Fprintf(out, "  pnyx start --home %s --api-addr 127.0.0.1:%d\n", h, 26680+i)
			}
			return nil
		},
	}
	testnetCmd.Flags().IntVar(&validators, "validators", 4, "number of validators")
	testnetCmd.Flags().StringVar(&outDir, "out", "./testnet", "directory for the homes")
	testnetCmd.Flags().StringVar(&testnetChainID, "chain-id", "pnyx-testnet", "chain ID")
	testnetCmd.Flags().IntVar(&basePort, "base-port", node.DefaultBasePort, "node i listens for peers on base+2i (and, with --rpc, for CometBFT RPC on base+2i+1)")
	testnetCmd.Flags().BoolVar(&rpc, "rpc", false, "turn CometBFT's RPC on in every home (off by default: it answers reads without knowing who asks)")
	return testnetCmd
}

// newPeersCmd manages which nodes may connect to this home's node: its
// persistent peers and the node IDs in HOME/config/allowed_peers (read
// each time a peer connects, so no restart is needed).
func newPeersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "peers", Short: "This node's ID and the peers it accepts (besides its persistent peers)"}
	cmd.AddCommand(
		&cobra.Command{Use: "id", Short: "Print this home's node ID, the ID other homes allow or list as a peer", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				id, err := node.HomeNodeID(flagHome)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), id)
				return nil
			}},
		&cobra.Command{Use: "allow NODE_ID...", Short: "Let nodes connect to this one (a sentry, a replica); takes effect at their next connection",
			Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, ids []string) error {
				if !node.IsInitialized(flagHome) {
					return fmt.Errorf("%s is not initialized (run `pnyx init --home %s`)", flagHome, flagHome)
				}
				if err := node.AllowPeers(flagHome, ids...); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "allowed %d peer(s) in %s\n", len(ids), filepath.Join(flagHome, "config", node.AllowListFile))
				return nil
			}},
	)
	return cmd
}

func printInit(cmd *cobra.Command, admin ed25519.PrivateKey) {
	fmt.Fprintf(cmd.OutOrStdout(), "pnyx: initialized %s; HQ administrator key %s saved as %s\n",
		flagHome, hex.EncodeToString(admin.Public().(ed25519.PublicKey)), filepath.Join(flagHome, "keys", "admin.json"))
}

// nodeProcs is how many Go processors `pnyx start` runs with when the
// environment does not say (GOMAXPROCS, which the runtime has applied:
// then 0, keep them): twice the runtime's default, the CPUs the process may
// use. While a bulk import keeps both processors of a 2-core node busy, a
// member's read waited for one of them (Go hands a processor over every 10
// ms, or when the goroutine on it blocks); with twice as many the kernel
// shares the CPUs among more threads, in finer slices. At a million
// members read p95 fell from 21.1-21.6 ms to 9.8-11.6 ms, for 2-11 % fewer
// members/s in two trial runs and none in a third (docs/performance.md,
// "Twice the Go processors"). An idle node's extra processors cost nothing.
func nodeProcs(env string, defaultProcs int) int {
	if env != "" {
		return 0
	}
	return 2 * defaultProcs
}
