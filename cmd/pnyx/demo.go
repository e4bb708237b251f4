package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	root "github.com/pnyx-party/pnyx"
	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/wire"
)

// demoEnv is what demo steps share: the API, the HQ admin, and whatever
// earlier steps created (keys and IDs by name).
type demoEnv struct {
	ctx    context.Context
	c      *client.Client
	admin  *client.Signer
	suffix string // keeps IDs unique when the demo runs against a long-lived node
	keys   map[string]ed25519.PrivateKey
	ids    map[string]string
	// signers keeps one client.Signer per key, so nonces stay in step.
	signers map[string]*client.Signer
}

// demoStep is one line of the demo.
type demoStep struct {
	name string
	run  func(e *demoEnv) error
}

// demoSteps is the whole demo story, in the order it runs: members and
// points, then an assembly, a petition and an election. Each part's steps
// come from its own file; a part's steps may share state, so each call
// builds them afresh.
func demoSteps() []demoStep {
	return slices.Concat(
		assemblyDemoSteps(),
		petitionDemoSteps(),
		electionDemoSteps(),
	)
}

func (e *demoEnv) key(name string) ed25519.PrivateKey {
	if k, ok := e.keys[name]; ok {
		return k
	}
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	e.keys[name] = k
	return k
}

func (e *demoEnv) signer(name string) *client.Signer {
	if s, ok := e.signers[name]; ok {
		return s
	}
	s := e.c.Signer(e.key(name))
	e.signers[name] = s
	return s
}

func (e *demoEnv) send(who, typ string, body any) error {
	s := e.admin
	if who != "admin" {
		s = e.signer(who)
	}
	_, err := s.Send(e.ctx, typ, body)
	return err
}

// expectRejected turns an expected rejection into success.
func expectRejected(err error, want codes.Code) error {
	if err == nil {
		return fmt.Errorf("was accepted, expected rejection with %s", want)
	}
	if codes.Of(err) != want {
		return fmt.Errorf("rejected with %s (%v), expected %s", codes.Of(err), err, want)
	}
	return nil
}

func (e *demoEnv) ch(name string) string { return name + "-" + e.suffix }

func (e *demoEnv) readRecord(path, who string, into any) (wire.Record, error) {
	var rec wire.Record
	if err := e.c.Get(e.ctx, path, e.key(who), &rec); err != nil {
		return rec, err
	}
	return rec, json.Unmarshal(rec.Record, into)
}

func newDemoCmd() *cobra.Command {
	var keep bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a scripted scenario through the API on a fresh node (or --api of a running one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			ctx := cmd.Context()
			env := &demoEnv{ctx: ctx, keys: map[string]ed25519.PrivateKey{}, ids: map[string]string{}, signers: map[string]*client.Signer{}}
			suffix := make([]byte, 3)
			rand.Read(suffix)
			env.suffix = hex.EncodeToString(suffix)

			var apiURL string
			if cmd.Flags().Changed("api") {
				admin, err := keys.Load(flagHome, flagKey)
				if err != nil {
					return fmt.Errorf("demo against %s needs the HQ admin key: %w", flagAPI, err)
				}
				apiURL = flagAPI
				env.c = client.New(flagAPI)
				env.admin = env.c.Signer(admin)
				fmt.Fprintf(out, "demo: using the node at %s\n", flagAPI)
			} else {
				home, err := os.MkdirTemp("", "pnyx-demo-")
				if err != nil {
					return err
				}
				if !keep {
					defer os.RemoveAll(home)
				}
				admin, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-demo", P2PAddr: "tcp://127.0.0.1:0", RPCAddr: "off"})
				if err != nil {
					return err
				}
				r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", CheckInvariants: true, Node: launch.Quiet()})
				if err != nil {
					return err
				}
				defer r.Stop()
				wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := r.WaitForBlocks(wctx, 1); err != nil {
					return fmt.Errorf("node produced no block: %w", err)
				}
				apiURL = r.APIURL
				env.c = client.New(r.APIURL)
				env.admin = env.c.Signer(admin)
				fmt.Fprintf(out, "demo: fresh single-validator node in %s, API %s\n", home, r.APIURL)
			}

			// The story starts with the modules' scenario files, the ones
			// their tests run in-process and e2e runs on a node.
			files, err := scenario.Files(root.Scenarios, root.DemoOrder)
			if err != nil {
				return err
			}
			target := func() scenario.Target {
				sfx := make([]byte, 3)
				rand.Read(sfx)
				return scenario.Target{URL: apiURL, Admin: env.admin.Key, Suffix: "-" + hex.EncodeToString(sfx), Proofs: true}
			}
			passed, failed := scenario.RunAll(ctx, root.Scenarios, files, target, out)
			steps := demoSteps()
			for i, s := range steps {
				i += len(files)
				start := time.Now()
				err := s.run(env)
				if err != nil {
					failed++
					fmt.Fprintf(out, "FAIL %2d. %s: %v\n", i+1, s.name, err)
					continue
				}
				passed++
				fmt.Fprintf(out, "ok   %2d. %s (%s)\n", i+1, s.name, time.Since(start).Round(time.Millisecond))
			}
			fmt.Fprintf(out, "demo: %d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return fmt.Errorf("%d demo steps failed", failed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary home")
	return cmd
}
