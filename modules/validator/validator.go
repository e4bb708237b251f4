// Package validator changes the chain's validator set by transaction: HQ
// adds a regional node's validator, re-weights it or removes it, each time
// citing the assembly decision that approved exactly that change.
//
//	validator/set {"pub_key":"<64 hex>","power":10,"meeting":"council.3","motion":2}
//
// The signer must be an active admin of the root chapter (HQ). The cited
// motion must be adopted, in a finalized (co-signed) meeting of an HQ body
// — the national convention, national committee or supreme council — and
// its text must name the change as the word "validator:<pub_key>=<power>"
// (power 0 removes). Each motion carries one change, once.
//
// The module keeps the validator set it knows under "val/v/": the genesis
// validators when genesis lists them in app_state ("validators", which
// `pnyx network init` writes), and every change since. A change is refused
// unless it keeps the chain live:
//
//   - a removal names a validator the record knows, and is possible only
//     on a chain whose genesis listed its validators (otherwise the module
//     cannot know the set would stay non-empty);
//   - no single change moves more than a third of the known total power,
//     so the validators of the old set that sign the new one's first block
//     still hold more than 2/3 of it;
//   - power is at most MaxPower.
//
// Changes of block H are recorded under "val/at/<H>/": the node (package
// launch) hands them to CometBFT as FinalizeBlock's validator updates, so
// they take effect at H+2, as CometBFT's updates do. The record is also
// the history of the set.
package validator

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/org"
)

// TypeSet is the one transaction type.
const TypeSet = "validator/set"

// MaxPower bounds one validator's voting power.
const MaxPower = 1_000_000

// SetBody adds (power > 0, unknown key), re-weights (known key) or removes
// (power 0) a validator.
type SetBody struct {
	PubKey  string `json:"pub_key"` // Ed25519, 64 hex digits
	Power   int64  `json:"power"`
	Meeting string `json:"meeting"`
	Motion  int    `json:"motion"`
}

// Validator is the record of a validator the module knows.
type Validator struct {
	PubKey string `json:"pub_key"`
	Power  int64  `json:"power"`
	// Height is the block of the last change (0: genesis); Meeting and
	// Motion the decision behind it.
	Height  int64  `json:"height"`
	Meeting string `json:"meeting,omitempty"`
	Motion  int    `json:"motion,omitempty"`
}

// GenesisValidator is a genesis validator as app_state lists it.
type GenesisValidator struct {
	PubKey string `json:"pub_key"`
	Power  int64  `json:"power"`
}

// Update is one change handed to CometBFT.
type Update struct {
	PubKey []byte
	Power  int64
}

// Module is the validator module.
type Module struct{ Org *org.Org }

// Spec describes the module to the chain.
func (m *Module) Spec() module.Spec {
	return module.Spec{Name: "validator", Routes: []module.Route{module.Handle(TypeSet, m.set)}}
}

const (
	recordPrefix = "val/v/"
	atPrefix     = "val/at/"
	seededKey    = "val/seeded"
)

func recordKey(pub string) string { return recordPrefix + pub }
func atKey(h int64, pub string) string {
	return fmt.Sprintf("%s%020d/%s", atPrefix, h, pub)
}
func usedKey(mtg string, no int) string { return fmt.Sprintf("val/used/%s/%04d", mtg, no) }

// ValidateGenesis checks app_state's validators.
func ValidateGenesis(vals []GenesisValidator) error {
	seen := map[string]bool{}
	for _, v := range vals {
		if !validKey(v.PubKey) {
			return fmt.Errorf("genesis validator key %q is not 64 lower-case hex digits", v.PubKey)
		}
		if v.Power <= 0 || v.Power > MaxPower {
			return fmt.Errorf("genesis validator %s: power %d is not in 1..%d", v.PubKey, v.Power, MaxPower)
		}
		if seen[v.PubKey] {
			return fmt.Errorf("genesis validator %s is listed twice", v.PubKey)
		}
		seen[v.PubKey] = true
	}
	return nil
}

// InitGenesis records the genesis validators, when app_state lists them.
// Listing none writes nothing, so chains made before this module keep
// their genesis state.
func InitGenesis(kv store.KV, vals []GenesisValidator) {
	if len(vals) == 0 {
		return
	}
	kv.Set([]byte(seededKey), []byte("1"))
	for _, v := range vals {
		module.Put(kv, recordKey(v.PubKey), Validator{PubKey: v.PubKey, Power: v.Power})
	}
}

func validKey(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32 && hex.EncodeToString(b) == s
}

// Known lists the validators the module knows, in key order, and their
// total power.
func Known(kv store.Reader) (vals []Validator, total int64) {
	kv.Iterate([]byte(recordPrefix), func(k, _ []byte) bool {
		x, _ := module.Get[Validator](kv, k)
		vals = append(vals, x)
		total += x.Power
		return true
	})
	return vals, total
}

// UpdatesAt are the changes made in block height, in key order.
func UpdatesAt(kv store.Reader, height int64) []Update {
	var out []Update
	prefix := fmt.Sprintf("%s%020d/", atPrefix, height)
	kv.Iterate([]byte(prefix), func(k, v []byte) bool {
		pub, err := hex.DecodeString(strings.TrimPrefix(string(k), prefix))
		p, perr := strconv.ParseInt(string(v), 10, 64)
		if err == nil && perr == nil {
			out = append(out, Update{PubKey: pub, Power: p})
		}
		return true
	})
	return out
}

