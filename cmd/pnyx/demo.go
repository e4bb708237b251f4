package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	root "github.com/pnyx-party/pnyx"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/inproc"
	"github.com/pnyx-party/pnyx/proof"
)

// newDemoCmd tells the modules' scenario files (modules/*/testdata/*.txt,
// in root.DemoOrder) on a fresh node, or on a running one with --api: the
// same stories the module tests run in-process and e2e runs on a node.
func newDemoCmd() *cobra.Command {
	var (
		keep bool
		only []string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a scripted scenario through the API on a fresh node (or --api of a running one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			ctx := cmd.Context()
			files, err := scenario.Files(root.Scenarios, root.DemoOrder)
			if err != nil {
				return err
			}
			if files, err = onlyModules(files, only); err != nil {
				return err
			}
			var (
				apiURL  string
				admin   ed25519.PrivateKey
				trusted *types.ValidatorSet
			)
			if cmd.Flags().Changed("api") {
				if admin, err = keys.Load(flagHome, flagKey); err != nil {
					return fmt.Errorf("demo against %s needs the HQ admin key: %w", flagAPI, err)
				}
				apiURL = flagAPI
				fmt.Fprintf(out, "demo: using the node at %s\n", flagAPI)
			} else {
				home, err := os.MkdirTemp("", "pnyx-demo-")
				if err != nil {
					return err
				}
				if !keep {
					defer os.RemoveAll(home)
				}
				if admin, err = launch.Init(home, launch.InitOptions{ChainID: "pnyx-demo", P2PAddr: "tcp://127.0.0.1:0", RPCAddr: "off"}); err != nil {
					return err
				}
				// The node lives for the demo only: short commits tell the
				// story faster, and change nothing the chain decides.
				opts := launch.Quiet()
				opts.Config = func(c *node.Config) { c.Consensus.TimeoutCommit = 50 * time.Millisecond }
				r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", CheckInvariants: true, Node: opts})
				if err != nil {
					return err
				}
				defer r.Stop()
				wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := r.WaitForBlocks(wctx, 1); err != nil {
					return fmt.Errorf("node produced no block: %w", err)
				}
				// Proofs and certificates are checked against the genesis
				// validators, as an auditor holding the genesis file would.
				if trusted, err = proof.TrustedFromGenesis(r.Node.Genesis()); err != nil {
					return err
				}
				apiURL = r.APIURL
				fmt.Fprintf(out, "demo: fresh single-validator node in %s, API %s\n", home, r.APIURL)
			}
			target := func() scenario.Target {
				sfx := make([]byte, 3)
				rand.Read(sfx)
				return scenario.Target{URL: apiURL, Admin: admin, Suffix: "-" + hex.EncodeToString(sfx), Proofs: true, Trusted: trusted}
			}
			onNode := func(ctx context.Context, name, text string) (string, error) {
				return scenario.RunFile(ctx, name, text, target())
			}
			passed, failed := scenario.RunAll(ctx, root.Scenarios, files, onNode, "", out)
			// A story that moves block time (a KPI period: a month, its
			// grace, its appeals) stops on a node where it first does so,
			// since a node's block time is the wall clock. The demo tells
			// those stories once more, to their end, on an in-process chain
			// whose clock it moves.
			moving, err := movingStories(files)
			if err != nil {
				return err
			}
			if len(moving) > 0 {
				fmt.Fprintf(out, "demo: %d stories move block time, which a node's clock cannot; told to their end on an in-process chain (the same API and application, block time moved by the demo); its proofs are checked against the in-process chain's own validator %X, not the node's genesis validators\n", len(moving), inproc.ValidatorSet().Hash())
				p, f := scenario.RunAll(ctx, root.Scenarios, moving, runFileInProcess, "in-process", out)
				passed, failed = passed+p, failed+f
			}
			fmt.Fprintf(out, "demo: %d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return fmt.Errorf("%d demo steps failed", failed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary home")
	cmd.Flags().StringSliceVar(&only, "module", nil, "tell only these modules' stories (org, members, token, petition, assembly, election, kpi)")
	return cmd
}

// movingStories lists the files with an "advance" step, in order.
func movingStories(files []string) ([]string, error) {
	var out []string
	for _, f := range files {
		raw, err := fs.ReadFile(root.Scenarios, f)
		if err != nil {
			return nil, err
		}
		ds, err := scenario.Parse(f, string(raw))
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.Cmd == "advance" {
				out = append(out, f)
				break
			}
		}
	}
	return out, nil
}

// runFileInProcess tells one file on a fresh in-process chain with a
// search index of its own, as the module tests do, and checks its proofs
// and certificates against that chain's one validator: what they show is
// that the API and the verifiers agree, not that a network signed them.
func runFileInProcess(ctx context.Context, name, text string) (string, error) {
	dir, err := os.MkdirTemp("", "pnyx-demo-inproc-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	n, err := inproc.Start(inproc.Options{IndexPath: filepath.Join(dir, "index.sqlite")})
	if err != nil {
		return "", err
	}
	defer n.Close()
	t := n.Target()
	t.Proofs, t.Trusted = true, n.Trusted()
	return scenario.RunFile(ctx, name, text, t)
}

// onlyModules keeps the files of the named modules, in their order.
func onlyModules(files, modules []string) ([]string, error) {
	if len(modules) == 0 {
		return files, nil
	}
	var out []string
	for _, m := range modules {
		n := len(out)
		for _, f := range files {
			if strings.HasPrefix(f, "modules/"+m+"/") {
				out = append(out, f)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("demo: no module %q has scenario files", m)
		}
	}
	return out, nil
}
