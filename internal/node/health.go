package node

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cometbft/cometbft/libs/log"
)

// Health is what a node can say about itself to a load balancer or an
// operator: whether its state can be trusted and whether it keeps up.
type Health string

const (
	// Healthy: in consensus, committing blocks.
	Healthy Health = "healthy"
	// CatchingUp: syncing blocks from peers (or not started yet); its state
	// is behind the chain's.
	CatchingUp Health = "catching_up"
	// Halted: no block committed for longer than blocks come (no 2/3 of
	// the validators reachable, or consensus stopped on an error), or the
	// node is stopped. Its state is valid but stale.
	Halted Health = "halted"
	// Diverged: the validators committed a block whose app hash differs
	// from the one this node's application computed. Its state is not the
	// chain's: nothing it reads should be served.
	Diverged Health = "diverged"
)

// HealthReport is Node.Health's answer.
type HealthReport struct {
	Health Health
	// Reason explains any state but Healthy.
	Reason string
	// Height is the last committed height; SinceCommit how long ago it was
	// committed (or the node was built, before its first commit).
	Height      int64
	SinceCommit time.Duration
}

// healthWatch learns from CometBFT's error log what it reports nowhere else:
// that consensus stopped on a panic ("CONSENSUS FAILURE!!!", after which
// the node keeps running but never commits again), and that a block the
// validators committed does not match this node's app hash (block sync
// reports "Error in validation" for a block whose commit it has verified;
// consensus panics with "+2/3 committed an invalid block"). A mismatch in
// a proposal is not counted: a faulty proposer can send one.
type healthWatch struct {
	mu       sync.Mutex
	diverged string
	halted   string
}

const appHashMismatch = "wrong Block.Header.AppHash"

func (w *healthWatch) observe(msg string, keyvals []any) {
	if msg != "CONSENSUS FAILURE!!!" && msg != "Error in validation" {
		return
	}
	var cause string
	for i := 0; i+1 < len(keyvals); i += 2 {
		if k, _ := keyvals[i].(string); k == "err" {
			cause = fmt.Sprint(keyvals[i+1])
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if strings.Contains(cause, appHashMismatch) && w.diverged == "" {
		w.diverged = cause
	}
	if msg == "CONSENSUS FAILURE!!!" && w.halted == "" {
		w.halted = "consensus stopped: " + cause
	}
}

func (w *healthWatch) state() (diverged, halted string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.diverged, w.halted
}

// watchLogger passes every error to the healthWatch before the log level
// filter, so the node knows its health whatever is logged.
type watchLogger struct {
	log.Logger
	w *healthWatch
}

func (l watchLogger) Error(msg string, keyvals ...any) {
	l.w.observe(msg, keyvals)
	l.Logger.Error(msg, keyvals...)
}

func (l watchLogger) With(keyvals ...any) log.Logger {
	return watchLogger{l.Logger.With(keyvals...), l.w}
}

// stallAfter is how long without a commit means halted: blocks come at
// least every create_empty_blocks_interval (an idle chain) or, with
// create_empty_blocks off, only when there are txs, so no stall is known.
func (n *Node) stallAfter() time.Duration {
	if n.stall > 0 {
		return n.stall
	}
	c := n.config.Consensus
	if !c.CreateEmptyBlocks {
		return 0
	}
	return max(2*c.CreateEmptyBlocksInterval+c.TimeoutCommit, 10*time.Second+c.TimeoutCommit)
}

// Health reports whether the node's state can be served: Diverged and
// Halted outrank CatchingUp, which outranks Healthy.
func (n *Node) Health() HealthReport {
	r := HealthReport{Height: n.committed.Load(), SinceCommit: time.Since(time.Unix(0, n.lastCommit.Load()))}
	diverged, halted := n.watch.state()
	n.mu.RLock()
	stopped, started := n.stopped, n.started
	n.mu.RUnlock()
	switch {
	case diverged != "":
		r.Health, r.Reason = Diverged, "the validators committed another app hash than this node computed: "+diverged
	case halted != "":
		r.Health, r.Reason = Halted, halted
	case stopped:
		r.Health, r.Reason = Halted, "the node is stopped"
	case !started:
		r.Health, r.Reason = CatchingUp, "the node has not started"
	case n.cmt.ConsensusReactor().WaitSync():
		r.Health, r.Reason = CatchingUp, "syncing blocks from peers"
	case n.stallAfter() > 0 && r.SinceCommit > n.stallAfter():
		r.Health, r.Reason = Halted, fmt.Sprintf("no block committed for %v (blocks come at least every %v)", r.SinceCommit.Round(time.Second), n.stallAfter())
	default:
		r.Health = Healthy
	}
	return r
}
