package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/wire"
)

// session is what a client command works with: the API and the chosen key.
type session struct {
	cmd *cobra.Command
	ctx context.Context
	c   *client.Client
}

func newSession(cmd *cobra.Command) *session {
	return &session{cmd: cmd, ctx: cmd.Context(), c: client.New(flagAPI)}
}

func (s *session) key() (ed25519.PrivateKey, error) { return keys.Load(flagHome, flagKey) }

// send signs body with --key, submits it and waits for its commit.
func (s *session) send(typ string, body any) error {
	k, err := s.key()
	if err != nil {
		return err
	}
	res, err := s.c.Signer(k).Send(s.ctx, typ, body)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.cmd.OutOrStdout(), "ok: %s committed at height %d (tx %s)\n", typ, res.Height, res.Hash)
	return nil
}

// show prints a read; personal reads are signed with --key.
func (s *session) show(path string, signed bool) error {
	var k ed25519.PrivateKey
	if signed {
		var err error
		if k, err = s.key(); err != nil {
			return err
		}
	}
	raw, err := s.c.GetRaw(s.ctx, path, k)
	if err != nil {
		return err
	}
	return printIndented(s.cmd.OutOrStdout(), raw)
}

// showRecord prints a record and, with --prove, writes its proof to a file.
func (s *session) showRecord(path string, signed bool, proveOut string) error {
	if proveOut == "" {
		return s.show(path, signed)
	}
	var k ed25519.PrivateKey
	if signed {
		var err error
		if k, err = s.key(); err != nil {
			return err
		}
	}
	var rec wire.Record
	if err := s.c.Get(s.ctx, path+"?prove=1", k, &rec); err != nil {
		return err
	}
	if err := os.WriteFile(proveOut, rec.Proof, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(s.cmd.OutOrStdout(), "%s\nproof of %q at height %d written to %s (check with: pnyx verify proof %s)\n", rec.Record, rec.Key, rec.Height, proveOut, proveOut)
	return nil
}

// showOfMember prints what view takes from the member record at path (a
// signed read), with the height it was read at; with --prove it prints
// the record and writes its proof, as showRecord does.
func (s *session) showOfMember(path, proveOut string, view func(members.Member) any) error {
	if proveOut != "" {
		return s.showRecord(path, true, proveOut)
	}
	k, err := s.key()
	if err != nil {
		return err
	}
	var rec wire.Record
	if err := s.c.Get(s.ctx, path, k, &rec); err != nil {
		return err
	}
	var m members.Member
	if err := json.Unmarshal(rec.Record, &m); err != nil {
		return fmt.Errorf("the node's member record does not decode: %w", err)
	}
	raw, _ := json.Marshal(map[string]any{"height": rec.Height, "record": view(m)})
	return printIndented(s.cmd.OutOrStdout(), raw)
}

func printIndented(w io.Writer, raw []byte) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		_, err := w.Write(raw)
		return err
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	_, err := fmt.Fprintln(w, string(out))
	return err
}

