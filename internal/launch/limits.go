package launch

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The API's defaults. The API shares the process with consensus, so its
// bounds are what keeps a flood of clients from starving the node (issue
// 12, finding 1: 20,000 slow uploads used up the descriptors, the validator
// could not save its signing state and halted).
const (
	// DefaultAPIReadTimeout bounds reading one request, headers and body: a
	// 16 MiB blob at 1 MiB/s fits; a slow upload does not hold a slot longer.
	DefaultAPIReadTimeout = 30 * time.Second
	// DefaultAPIWriteTimeout bounds a request from the end of its headers to
	// the end of its answer. It exceeds the API's wait-for-commit (30 s)
	// and per-request time, so those end first with a proper error.
	DefaultAPIWriteTimeout = 60 * time.Second
	// DefaultAPIIdleTimeout closes kept-alive connections nobody uses.
	DefaultAPIIdleTimeout = 60 * time.Second
	// DefaultAPIHeaderTimeout bounds reading a request's headers.
	DefaultAPIHeaderTimeout = 10 * time.Second
	// DefaultAPIMaxHeaderBytes: pnyx's headers are a signature and a few
	// fields; net/http's 1 MiB default only serves an attacker.
	DefaultAPIMaxHeaderBytes = 64 << 10

	// DefaultAPIMaxConns caps the API's open connections when the
	// descriptor limit allows more: each connection may buffer a request
	// body of several MiB, so the cap bounds memory as well as descriptors.
	DefaultAPIMaxConns = 4096
	// MinFDReserve is the least number of file descriptors kept for
	// everything but the API: the block, state and evidence stores and the
	// application's store (each a LevelDB with its table files), the WAL,
	// the validator's signing-state file (rewritten on every vote), peers,
	// the index and log files.
	MinFDReserve = 256
)

// apiConnCap is how many connections the API may hold open: what the
// descriptor limit leaves after a reserve for the node (half the limit, at
// least MinFDReserve), capped at DefaultAPIMaxConns; never below 16, so a
// tiny limit still serves someone. Go raises the soft limit to the hard
// limit when the process starts, so limit is normally the hard limit.
func apiConnCap(limit uint64) int {
	reserve := max(limit/2, MinFDReserve)
	if limit <= reserve+16 {
		return 16
	}
	return int(min(limit-reserve, DefaultAPIMaxConns))
}

// limitListener accepts at most max connections at a time. Unlike
// netutil.LimitListener, which stops accepting and leaves the excess in the
// kernel's backlog (where they wait, unseen, until the client gives up), it
// accepts the excess and closes it at once: a client of a saturated node
// learns so immediately, and the accept loop never sleeps on EMFILE while
// the node needs descriptors.
type limitListener struct {
	net.Listener
	slots   chan struct{}
	refused atomic.Int64
}

func newLimitListener(l net.Listener, max int) *limitListener {
	return &limitListener{Listener: l, slots: make(chan struct{}, max)}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.refused.Add(1)
			_ = c.Close()
		}
	}
}

// Refused counts connections closed because the API was at its cap.
func (l *limitListener) Refused() int64 { return l.refused.Load() }

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
