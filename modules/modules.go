// Package modules is pnyx's program: the party's modules, wired to each
// other, in the order the chain runs them, with the genesis that starts them.
//
// The chain (package chain) names no module; it runs whatever module.Program
// it is given. This package is the one place that lists them:
//
//	party := modules.New()
//	app := chain.New(st, party, chain.Options{})
//
// A new module is one folder under modules/ plus one line in Specs below
// (docs/adding-a-module.md).
package modules

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"

	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/modules/validator"
)

// Party holds the party's modules. Its fields are for the node's readers
// (metrics, benchmarks); the chain sees only Specs.
type Party struct {
	Org     *org.Org
	Members *members.Members
	Token   *token.Token
	// Petitions holds petitions, agreements, comments and moderation.
	Petitions *petition.Petitions
	Assembly  *assembly.Assembly
	// Elections runs party elections; its ballots are anonymous txs.
	Elections *election.Elections
	// KPI scores members and chapters by rules assemblies adopt.
	KPI *kpi.KPI
	// Validators changes the validator set by assembly decision.
	Validators *validator.Module

	genesis Genesis
}

// New wires the modules to each other: the registry tells the chapter tree
// who is active, the token follows the registry, and the other modules ask
// the chapter tree for authority.
func New() *Party {
	p := &Party{Org: &org.Org{}, Token: &token.Token{}}
	p.Members = &members.Members{Org: p.Org, Hooks: p.Token, EnrollmentTTL: members.DefaultEnrollmentTTL}
	p.Org.Members = p.Members
	p.Petitions = &petition.Petitions{Org: p.Org}
	p.Assembly = &assembly.Assembly{Org: p.Org}
	p.Elections = &election.Elections{Org: p.Org}
	p.KPI = &kpi.KPI{Org: p.Org, Token: p.Token}
	p.Validators = &validator.Module{Org: p.Org}
	p.Members.Facts, p.Assembly.Facts, p.Petitions.Facts = p.KPI, p.KPI, p.KPI // facts for KPIs, inside the block
	return p
}

// Specs lists the modules in the order the chain runs their hooks.
func (p *Party) Specs() []module.Spec {
	return []module.Spec{
		p.Org.Spec(),
		p.Members.Spec(),
		p.Token.Spec(),
		p.Petitions.Spec(),
		p.Assembly.Spec(),
		p.Elections.Spec(),
		p.KPI.Spec(),
		p.Validators.Spec(),
	}
}

// Genesis validates app_state, applies its parameters and returns the form
// the chain stores.
func (p *Party) Genesis(appState []byte) ([]byte, error) {
	var g Genesis
	if err := json.Unmarshal(appState, &g); err != nil {
		return nil, fmt.Errorf("genesis app_state: %w", err)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	p.genesis = g
	p.Token.Params = g.Token
	p.Members.EnrollmentTTL = g.EnrollmentTTLSeconds
	return json.Marshal(g)
}

// InitGenesis writes the root chapter and the first administrators as
// members holding admin and registrar at the root.
func (p *Party) InitGenesis(ctx *module.Context) error {
	g := p.genesis
	if err := org.CreateRoot(ctx.Store, g.RootChapter.ID, g.RootChapter.Name, ctx.Unix()); err != nil {
		return err
	}
	for _, hexKey := range g.Admins {
		key, _ := hex.DecodeString(hexKey)
		id, err := p.Members.CreateGenesisMember(ctx, key, g.RootChapter.ID)
		if err != nil {
			return fmt.Errorf("genesis admin %s: %w", hexKey, err)
		}
		// Admin alone implies no other role (an administrator is not a
		// trustee or an election commissioner by default); registrar too lets
		// HQ sign up its first officials.
		for _, r := range []org.Role{org.Admin, org.Registrar} {
			org.PutGrant(ctx.Store, org.Grant{Member: id, Role: r, Chapter: g.RootChapter.ID, GrantedBy: "genesis", GrantedAt: ctx.Unix(), Height: ctx.Height})
		}
	}
	validator.InitGenesis(ctx.Store, g.Validators)
	return nil
}

// Signer names the member whose current key signed, and whether that member
// is in good standing.
func (p *Party) Signer(kv store.Reader, key ed25519.PublicKey) module.Caller {
	c := module.Caller{Key: key}
	if id, ok := members.ByKey(kv, key); ok {
		c.MemberID = id
		c.Active = p.Members.IsActive(kv, id)
	}
	return c
}
