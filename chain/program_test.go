package chain

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
)

// twoSpecs is a program whose modules both declare one tx type.
type twoSpecs struct{}

type noBody struct{}

func (twoSpecs) Specs() []module.Spec {
	h := func(*module.Context, noBody) error { return nil }
	return []module.Spec{
		{Name: "first", Routes: []module.Route{module.Handle("x/do", h)}},
		{Name: "second", Routes: []module.Route{module.Handle("x/do", h)}},
	}
}
func (twoSpecs) Genesis(raw []byte) ([]byte, error)                    { return raw, nil }
func (twoSpecs) InitGenesis(*module.Context) error                     { return nil }
func (twoSpecs) Signer(_ kv.Reader, k ed25519.PublicKey) module.Caller { return module.Caller{Key: k} }

// The chain refuses to start a program in which two modules claim one tx
// type, and names both.
func TestTwoModulesOneTxTypeIsRefused(t *testing.T) {
	defer func() {
		r, _ := recover().(string)
		if !strings.Contains(r, "first and second both handle x/do") {
			t.Fatalf("panic %q, want one naming both modules and the type", r)
		}
	}()
	New(store.OpenMemory(), twoSpecs{}, Options{})
}
