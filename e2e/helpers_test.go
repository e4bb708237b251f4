// Package e2e runs pnyx as an operator does — a real CometBFT node, the
// application and the HTTP API in temp dirs — and drives it through the Go
// client, as members, officials and auditors would.
package e2e

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
)

// testNode is one running pnyx in a temp home.
type testNode struct {
	t     *testing.T
	home  string
	admin ed25519.PrivateKey
	r     *launch.Running
	c     *client.Client
}

func fastNode(c *node.Config) {
	c.Consensus.TimeoutCommit = 50 * time.Millisecond
}

func startNode(t *testing.T) *testNode {
	t.Helper()
	home := t.TempDir()
	port := nodetest.FreePorts(t, 1)[0]
	admin, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-e2e", P2PAddr: fmt.Sprintf("tcp://127.0.0.1:%d", port), RPCAddr: node.RPCOff})
	if err != nil {
		t.Fatal(err)
	}
	tn := &testNode{t: t, home: home, admin: admin}
	tn.start()
	t.Cleanup(func() {
		if tn.r != nil {
			tn.r.Stop()
		}
	})
	return tn
}

func (tn *testNode) start() {
	tn.t.Helper()
	opts := launch.Quiet()
	opts.Config = fastNode
	r, err := launch.Start(tn.home, launch.Options{APIAddr: "127.0.0.1:0", CheckInvariants: true, Node: opts})
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.r = r
	tn.c = client.New(r.APIURL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitForBlocks(ctx, 1); err != nil {
		tn.t.Fatalf("no first block: %v", err)
	}
}

func (tn *testNode) stop() {
	tn.t.Helper()
	if err := tn.r.Stop(); err != nil {
		tn.t.Fatalf("stop: %v", err)
	}
	tn.r = nil
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func seedKey(name string) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return ed25519.NewKeyFromSeed(seed)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
func (s *syncBuffer) Len() int       { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Len() }

// startNodeLogged is startNode with the node's log at info level into w.
func startNodeLogged(t *testing.T, w io.Writer) *testNode {
	t.Helper()
	home := t.TempDir()
	port := nodetest.FreePorts(t, 1)[0]
	admin, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-e2e", P2PAddr: fmt.Sprintf("tcp://127.0.0.1:%d", port), RPCAddr: node.RPCOff})
	if err != nil {
		t.Fatal(err)
	}
	opts := node.Options{LogLevel: "info", LogWriter: w, Config: fastNode}
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", CheckInvariants: true, Node: opts})
	if err != nil {
		t.Fatal(err)
	}
	tn := &testNode{t: t, home: home, admin: admin, r: r, c: client.New(r.APIURL)}
	t.Cleanup(func() {
		if tn.r != nil {
			tn.r.Stop()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitForBlocks(ctx, 1); err != nil {
		t.Fatalf("no first block: %v", err)
	}
	return tn
}
