package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

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
	var chainID string
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Create a single-validator home with a fresh HQ administrator key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			admin, err := launch.Init(flagHome, launch.InitOptions{ChainID: chainID})
			if err != nil {
				return err
			}
			printInit(cmd, admin)
			return nil
		},
	}
	initCmd.Flags().StringVar(&chainID, "chain-id", "pnyx-local", "chain ID of the new chain")
	return initCmd
}

func newStartCmd() *cobra.Command {
	var startChainID, apiAddr, logLevel string
	var checkInvariants bool
	startCmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node and its API (initializing the home first if it is new)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !node.IsInitialized(flagHome) {
				admin, err := launch.Init(flagHome, launch.InitOptions{ChainID: startChainID})
				if err != nil {
					return err
				}
				printInit(cmd, admin)
			}
			r, err := launch.Start(flagHome, launch.Options{APIAddr: apiAddr, CheckInvariants: checkInvariants, Node: node.Options{LogLevel: logLevel}})
			if err != nil {
				return err
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
			fmt.Fprintf(out, "pnyx: API listening on %s (OpenAPI at %s/openapi.json)\n", r.APIURL, r.APIURL)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
			s := <-sig
			fmt.Fprintf(out, "pnyx: %s received, shutting down\n", s)
			if err := r.Stop(); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			fmt.Fprintln(out, "pnyx: stopped cleanly at height", r.Node.LatestHeight())
			return nil
		},
	}
	startCmd.Flags().StringVar(&startChainID, "chain-id", "pnyx-local", "chain ID if the home must be created")
	startCmd.Flags().StringVar(&apiAddr, "api-addr", launch.DefaultAPIAddr, "address the HTTP API listens on")
	startCmd.Flags().StringVar(&logLevel, "log-level", "", "CometBFT log level (error, info, debug, none)")
	startCmd.Flags().BoolVar(&checkInvariants, "check-invariants", false, "re-check module invariants (token supply) after every block; halts on a violation")
	return startCmd
}

func newTestnetCmd() *cobra.Command {
	var testnetChainID string
	var validators, basePort int
	var outDir string
	testnetCmd := &cobra.Command{
		Use:   "testnet",
		Short: "Write N validator homes on loopback ports that form one network",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			homes, admin, err := launch.Testnet(outDir, validators, launch.TestnetOptions{TestnetOptions: node.TestnetOptions{ChainID: testnetChainID, BasePort: basePort}})
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
	testnetCmd.Flags().IntVar(&basePort, "base-port", node.DefaultBasePort, "node i listens on base+2i (p2p) and base+2i+1 (CometBFT RPC)")
	return testnetCmd
}

func printInit(cmd *cobra.Command, admin ed25519.PrivateKey) {
	fmt.Fprintf(cmd.OutOrStdout(), "pnyx: initialized %s; HQ administrator key %s saved as %s\n",
		flagHome, hex.EncodeToString(admin.Public().(ed25519.PublicKey)), filepath.Join(flagHome, "keys", "admin.json"))
}
