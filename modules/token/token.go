// Package token keeps the membership token: for each member a
// non-transferable membership credential, and non-transferable,
// non-redeemable party points.
//
// Why non-transferable: South Korea has banned ICOs since 2017, and a token
// that can be traded or redeemed would be a virtual asset under Korean law.
// A credential that only says "this pseudonym is a member in good standing"
// and points that can only be earned by protocol rules and burned by their
// holder are records of membership, not assets. Transfers therefore stay off
// unless a chain's genesis turns them on deliberately.
//
// Points are minted only by protocol rules — today the signup grant, later
// KPI rewards — never by a transaction that names an amount to mint. The
// invariant CheckSupply tests after every block in debug mode: the recorded
// total supply equals the sum of all members' points.
//
// A member's credential and points are kept in the member's own record
// (members.Member), where a registration writes them as one record: the
// credential is read off the member's status and join (CredentialOf), the
// points are its Points field. The module follows the registry through
// members.Hooks: a signup mints the grant, and a suspension, an expulsion
// or a withdrawal, which suspends, revokes or ends the credential, is
// announced as the credential's event.
package token

import (
	"encoding/json"
	"fmt"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/members"
)

// Credential statuses.
const (
	CredentialActive    = "active"
	CredentialSuspended = "suspended"
	CredentialRevoked   = "revoked" // expelled
	CredentialEnded     = "ended"   // withdrew
)

// Credential is a member's membership credential.
type Credential struct {
	Member    string `json:"member"`
	Status    string `json:"status"`
	IssuedAt  int64  `json:"issued_at"`
	Height    int64  `json:"issued_height"`
	ChangedAt int64  `json:"changed_at"`
	Reason    int    `json:"reason,omitempty"`
}

// Supply is the running total of points.
type Supply struct {
	Total  uint64 `json:"total"`
	Minted uint64 `json:"minted"`
	Burned uint64 `json:"burned"`
}

// Params are set in genesis.
type Params struct {
	SignupGrant      uint64 `json:"signup_grant"`
	TransfersEnabled bool   `json:"transfers_enabled"`
}

// Transaction types.
const (
	TypeBurn     = "token/burn"
	TypeTransfer = "token/transfer"
)

// BurnBody burns points from the signer's balance.
type BurnBody struct {
	Amount uint64 `json:"amount"`
}

// TransferBody moves points to another member, only where genesis allows.
type TransferBody struct {
	To     string `json:"to"`
	Amount uint64 `json:"amount"`
}

// Token is the module.
type Token struct {
	Params Params
}

const supplyKey = "tok/supply"

// Where a member's token lives. The credential and the points are kept in
// the member's own record (members.Member), not in records of this
// module's: the credential's standing is read off the member's status and
// join (CredentialOf), the points are its Points field. A registration
// then writes one record at one random place of the tree instead of
// three records (member, credential, balance): at a million members that
// took registrations from 1,936 to 2,754 per second and a third off the
// tree's time per member (issue 17, docs/performance.md, "A member in one
// record"). A proof of a credential or a balance is therefore a proof of
// the member record.

// CredentialOf is the membership credential a member record stands for:
// issued when the member joined, active while the member is, suspended,
// revoked on expulsion, ended on withdrawal, changed when the status last
// changed and for the reason it did.
func CredentialOf(m members.Member) Credential {
	c := Credential{Member: m.ID, IssuedAt: m.JoinedAt, Height: m.JoinedHeight, ChangedAt: m.StatusSince, Reason: m.StatusReason}
	switch m.Status {
	case members.Active:
		c.Status = CredentialActive
	case members.Suspended:
		c.Status = CredentialSuspended
	case members.Expelled:
		c.Status = CredentialRevoked
	case members.Withdrawn:
		c.Status = CredentialEnded
	}
	return c
}

// SupplyKey is the store key of the supply record.
func SupplyKey() []byte { return []byte(supplyKey) }

// Spec describes the module to the chain.
func (t *Token) Spec() module.Spec {
	// Credentials and balances are personal by the members module's
	// prefix, under which they are filed.
	return module.Spec{Name: "token", Routes: []module.Route{
		module.Handle(TypeBurn, t.burn),
		module.Handle(TypeTransfer, t.transfer),
	},
		// Total supply equals the sum of balances, and minted − burned
		// equals the supply.
		Invariant: CheckSupply,
	}
}

// GetCredential reads a member's credential.
func GetCredential(kv store.Reader, id string) (Credential, bool) {
	m, ok := members.Get(kv, id)
	if !ok {
		return Credential{}, false
	}
	return CredentialOf(m), true
}

// GetBalance reads a member's points (zero for no member).
func GetBalance(kv store.Reader, id string) uint64 {
	m, _ := members.Get(kv, id)
	return m.Points
}

// GetSupply reads the supply record.
func GetSupply(kv store.Reader) Supply {
	s, _ := module.Get[Supply](kv, supplyKey)
	return s
}

// add is a members.UpdatePoints change that adds amount.
func add(amount uint64) func(members.Member) (uint64, error) {
	return func(m members.Member) (uint64, error) { return m.Points + amount, nil }
}

// take is a members.UpdatePoints change that takes amount away, refused
// when the member holds less; what names the act in the refusal.
func take(amount uint64, what string) func(members.Member) (uint64, error) {
	return func(m members.Member) (uint64, error) {
		if m.Points < amount {
			return 0, codes.InsufficientPoints.Errorf("member %s holds %d points, cannot %s %d", m.ID, m.Points, what, amount)
		}
		return m.Points - amount, nil
	}
}