func run(f func(s *session, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error { return f(newSession(cmd), args) }
}

func newKeysCmd() *cobra.Command {
	keysCmd := &cobra.Command{Use: "keys", Short: "Manage signing keys in HOME/keys (files are 0600)"}
	keysCmd.AddCommand(
		&cobra.Command{Use: "new NAME", Short: "Create a key", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
			k, err := keys.New(flagHome, args[0])
			if err != nil {
				return err
			}
			pub := hex.EncodeToString(k.Public().(ed25519.PublicKey))
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n(if approved directly, the member ID will be %s)\n", args[0], pub, members.DeriveID(pub))
			return nil
		}},
		&cobra.Command{Use: "list", Short: "List keys", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := keys.List(flagHome)
			for _, f := range list {
				fmt.Fprintf(cmd.OutOrStdout(), "%-20s %s\n", f.Name, f.PublicKey)
			}
			return err
		}},
		&cobra.Command{Use: "show NAME", Short: "Show a key's public key and the member it belongs to", Args: cobra.ExactArgs(1), RunE: run(func(s *session, args []string) error {
			k, err := keys.Load(flagHome, args[0])
			if err != nil {
				return err
			}
			pub := k.Public().(ed25519.PublicKey)
			fmt.Fprintf(s.cmd.OutOrStdout(), "name:       %s\npublic key: %x\n", args[0], pub)
			if a, err := s.c.Account(s.ctx, pub); err == nil {
				member := a.Member
				if member == "" {
					member = "(none yet: approve the public key, or redeem a code with this key)"
				}
				fmt.Fprintf(s.cmd.OutOrStdout(), "member:     %s\nnext nonce: %d\n", member, a.NextNonce)
			}
			return nil
		})},
		// pub and id print one value each, so a script (or the README's
		// walkthrough) can pass a key's public key or member to the next
		// command: pnyx role grant "$(pnyx keys id registrar)" registrar seoul.
		&cobra.Command{Use: "pub NAME", Short: "Print a key's public key (hex), the value a registrar approves", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
			k, err := keys.Load(flagHome, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(k.Public().(ed25519.PublicKey)))
			return nil
		}},
		&cobra.Command{Use: "id NAME", Short: "Print the member ID the chain has for a key (after approval or redemption)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, args []string) error {
			k, err := keys.Load(flagHome, args[0])
			if err != nil {
				return err
			}
			a, err := s.c.Account(s.ctx, k.Public().(ed25519.PublicKey))
			if err != nil {
				return err
			}
			if a.Member == "" {
				return codes.NotFound.Errorf("key %s belongs to no member yet: a registrar approves its public key (pnyx keys pub %s), or its holder redeems an enrollment code with it", args[0], args[0])
			}
			fmt.Fprintln(s.cmd.OutOrStdout(), a.Member)
			return nil
		})},
	)
	return keysCmd
}

func newStatusCmd() *cobra.Command {
	return &cobra.Command{Use: "status", Short: "Show the node's status and health (healthy, catching_up, halted or diverged)", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		if err := s.show("/v1/status", false); err != nil {
			return err
		}
		h, err := s.health()
		if err != nil {
			return err
		}
		line := "health: " + h.Health
		if h.Reason != "" {
			line += " (" + h.Reason + ")"
		}
		fmt.Fprintf(s.cmd.OutOrStdout(), "%s; last commit %.0fs ago at height %d\n", line, h.SecondsSinceCommit, h.Height)
		return nil
	})}
}

// health reads GET /v1/health. The route answers 503 with the same body
// whenever the node is not healthy, so the body is read either way.
func (s *session) health() (wire.Health, error) {
	var h wire.Health
	req, err := http.NewRequestWithContext(s.ctx, "GET", strings.TrimRight(flagAPI, "/")+"/v1/health", nil)
	if err != nil {
		return h, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return h, codes.Unavailable.Errorf("%v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return h, codes.Unavailable.Errorf("read health: %v", err)
	}
	if (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable) || json.Unmarshal(body, &h) != nil || h.Health == "" {
		return h, codes.Unavailable.Errorf("health: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return h, nil
}

func newChapterCmd() *cobra.Command {
	var chName, chParent, proveOut string
	chapterCmd := &cobra.Command{Use: "chapter", Short: "Chapters: the party's organisation tree"}
	create := &cobra.Command{Use: "create ID --name NAME --parent PARENT", Short: "Create a chapter (admin of the parent)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, args []string) error {
		return s.send(org.TypeCreateChapter, org.CreateChapterBody{ID: args[0], Name: chName, Parent: chParent})
	})}
	create.Flags().StringVar(&chName, "name", "", "public name of the chapter")
	create.Flags().StringVar(&chParent, "parent", "hq", "parent chapter ID")
	chShow := &cobra.Command{Use: "show ID", Short: "Show a chapter", Args: cobra.ExactArgs(1), RunE: run(func(s *session, args []string) error {
		return s.showRecord("/v1/chapters/"+args[0], false, proveOut)
	})}
	chShow.Flags().StringVar(&proveOut, "prove", "", "write a proof of the record to this file")
	chapterCmd.AddCommand(create, chShow,
		&cobra.Command{Use: "list", Short: "List all chapters", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
			return s.show("/v1/chapters", false)
		})},
		&cobra.Command{Use: "roles ID", Short: "List roles granted at a chapter", Args: cobra.ExactArgs(1), RunE: run(func(s *session, args []string) error {
			return s.show("/v1/chapters/"+args[0]+"/roles", false)
		})},
	)
	return chapterCmd
}

