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

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/proof"
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
		memberDemoSteps(),
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

// memberDemoSteps: chapters, enrollment, credentials, points and refusals.
func memberDemoSteps() []demoStep {
	return []demoStep{
		demoStep{"HQ creates the Seoul chapter and a constituency chapter under it", func(e *demoEnv) error {
			if err := e.send("admin", org.TypeCreateChapter, org.CreateChapterBody{ID: e.ch("seoul"), Name: "서울특별시당", Parent: "hq"}); err != nil {
				return err
			}
			return e.send("admin", org.TypeCreateChapter, org.CreateChapterBody{ID: e.ch("gangnam-a"), Name: "강남구갑 당원협의회", Parent: e.ch("seoul")})
		}},
		demoStep{"HQ approves an official's key and grants her registrar over Seoul", func(e *demoEnv) error {
			pub := hex.EncodeToString(e.key("registrar").Public().(ed25519.PublicKey))
			if err := e.send("admin", members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pub, Chapter: e.ch("seoul"), Class: members.Responsible}}}); err != nil {
				return err
			}
			e.ids["registrar"] = members.DeriveID(pub)
			return e.send("admin", org.TypeGrantRole, org.RoleBody{Member: e.ids["registrar"], Role: org.Registrar, Chapter: e.ch("seoul")})
		}},
		demoStep{"the registrar issues three one-time enrollment codes for Gangnam-A", func(e *demoEnv) error {
			chainID, err := e.c.ChainID(e.ctx)
			if err != nil {
				return err
			}
			var b members.EnrollBody
			for _, who := range []string{"kim", "lee", "park"} {
				code := NewEnrollmentCode()
				e.ids["code:"+who] = code
				h := members.EnrollmentCodeHash(chainID, code)
				e.ids[who] = members.DeriveID(h)
				b.Entries = append(b.Entries, members.EnrollEntry{CodeHash: h, Chapter: e.ch("gangnam-a"), Class: members.General})
			}
			return e.send("registrar", members.TypeEnroll, b)
		}},
		demoStep{"three newcomers create keys and redeem their codes", func(e *demoEnv) error {
			for _, who := range []string{"kim", "lee", "park"} {
				if err := e.send(who, members.TypeRedeem, members.RedeemBody{Code: e.ids["code:"+who]}); err != nil {
					return fmt.Errorf("%s: %w", who, err)
				}
			}
			return nil
		}},
		demoStep{"each member holds an active credential and the 100-point signup grant", func(e *demoEnv) error {
			for _, who := range []string{"kim", "lee", "park"} {
				var cred token.Credential
				if _, err := e.readRecord("/v1/members/"+e.ids[who]+"/credential", who, &cred); err != nil {
					return err
				}
				var bal token.Balance
				if _, err := e.readRecord("/v1/members/"+e.ids[who]+"/balance", who, &bal); err != nil {
					return err
				}
				if cred.Status != token.CredentialActive || bal.Points != 100 {
					return fmt.Errorf("%s: credential %s, %d points", who, cred.Status, bal.Points)
				}
			}
			return nil
		}},
		demoStep{"Kim's balance comes with a proof that verifies against the validators' signatures", func(e *demoEnv) error {
			rec, err := e.readRecord("/v1/members/"+e.ids["kim"]+"/balance?prove=1", "kim", &token.Balance{})
			if err != nil {
				return err
			}
			p, err := proof.Unmarshal(rec.Proof)
			if err != nil {
				return err
			}
			return proof.Verify(p, nil)
		}},
		demoStep{"Lee burns 10 points; the total supply follows", func(e *demoEnv) error {
			var before, after token.Supply
			if _, err := e.readRecord("/v1/token/supply", "lee", &before); err != nil {
				return err
			}
			if err := e.send("lee", token.TypeBurn, token.BurnBody{Amount: 10}); err != nil {
				return err
			}
			if _, err := e.readRecord("/v1/token/supply", "lee", &after); err != nil {
				return err
			}
			if after.Total != before.Total-10 || after.Burned != before.Burned+10 {
				return fmt.Errorf("supply %+v -> %+v", before, after)
			}
			return nil
		}},
		demoStep{"points are non-transferable: Lee's transfer to Kim is refused", func(e *demoEnv) error {
			return expectRejected(e.send("lee", token.TypeTransfer, token.TransferBody{To: e.ids["kim"], Amount: 1}), codes.TransfersDisabled)
		}},
		demoStep{"the registrar suspends Park for unpaid dues; the credential is suspended", func(e *demoEnv) error {
			if err := e.send("registrar", members.TypeSuspend, members.StatusBody{Member: e.ids["park"], Reason: members.ReasonDuesUnpaid}); err != nil {
				return err
			}
			var cred token.Credential
			if _, err := e.readRecord("/v1/members/"+e.ids["park"]+"/credential", "park", &cred); err != nil {
				return err
			}
			if cred.Status != token.CredentialSuspended {
				return fmt.Errorf("credential is %s", cred.Status)
			}
			return nil
		}},
		demoStep{"Kim tries to make herself registrar: rejected as unauthorized", func(e *demoEnv) error {
			return expectRejected(e.send("kim", org.TypeGrantRole, org.RoleBody{Member: e.ids["kim"], Role: org.Registrar, Chapter: e.ch("gangnam-a")}), codes.Unauthorized)
		}},
		demoStep{"Lee cannot read Kim's balance: personal reads are for the member and officials", func(e *demoEnv) error {
			_, err := e.readRecord("/v1/members/"+e.ids["kim"]+"/balance", "lee", &token.Balance{})
			return expectRejected(err, codes.Forbidden)
		}},
	}
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

			if cmd.Flags().Changed("api") {
				admin, err := keys.Load(flagHome, flagKey)
				if err != nil {
					return fmt.Errorf("demo against %s needs the HQ admin key: %w", flagAPI, err)
				}
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
				env.c = client.New(r.APIURL)
				env.admin = env.c.Signer(admin)
				fmt.Fprintf(out, "demo: fresh single-validator node in %s, API %s\n", home, r.APIURL)
			}

			steps := demoSteps()
			passed, failed := 0, 0
			for i, s := range steps {
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