// minted records points minted to id in the supply and says so: every
// point comes into being through it (the signup grant, KPI rewards).
func minted(ctx *module.Context, id string, amount uint64, rule string) {
	s := GetSupply(ctx.Store)
	s.Total += amount
	s.Minted += amount
	module.Put(ctx.Store, supplyKey, s)
	ctx.Emit("token.minted", "member", id, "amount", fmt.Sprint(amount), "rule", rule)
}

// MintReward mints a KPI reward band's points at a period's final: called
// by the kpi module's protocol rule, never by a transaction that names an
// amount. Only a member holding an active credential receives points.
func (t *Token) MintReward(ctx *module.Context, id string, amount uint64, rule string) error {
	err := members.UpdatePoints(ctx.Store, id, func(m members.Member) (uint64, error) {
		if CredentialOf(m).Status != CredentialActive {
			return 0, codes.WrongState.Errorf("member %s holds no active membership credential", id)
		}
		return m.Points + amount, nil
	})
	if codes.Of(err) == codes.NotFound {
		return codes.WrongState.Errorf("member %s holds no active membership credential", id)
	}
	if err != nil {
		return err
	}
	if amount > 0 {
		minted(ctx, id, amount, rule)
	}
	return nil
}

// MemberJoined implements members.Hooks: the credential is issued with the
// member record (CredentialOf); the signup grant is minted into the record
// before the registry writes it.
func (t *Token) MemberJoined(ctx *module.Context, m *members.Member) error {
	ctx.Emit("token.credential_issued", "member", m.ID)
	if g := t.Params.SignupGrant; g > 0 {
		m.Points += g
		minted(ctx, m.ID, g, "signup_grant")
	}
	return nil
}

// MemberStatusChanged implements members.Hooks: the credential follows the
// member's standing, which the member record already holds; say so.
func (t *Token) MemberStatusChanged(ctx *module.Context, id string, from, to members.Status, reason int) error {
	c, ok := GetCredential(ctx.Store, id)
	if !ok {
		return codes.Internal.Errorf("member %s has no credential", id)
	}
	ctx.Emit("token.credential_"+c.Status, "member", id)
	return nil
}

func holder(ctx *module.Context) (string, error) {
	if ctx.Caller.MemberID == "" {
		return "", codes.UnknownSigner.Errorf("signer %x is no member", []byte(ctx.Caller.Key)[:8])
	}
	return ctx.Caller.MemberID, nil
}

func (t *Token) burn(ctx *module.Context, b BurnBody) error {
	id, err := holder(ctx)
	if err != nil {
		return err
	}
	if b.Amount == 0 {
		return codes.InvalidArgument.Errorf("burn amount must be positive")
	}
	if err := members.UpdatePoints(ctx.Store, id, take(b.Amount, "burn")); err != nil {
		return err
	}
	s := GetSupply(ctx.Store)
	s.Total -= b.Amount
	s.Burned += b.Amount
	module.Put(ctx.Store, supplyKey, s)
	ctx.Emit("token.burned", "member", id, "amount", fmt.Sprint(b.Amount))
	return nil
}

func (t *Token) transfer(ctx *module.Context, b TransferBody) error {
	if !t.Params.TransfersEnabled {
		return codes.TransfersDisabled.Errorf("party points are non-transferable on this chain (genesis transfers_enabled=false)")
	}
	from, err := holder(ctx)
	if err != nil {
		return err
	}
	if !ctx.Caller.Active {
		return codes.WrongState.Errorf("member %s is not active", from)
	}
	if b.Amount == 0 {
		return codes.InvalidArgument.Errorf("transfer amount must be positive")
	}
	to, ok := members.Get(ctx.Store, b.To)
	if !ok || to.Status != members.Active {
		return codes.NotFound.Errorf("recipient %q is not an active member", b.To)
	}
	if to.ID == from {
		return codes.InvalidArgument.Errorf("cannot transfer to oneself")
	}
	if err := members.UpdatePoints(ctx.Store, from, take(b.Amount, "send")); err != nil {
		return err
	}
	if err := members.UpdatePoints(ctx.Store, to.ID, add(b.Amount)); err != nil {
		return err
	}
	ctx.Emit("token.transferred", "from", from, "to", to.ID, "amount", fmt.Sprint(b.Amount))
	return nil
}

// CheckSupply verifies the invariant: total supply equals the sum of the
// members' points, and minted minus burned equals the total.
func CheckSupply(kv store.Reader) error {
	s := GetSupply(kv)
	var sum uint64
	n := 0
	var bad error
	kv.Iterate(members.MemberKey(""), func(k, v []byte) bool {
		var m members.Member
		if err := json.Unmarshal(v, &m); err != nil {
			bad = fmt.Errorf("token invariant: member record %q does not decode: %v", k, err)
			return false
		}
		if string(k) != string(members.MemberKey(m.ID)) {
			bad = fmt.Errorf("token invariant broken: the points of %q filed under %q", m.ID, k)
			return false
		}
		sum += m.Points
		n++
		return true
	})
	if bad != nil {
		return bad
	}
	if sum != s.Total || s.Minted-s.Burned != s.Total {
		return fmt.Errorf("token invariant broken: supply %d (minted %d - burned %d) but %d members' points sum to %d", s.Total, s.Minted, s.Burned, n, sum)
	}
	return nil
}