func newRoleCmd() *cobra.Command {
	roleCmd := &cobra.Command{Use: "role", Short: "Grant and revoke roles scoped to a chapter subtree"}
	roleCmd.AddCommand(
		&cobra.Command{Use: "grant MEMBER ROLE CHAPTER", Short: "Grant a role (admin over the chapter)", Args: cobra.ExactArgs(3), RunE: run(func(s *session, a []string) error {
			return s.send(org.TypeGrantRole, org.RoleBody{Member: a[0], Role: org.Role(a[1]), Chapter: a[2]})
		})},
		&cobra.Command{Use: "revoke MEMBER ROLE CHAPTER", Short: "Revoke a role", Args: cobra.ExactArgs(3), RunE: run(func(s *session, a []string) error {
			return s.send(org.TypeRevokeRole, org.RoleBody{Member: a[0], Role: org.Role(a[1]), Chapter: a[2]})
		})},
		&cobra.Command{Use: "list MEMBER", Short: "List a member's roles", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			return s.show("/v1/members/"+a[0]+"/roles", false)
		})},
	)
	return roleCmd
}

// newTxCmd reads the tx types from the module specs, the table the chain
// routes by: `tx types` lists them with their body fields, and `tx send`
// signs any of them from JSON, for what no dedicated command covers yet.
func newTxCmd() *cobra.Command {
	txCmd := &cobra.Command{Use: "tx", Short: "Transactions"}
	txCmd.AddCommand(&cobra.Command{Use: "show HASH", Short: "Show a committed tx's outcome", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.show("/v1/txs/"+a[0], false)
	})})
	txCmd.AddCommand(&cobra.Command{Use: "types", Short: "List every transaction type, its module and its body's JSON fields", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		for _, sp := range modules.New().Specs() {
			for _, r := range sp.Routes {
				note := ""
				if r.Anonymous {
					note = " (anonymous)"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%-26s %-9s {%s}%s\n", r.Type, sp.Name, strings.Join(jsonFields(r.Body()), ", "), note)
			}
		}
		return nil
	}})
	txCmd.AddCommand(&cobra.Command{Use: "send TYPE JSON", Short: "Sign a transaction of any type with --key from its JSON body, send it and wait for its commit", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
		body, err := bodyFromJSON(a[0], a[1])
		if err != nil {
			return err
		}
		return s.send(a[0], body)
	})})
	return txCmd
}

// bodyFromJSON decodes raw into typ's body struct, refusing unknown fields,
// so the tx carries the body's canonical encoding.
func bodyFromJSON(typ, raw string) (any, error) {
	for _, sp := range modules.New().Specs() {
		for _, r := range sp.Routes {
			if r.Type != typ {
				continue
			}
			if r.Anonymous {
				return nil, fmt.Errorf("%s is anonymous: use its own command (pnyx election vote)", typ)
			}
			v := reflect.New(r.Body())
			dec := json.NewDecoder(strings.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v.Interface()); err != nil {
				return nil, fmt.Errorf("%s body: %w (fields: %s)", typ, err, strings.Join(jsonFields(r.Body()), ", "))
			}
			return v.Elem().Interface(), nil
		}
	}
	return nil, fmt.Errorf("no module handles tx type %q (pnyx tx types lists them)", typ)
}

// jsonFields names a body struct's JSON fields in order.
func jsonFields(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

func newTokenCmd() *cobra.Command {
	var proveOut string
	cmd := &cobra.Command{Use: "token", Short: "Membership credentials and party points"}
	// Both are kept in the member record (package token says why): the
	// node answers with it, and these show what it holds of each; --prove
	// writes the record's proof.
	bal := &cobra.Command{Use: "balance MEMBER", Short: "Show a member's points (signed read)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.showOfMember("/v1/members/"+a[0]+"/balance", proveOut, func(m members.Member) any {
			return map[string]any{"member": m.ID, "points": m.Points}
		})
	})}
	cred := &cobra.Command{Use: "credential MEMBER", Short: "Show a member's membership credential (signed read)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.showOfMember("/v1/members/"+a[0]+"/credential", proveOut, func(m members.Member) any { return token.CredentialOf(m) })
	})}
	supply := &cobra.Command{Use: "supply", Short: "Show total, minted and burned points", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		return s.showRecord("/v1/token/supply", false, proveOut)
	})}
	for _, c := range []*cobra.Command{bal, cred, supply} {
		c.Flags().StringVar(&proveOut, "prove", "", "write a proof of the record to this file")
	}
	cmd.AddCommand(bal, cred, supply,
		&cobra.Command{Use: "burn AMOUNT", Short: "Burn your own points", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			n, err := strconv.ParseUint(a[0], 10, 64)
			if err != nil {
				return fmt.Errorf("amount: %w", err)
			}
			return s.send(token.TypeBurn, token.BurnBody{Amount: n})
		})},
		&cobra.Command{Use: "transfer MEMBER AMOUNT", Short: "Send points (only if genesis enables transfers)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			n, err := strconv.ParseUint(a[1], 10, 64)
			if err != nil {
				return fmt.Errorf("amount: %w", err)
			}
			return s.send(token.TypeTransfer, token.TransferBody{To: a[0], Amount: n})
		})},
	)
	return cmd
}

