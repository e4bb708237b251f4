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
// total supply equals the sum of all balances.
//
// The module follows the member registry through members.Hooks: a signup
// issues the credential and the grant, a suspension suspends the credential,
// an expulsion revokes it and a withdrawal ends it.
package token

import (
	"fmt"
	"strings"

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

// Balance is a member's points.
type Balance struct {
	Member string `json:"member"`
	Points uint64 `json:"points"`
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

// A member's credential and balance are filed under the member's record
// (members.RecordKey), so that a registration's writes share one path of
// the tree (issue 17).
func credKey(id string) string    { return string(members.RecordKey(id, "tok/cred")) }
func balanceKey(id string) string { return string(members.RecordKey(id, "tok/bal")) }

// CredentialKey and BalanceKey are store keys, for proofs.
func CredentialKey(id string) []byte { return []byte(credKey(id)) }
func BalanceKey(id string) []byte    { return []byte(balanceKey(id)) }

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
	return module.Get[Credential](kv, credKey(id))
}

// GetBalance reads a member's points (zero when absent).
func GetBalance(kv store.Reader, id string) uint64 {
	b, _ := module.Get[Balance](kv, balanceKey(id))
	return b.Points
}

// GetSupply reads the supply record.
func GetSupply(kv store.Reader) Supply {
	s, _ := module.Get[Supply](kv, supplyKey)
	return s
}

func setBalance(kv store.KV, id string, points uint64) {
	module.Put(kv, balanceKey(id), Balance{Member: id, Points: points})
}

// mint is the only way points come into being.
func mint(ctx *module.Context, id string, amount uint64, rule string) {
	if amount == 0 {
		return
	}
	s := GetSupply(ctx.Store)
	s.Total += amount
	s.Minted += amount
	module.Put(ctx.Store, supplyKey, s)
	setBalance(ctx.Store, id, GetBalance(ctx.Store, id)+amount)
	ctx.Emit("token.minted", "member", id, "amount", fmt.Sprint(amount), "rule", rule)
}

// MintReward mints a KPI reward band's points at a period's final: called
// by the kpi module's protocol rule, never by a transaction that names an
// amount. Only a member holding an active credential receives points.
func (t *Token) MintReward(ctx *module.Context, id string, amount uint64, rule string) error {
	if c, ok := GetCredential(ctx.Store, id); !ok || c.Status != CredentialActive {
		return codes.WrongState.Errorf("member %s holds no active membership credential", id)
	}
	mint(ctx, id, amount, rule)
	return nil
}

// MemberJoined implements members.Hooks: issue the credential and the grant.
func (t *Token) MemberJoined(ctx *module.Context, id string) error {
	module.Put(ctx.Store, credKey(id), Credential{Member: id, Status: CredentialActive, IssuedAt: ctx.Unix(), Height: ctx.Height, ChangedAt: ctx.Unix()})
	ctx.Emit("token.credential_issued", "member", id)
	mint(ctx, id, t.Params.SignupGrant, "signup_grant")
	return nil
}

// MemberStatusChanged implements members.Hooks: the credential follows the
// member's standing.
func (t *Token) MemberStatusChanged(ctx *module.Context, id string, from, to members.Status, reason int) error {
	c, ok := GetCredential(ctx.Store, id)
	if !ok {
		return codes.Internal.Errorf("member %s has no credential", id)
	}
	switch to {
	case members.Active:
		c.Status = CredentialActive
	case members.Suspended:
		c.Status = CredentialSuspended
	case members.Expelled:
		c.Status = CredentialRevoked
	case members.Withdrawn:
		c.Status = CredentialEnded
	}
	c.ChangedAt = ctx.Unix()
	c.Reason = reason
	module.Put(ctx.Store, credKey(id), c)
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
	bal := GetBalance(ctx.Store, id)
	if bal < b.Amount {
		return codes.InsufficientPoints.Errorf("member %s holds %d points, cannot burn %d", id, bal, b.Amount)
	}
	setBalance(ctx.Store, id, bal-b.Amount)
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
	bal := GetBalance(ctx.Store, from)
	if bal < b.Amount {
		return codes.InsufficientPoints.Errorf("member %s holds %d points, cannot send %d", from, bal, b.Amount)
	}
	setBalance(ctx.Store, from, bal-b.Amount)
	setBalance(ctx.Store, to.ID, GetBalance(ctx.Store, to.ID)+b.Amount)
	ctx.Emit("token.transferred", "from", from, "to", to.ID, "amount", fmt.Sprint(b.Amount))
	return nil
}

// CheckSupply verifies the invariant: total supply equals the sum of balances,
// and minted minus burned equals the total.
func CheckSupply(kv store.Reader) error {
	s := GetSupply(kv)
	var sum uint64
	n := 0
	var misfiled error
	kv.Iterate(members.MemberKey(""), func(k, v []byte) bool {
		if !strings.HasSuffix(string(k), "/tok/bal") {
			return true
		}
		b, _ := module.Get[Balance](kv, string(k))
		if string(k) != balanceKey(b.Member) {
			misfiled = fmt.Errorf("token invariant broken: balance of %q filed under %q", b.Member, k)
			return false
		}
		sum += b.Points
		n++
		return true
	})
	if misfiled != nil {
		return misfiled
	}
	if sum != s.Total || s.Minted-s.Burned != s.Total {
		return fmt.Errorf("token invariant broken: supply %d (minted %d - burned %d) but %d balances sum to %d", s.Total, s.Minted, s.Burned, n, sum)
	}
	return nil
}