// ChangeHeights lists, in order, the blocks whose changes this module
// handed to CometBFT: the history a proof's handoffs follow from the
// genesis validators to a later set (proof.AddHandoffs).
func ChangeHeights(kv store.Reader) []int64 {
	var out []int64
	kv.Iterate([]byte(atPrefix), func(k, _ []byte) bool {
		digits, _, _ := strings.Cut(strings.TrimPrefix(string(k), atPrefix), "/")
		if h, err := strconv.ParseInt(digits, 10, 64); err == nil && (len(out) == 0 || out[len(out)-1] != h) {
			out = append(out, h)
		}
		return true
	})
	return out
}

var hqBodies = []string{assembly.KindNationalConvention, assembly.KindNationalCommittee, assembly.KindSupremeCouncil}

func (m *Module) set(ctx *module.Context, b SetBody) error {
	root := org.Root(ctx.Store)
	if err := m.Org.Authorize(ctx, org.Admin, root); err != nil {
		return err
	}
	if !validKey(b.PubKey) {
		return codes.InvalidArgument.Errorf("pub_key %q is not an Ed25519 key in 64 lower-case hex digits", b.PubKey)
	}
	if b.Power < 0 || b.Power > MaxPower {
		return codes.InvalidArgument.Errorf("power %d is not in 0..%d", b.Power, MaxPower)
	}
	if err := decided(ctx, root, b); err != nil {
		return err
	}
	cur, known := module.Get[Validator](ctx.Store, recordKey(b.PubKey))
	seeded := ctx.Store.Get([]byte(seededKey)) != nil
	_, total := Known(ctx.Store)
	switch {
	case b.Power == 0 && !known:
		return codes.NotFound.Errorf("validator %s is not in the set this chain records; nothing to remove", b.PubKey)
	case b.Power == 0 && !seeded:
		return codes.WrongState.Errorf("this chain's genesis does not list its validators in app_state, so a removal could empty the set unseen; re-weight instead")
	case known && cur.Power == b.Power:
		return codes.InvalidArgument.Errorf("validator %s has power %d already", b.PubKey, b.Power)
	}
	delta := b.Power - cur.Power
	if delta < 0 {
		delta = -delta
	}
	if seeded && 3*delta > total {
		return codes.InvalidArgument.Errorf("a change of %d power is more than a third of the set's %d: make it in steps, each decided", delta, total)
	}
	if seeded && b.Power == 0 && total-cur.Power <= 0 {
		return codes.WrongState.Errorf("removing %s would leave no validator", b.PubKey)
	}
	if b.Power == 0 {
		ctx.Store.Delete([]byte(recordKey(b.PubKey)))
	} else {
		module.Put(ctx.Store, recordKey(b.PubKey), Validator{PubKey: b.PubKey, Power: b.Power, Height: ctx.Height, Meeting: b.Meeting, Motion: b.Motion})
	}
	ctx.Store.Set([]byte(atKey(ctx.Height, b.PubKey)), []byte(strconv.FormatInt(b.Power, 10)))
	ctx.Store.Set([]byte(usedKey(b.Meeting, b.Motion)), []byte(b.PubKey))
	ctx.Emit("validator.set", "pub_key", b.PubKey, "power", strconv.FormatInt(b.Power, 10), "meeting", b.Meeting, "motion", strconv.Itoa(b.Motion))
	return nil
}

// decided checks the decision b cites.
func decided(ctx *module.Context, root string, b SetBody) error {
	mt, ok := assembly.GetMeeting(ctx.Store, b.Meeting)
	if !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", b.Meeting)
	}
	if mt.State != assembly.Finalized || mt.Finalization == nil {
		return codes.Unauthorized.Errorf("meeting %s is %s; only a finalized (co-signed) record decides a validator change", b.Meeting, mt.State)
	}
	bd, _ := assembly.GetBody(ctx.Store, mt.Body)
	hq := bd.Chapter == root
	if hq {
		hq = false
		for _, k := range hqBodies {
			hq = hq || bd.Kind == k
		}
	}
	if !hq {
		return codes.Unauthorized.Errorf("body %s (%s of %s) cannot decide the validator set; a convention, national committee or supreme council of %s can", bd.ID, bd.Kind, bd.Chapter, root)
	}
	mo, ok := assembly.GetMotion(ctx.Store, b.Meeting, b.Motion)
	if !ok {
		return codes.NotFound.Errorf("motion %d of %s does not exist", b.Motion, b.Meeting)
	}
	if mo.Decision != assembly.Adopted {
		return codes.Unauthorized.Errorf("motion %d of %s was %s, not adopted", b.Motion, b.Meeting, mo.Decision)
	}
	word := fmt.Sprintf("validator:%s=%d", b.PubKey, b.Power)
	if !hasWord(mo.Text, word) {
		return codes.Unauthorized.Errorf("motion %d of %s does not name %q in its text", b.Motion, b.Meeting, word)
	}
	if ctx.Store.Get([]byte(usedKey(b.Meeting, b.Motion))) != nil {
		return codes.AlreadyExists.Errorf("motion %d of %s has been acted on already", b.Motion, b.Meeting)
	}
	return nil
}

// hasWord reports whether text holds word not followed by a digit (so
// "=1" is not found in "=10").
func hasWord(text, word string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], word)
		if j < 0 {
			return false
		}
		end := i + j + len(word)
		if end == len(text) || text[end] < '0' || text[end] > '9' {
			return true
		}
		i = end
	}
}