func parseReason(s string) (int, error) {
	for code, name := range members.ReasonNames {
		if s == name || s == strconv.Itoa(code) {
			return code, nil
		}
	}
	return 0, fmt.Errorf("unknown reason %q (known: dues_unpaid, conduct_breach, dual_membership, disciplinary_decision, false_enrollment, other)", s)
}

// NewEnrollmentCode returns a fresh one-time code: 20 base32 characters
// (100 bits), grouped for reading aloud.
func NewEnrollmentCode() string {
	b := make([]byte, 13)
	rand.Read(b)
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:20]
	return s[:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:]
}

func newMemberCmd() *cobra.Command {
	var chapter, class, reason, proveOut, codesOut string
	var count int
	cmd := &cobra.Command{Use: "member", Short: "The member registry (no personal data on chain)"}

	enroll := &cobra.Command{Use: "enroll --chapter CH [--count N]", Short: "Issue one-time enrollment codes (registrar); prints the codes to hand out", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		chainID, err := s.c.ChainID(s.ctx)
		if err != nil {
			return err
		}
		if count < 1 || count > members.MaxBatch {
			return fmt.Errorf("--count must be 1-%d", members.MaxBatch)
		}
		var entries []members.EnrollEntry
		var issued []string
		for i := 0; i < count; i++ {
			code := NewEnrollmentCode()
			issued = append(issued, code)
			entries = append(entries, members.EnrollEntry{CodeHash: members.EnrollmentCodeHash(chainID, code), Chapter: chapter, Class: members.Class(class)})
		}
		if err := s.send(members.TypeEnroll, members.EnrollBody{Entries: entries}); err != nil {
			return err
		}
		w := s.cmd.OutOrStdout()
		if codesOut != "" {
			f, err := os.OpenFile(codesOut, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		cw := csv.NewWriter(w)
		cw.Write([]string{"code", "member_id", "chapter"})
		for i, code := range issued {
			cw.Write([]string{code, members.DeriveID(entries[i].CodeHash), chapter})
		}
		cw.Flush()
		return cw.Error()
	})}
	enroll.Flags().StringVar(&chapter, "chapter", "", "chapter the newcomers join")
	enroll.Flags().StringVar(&class, "class", "general", "general or responsible")
	enroll.Flags().IntVar(&count, "count", 1, "number of codes")
	enroll.Flags().StringVar(&codesOut, "codes-out", "", "write code,member_id,chapter CSV here (0600) instead of stdout")

	approve := &cobra.Command{Use: "approve PUBLIC_KEY --chapter CH", Short: "Approve a member's key directly (registrar)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		if err := s.send(members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: a[0], Chapter: chapter, Class: members.Class(class)}}}); err != nil {
			return err
		}
		fmt.Fprintln(s.cmd.OutOrStdout(), "member ID:", members.DeriveID(a[0]))
		return nil
	})}
	approve.Flags().StringVar(&chapter, "chapter", "", "chapter")
	approve.Flags().StringVar(&class, "class", "general", "general or responsible")

	var impOpts importOptions
	imp := &cobra.Command{Use: "import FILE.csv", Short: "Bulk-enroll or approve members from CSV (registrar), with progress",
		Long: "The CSV has a header and columns chapter,class and either code_hash (hex, see EnrollmentCodeHash) or public_key (hex).\nRows go on chain in batches of 500, --in-flight of them submitted ahead of the oldest not yet committed;\nno name or other personal data may appear in the file. An interrupted or failed import says which rows\nare on chain and resumes when run again: its progress is kept in FILE.csv.progress (--progress).",
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error { return importCSV(s, a[0], impOpts) })}
	imp.Flags().IntVar(&impOpts.InFlight, "in-flight", 16, "batches submitted and not yet committed (16 fill a block's bulk allowance)")
	imp.Flags().StringVar(&impOpts.Progress, "progress", "", "progress file (default FILE.csv.progress)")

	show := &cobra.Command{Use: "show MEMBER", Short: "Show a member record (signed read: the member or an official)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.showRecord("/v1/members/"+a[0], true, proveOut)
	})}
	show.Flags().StringVar(&proveOut, "prove", "", "write a proof of the record to this file")

	list := &cobra.Command{Use: "list --chapter CH", Short: "List a chapter's members (officials with scope)", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		return s.show("/v1/chapters/"+chapter+"/members", true)
	})}
	list.Flags().StringVar(&chapter, "chapter", "", "chapter")

	status := func(use, short, typ string, needReason bool) *cobra.Command {
		c := &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			body := members.StatusBody{Member: a[0]}
			if needReason {
				r, err := parseReason(reason)
				if err != nil {
					return err
				}
				body.Reason = r
			}
			return s.send(typ, body)
		})}
		if needReason {
			c.Flags().StringVar(&reason, "reason", "", "reason code: dues_unpaid, conduct_breach, dual_membership, disciplinary_decision, false_enrollment, other")
		}
		return c
	}
	transfer := &cobra.Command{Use: "transfer MEMBER --chapter CH", Short: "Move a member to another chapter (registrar over both)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		return s.send(members.TypeTransfer, members.TransferBody{Member: a[0], Chapter: chapter})
	})}
	transfer.Flags().StringVar(&chapter, "chapter", "", "destination chapter")
	setClass := &cobra.Command{Use: "set-class MEMBER CLASS", Short: "Change a member's class (registrar)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
		return s.send(members.TypeSetClass, members.SetClassBody{Member: a[0], Class: members.Class(a[1])})
	})}

	cmd.AddCommand(enroll, approve, imp, show, list, transfer, setClass,
		&cobra.Command{Use: "redeem CODE", Short: "Redeem an enrollment code with --key (create it first with `pnyx keys new`)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			chainID, err := s.c.ChainID(s.ctx)
			if err != nil {
				return err
			}
			if err := s.send(members.TypeRedeem, members.RedeemBody{Code: a[0]}); err != nil {
				return err
			}
			fmt.Fprintln(s.cmd.OutOrStdout(), "member ID:", members.DeriveID(members.EnrollmentCodeHash(chainID, a[0])))
			return nil
		})},
		&cobra.Command{Use: "rotate-key NEWKEYNAME", Short: "Replace your key (--key) with another key file", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			old, err := s.key()
			if err != nil {
				return err
			}
			nk, err := keys.Load(flagHome, a[0])
			if err != nil {
				return err
			}
			acct, err := s.c.Account(s.ctx, old.Public().(ed25519.PublicKey))
			if err != nil {
				return err
			}
			if acct.Member == "" {
				return errors.New("the --key belongs to no member")
			}
			chainID, err := s.c.ChainID(s.ctx)
			if err != nil {
				return err
			}
			npub := nk.Public().(ed25519.PublicKey)
			sig := ed25519.Sign(nk, members.RotationMessage(chainID, acct.Member, npub))
			return s.send(members.TypeRotateKey, members.RotateKeyBody{NewKey: hex.EncodeToString(npub), NewKeySignature: hex.EncodeToString(sig)})
		})},
		&cobra.Command{Use: "recover-key MEMBER NEW_PUBLIC_KEY", Short: "Set a new key for a member who lost theirs (registrar)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			return s.send(members.TypeRecover, members.RecoverKeyBody{Member: a[0], NewKey: a[1]})
		})},
		status("suspend MEMBER --reason R", "Suspend a member (registrar)", members.TypeSuspend, true),
		status("reinstate MEMBER", "Lift a suspension (registrar)", members.TypeReinstate, false),
		status("expel MEMBER --reason R", "Expel a member; revokes the credential (registrar)", members.TypeExpel, true),
		&cobra.Command{Use: "withdraw", Short: "Withdraw your own membership (--key); ends the credential", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
			return s.send(members.TypeWithdraw, members.WithdrawBody{})
		})},
	)
	return cmd
}
