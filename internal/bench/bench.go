// Package bench holds pnyx's end-to-end benchmarks: each starts what it
// measures (a fresh single-validator node in a temporary home, or a search
// index), drives it the way clients do, and reports. Run them through the
// binary, which parses the flags and calls this package:
//
//	pnyx bench tx         # committed signed tx/s through the API, next to a trivial-app baseline
//	pnyx bench assembly   # a national convention's check-ins/s and finalization time
//	pnyx bench election   # committed ballots/s after a key ceremony
//	pnyx bench search     # indexing rate and query latencies on a generated corpus
//
// `pnyx bench NAME --help` describes each one's flags. Every benchmark
// writes its figures to out and its progress to a second writer (stderr),
// and ends with exactly one key=value summary line, e.g.
//
//	committed_tx_per_s=6103 baseline_tx_per_s=21874 ratio=0.28
//
// so scripts can take the last line; docs/performance.md quotes the output.
package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// freeAddr returns a loopback "tcp://127.0.0.1:PORT" that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return "tcp://" + l.Addr().String(), nil
}

// benchKey derives member k's key deterministically, so runs are repeatable.
func benchKey(k int) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "pnyx-bench-member")
	binary.BigEndian.PutUint64(seed[24:], uint64(k))
	return ed25519.NewKeyFromSeed(seed)
}

// initBenchHome initialises a single-validator chain in home, listening for
// peers on a free loopback port with CometBFT's RPC off, and returns the
// genesis administrator's key.
func initBenchHome(home string) (ed25519.PrivateKey, error) {
	p2p, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return launch.Init(home, launch.InitOptions{ChainID: "pnyx-bench", P2PAddr: p2p, RPCAddr: node.RPCOff})
}

// startBenchNode initialises a single-validator pnyx chain in home, starts
// it with its API on a free port and waits for its first block. It returns
// the running node (the caller stops it), a client of its API and the
// genesis administrator's key. Every pnyx bench starts its node here.
func startBenchNode(ctx context.Context, home string, nodeOpts node.Options) (*launch.Running, *client.Client, ed25519.PrivateKey, error) {
	adminKey, err := initBenchHome(home)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: nodeOpts})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := r.WaitForBlocks(ctx, 1); err != nil {
		r.Stop()
		return nil, nil, nil, err
	}
	return r, client.New(r.APIURL), adminKey, nil
}

// signUpMembers approves keys as members of chapter in batches of 500, all
// submitted at once and then confirmed.
func signUpMembers(ctx context.Context, c *client.Client, admin *client.Signer, keys []ed25519.PrivateKey, chapter string) error {
	var approvals [][]byte
	for from := 0; from < len(keys); from += members.MaxBatch {
		var body members.ApproveBody
		for _, k := range keys[from:min(from+members.MaxBatch, len(keys))] {
			body.Entries = append(body.Entries, members.ApproveEntry{PublicKey: hex.EncodeToString(k.Public().(ed25519.PublicKey)), Chapter: chapter, Class: members.General})
		}
		raw, err := admin.Build(ctx, members.TypeApprove, body)
		if err != nil {
			return err
		}
		approvals = append(approvals, raw)
	}
	for _, raw := range approvals {
		if _, err := c.Submit(ctx, raw, false); err != nil {
			return fmt.Errorf("approve: %w", err)
		}
	}
	for _, raw := range approvals {
		if err := waitCommitted(ctx, c, raw); err != nil {
			return fmt.Errorf("approve: %w", err)
		}
	}
	return nil
}

// waitCommitted polls the API until raw is committed and checks its code.
func waitCommitted(ctx context.Context, c *client.Client, raw []byte) error {
	path := "/v1/txs/" + hex.EncodeToString(tx.Hash(raw))
	for {
		var res wire.TxResult
		err := c.Get(ctx, path, nil, &res)
		if err == nil {
			if res.Code != 0 {
				return &codes.Error{Code: res.Code, Msg: res.Log}
			}
			return nil
		}
		if codes.Of(err) != codes.NotFound {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// processCPU is the user plus system CPU time this process has used. Other
// work on the machine slows a run down but does not add to it, so it tells
// a slower machine from a busier one.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// retryable reports a submission worth retrying (mempool full, node busy).
func retryable(err error) bool {
	return codes.Of(err) == codes.Unavailable
}
