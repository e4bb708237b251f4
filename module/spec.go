package module

import (
	"crypto/ed25519"
	"reflect"
	"time"

	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/tx"
)

// Spec is one module as the chain sees it: the one value a module hands the
// chain. The chain runs the specs of its Program in their order, and names
// no module itself.
type Spec struct {
	// Name is the module's name ("members", "election"), for errors and docs.
	Name string
	// Routes are the transaction types the module executes.
	Routes []Route
	// Personal lists the store key prefixes of the module's personal
	// records: who a member is, what they hold, what they agreed to. The
	// API serves them only on a request signed by the member or an official
	// with scope, and a reader that cannot check who asks (CometBFT's
	// abci_query) refuses them.
	Personal []string

	// The hooks are optional.

	// BeginBlock runs before a block's transactions with all of them, for
	// work that is cheaper per block than per tx (an election verifies a
	// block's ballots in one batch). It must be deterministic in its effect
	// on state; it may use several cores only for pure computation whose
	// result does not depend on scheduling.
	BeginBlock func(kv store.KV, height int64, txs [][]byte)
	// EndBlock runs after a block's transactions.
	EndBlock func(kv store.KV)
	// Clock reports whether block time must follow the wall clock closely
	// at block time now, because one of the module's deadlines is near. While
	// any module says so, the chain writes the block's time into state in
	// every block; the app hash then changes, and CometBFT makes the next
	// block right after timeout_commit instead of idling for up to
	// create_empty_blocks_interval, so a block's time (the previous commit's)
	// stays within about one block of real time across the deadline. It
	// must be deterministic and cheap: it runs in every block.
	Clock func(kv store.Reader, now time.Time) bool
	// Preverify checks an anonymous transaction of this module without state
	// and without the chain's lock (the API calls it on the request's
	// goroutine), and may remember the verdict for BeginBlock. It reports
	// what the handler would report for a bad body.
	Preverify func(env *tx.Envelope) error
	// Invariant checks the module's state after every block when the node
	// runs with --check-invariants; an error halts the node.
	Invariant func(kv store.Reader) error
}

// Handler executes one transaction type's body bytes. Most modules build
// their handlers with Handle, which decodes the body first.
type Handler func(ctx *Context, body []byte) error

// Route is one transaction type of a module.
type Route struct {
	// Type is the transaction type, "module/action".
	Type string
	// Handler executes the body.
	Handler Handler
	// Anonymous marks a type whose envelope carries no signer: all-zero key,
	// nonce and signature. The chain does not authenticate it and advances
	// no nonce; the handler sees no caller and must authenticate the body
	// itself (ballots carry credentials and a one-time signature) and refuse
	// replays itself (ballots by their tracking code).
	Anonymous bool
	// body is the body struct's type, for documentation (OpenAPI).
	body reflect.Type
}

// Handle makes the route for typ whose handler receives the decoded body:
//
//	module.Handle(TypeBurn, t.burn) // func (t *Token) burn(ctx *module.Context, b BurnBody) error
//
// The body must be the canonical JSON of B (tx.DecodeBody): unknown fields,
// trailing data or any other encoding of the same value are refused with
// codes.Malformed before h runs.
func Handle[B any](typ string, h func(ctx *Context, b B) error) Route {
	return Route{Type: typ, body: reflect.TypeFor[B](), Handler: func(ctx *Context, raw []byte) error {
		var b B
		if err := tx.DecodeBody(raw, &b); err != nil {
			return err
		}
		return h(ctx, b)
	}}
}

// Unsigned returns r marked Anonymous.
func (r Route) Unsigned() Route {
	r.Anonymous = true
	return r
}

// Body returns the type of the route's body struct (nil for a route not made
// by Handle).
func (r Route) Body() reflect.Type { return r.body }

// Program is the whole application the chain runs: its modules in order,
// how genesis initializes them, and who signs. Package modules holds pnyx's.
type Program interface {
	// Specs lists the modules. The chain runs BeginBlock, EndBlock and
	// Invariant hooks in this order, every time.
	Specs() []Spec
	// Genesis validates the app_state of genesis.json, applies its
	// parameters to the modules and returns the canonical form that the
	// chain stores. The chain calls it again with that form when it reopens
	// a stored chain.
	Genesis(appState []byte) ([]byte, error)
	// InitGenesis writes the genesis state, after Genesis.
	InitGenesis(ctx *Context) error
	// Signer identifies the member whose current key is key, if any.
	Signer(kv store.Reader, key ed25519.PublicKey) Caller
}

// HandleRaw makes the route for typ whose handler decodes the body bytes
// itself, for a hot path with a faster decoder (ballots). h must accept
// exactly the bodies Handle[B] would accept; B documents the body.
func HandleRaw[B any](typ string, h Handler) Route {
	return Route{Type: typ, body: reflect.TypeFor[B](), Handler: h}
}
