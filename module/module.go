// Package module defines what a pnyx module is to the chain, and what a
// module sees while a block executes: a key-value store, the block's height
// and time, the caller who signed the transaction, and an event sink.
//
// A module is a deterministic state machine. It never sees the node, the API,
// the index, the wall clock or the network, so every validator that executes
// the same block computes the same state. A module describes itself with one
// Spec: its name, its typed routes and its optional block hooks. The chain
// decodes and authenticates the envelope, decodes the body into the route's
// body struct (canonically: unknown fields and non-canonical JSON are
// refused before the handler runs), builds a Context and calls the handler:
//
//	func (m *Members) Spec() module.Spec {
//		return module.Spec{Name: "members", Routes: []module.Route{
//			module.Handle(TypeWithdraw, m.withdraw),
//		}}
//	}
//
//	func (m *Members) withdraw(ctx *module.Context, b WithdrawBody) error {
//		mem, ok := module.Get[Member](ctx.Store, memberKey(id))
//		...
//		module.Put(ctx.Store, memberKey(id), mem)
//		ctx.Emit("member.withdrawn", "member", id)
//		return nil
//	}
//
// A handler that returns an error changes nothing: the chain runs it on a
// store.Overlay and drops the overlay on error. docs/adding-a-module.md walks
// through a new module from its spec to its scenario tests.
package module

import (
	"crypto/ed25519"
	"time"

	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

// Context is one transaction's view of the chain.
type Context struct {
	ChainID string
	Height  int64
	// Time is the block time from the header: the only clock a module may use.
	Time time.Time
	// Store is the state as this transaction finds it, and the only state
	// a module reads: what stood at an earlier height is kept in records
	// that carry their own history (members.Member.StandingAt,
	// members.ActiveCountBefore), so that a node needs nothing but its
	// latest state to execute a block, whatever it prunes.
	Store store.KV
	// Caller is who signed the transaction.
	Caller Caller
	// Checking is true in CheckTx, where writes are discarded anyway; modules
	// may skip work whose only effect is a write.
	Checking bool

	events []Event
}

// Caller identifies the signer of a transaction.
type Caller struct {
	Key ed25519.PublicKey
	// MemberID is the member whose current key signed, or "" for a key that
	// belongs to no member (for example a newcomer redeeming an enrollment code).
	MemberID string
	// Active reports whether that member is in good standing; roles of a
	// member who is not active do not count.
	Active bool
}

// Event is a typed, deterministic notice of what a transaction did, for the
// index and for clients. Events are not provable (CometBFT does not hash
// them into the header); provable facts live in the store.
type Event struct {
	Type  string
	Attrs []Attr
}

// Attr is one key/value of an event.
type Attr struct{ Key, Value string }

// Emit records an event; attrs alternate key, value.
func (c *Context) Emit(typ string, attrs ...string) {
	if len(attrs)%2 != 0 {
		panic("module: Emit needs key/value pairs")
	}
	ev := Event{Type: typ}
	for i := 0; i < len(attrs); i += 2 {
		ev.Attrs = append(ev.Attrs, Attr{attrs[i], attrs[i+1]})
	}
	c.events = append(c.events, ev)
}

// Events returns the events emitted so far.
func (c *Context) Events() []Event { return c.events }

// Unix returns the block time in Unix seconds, the unit stored on chain.
func (c *Context) Unix() int64 { return c.Time.Unix() }
