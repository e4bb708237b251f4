//go:build linux

package netdrill

import (
	"container/heap"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// LinkSpec is what a userspace link emulator does to every Ethernet frame
// crossing one host's link, in each direction independently — what
// `tc qdisc … netem delay DELAY JITTER loss LOSS% limit LIMIT` does, for
// kernels built without sch_netem (such as this project's CI machine).
type LinkSpec struct {
	Delay  time.Duration // mean one-way delay
	Jitter time.Duration // the delay is uniform in [Delay-Jitter, Delay+Jitter], as netem's
	Loss   int           // percent of frames dropped, each frame drawn on its own
	Limit  int           // frames waiting per direction; more are dropped (netem's limit, 1000)
	Seed   uint64        // the drop and delay draws are a seeded sequence
}

// SlowLink is the fault drill's impairment: netem delay 100ms 20ms loss 5%.
var SlowLink = LinkSpec{Delay: 100 * time.Millisecond, Jitter: 20 * time.Millisecond, Loss: 5, Limit: 1000, Seed: 1}

// String is the spec in netem's words.
func (s LinkSpec) String() string {
	return fmt.Sprintf("delay %v %v loss %d%%", s.Delay, s.Jitter, s.Loss)
}

// linkEmu stands between a host's veth and the lab's bridge. Without it,
// the bridge-side end of the host's veth (PORT) is a port of br0. With it,
// PORT is moved to a bridge of its own (inner) together with a TAP device
// (down), and a second TAP (up) is a port of br0; two goroutine pairs
// carry frames between the TAPs through a delay line each way:
//
//	host eth0 ─veth─ PORT ─ inner ─ down ⇄ [delay, loss] ⇄ up ─ br0 ─ other hosts
//
// All of it lives in the lab's bridge namespace: the TAPs are created by a
// thread switched into that namespace, so nothing is created in, moved
// through or sent over the machine's own namespace, and the host's
// interface, address and open connections are left as they are. A TAP
// without offloads gets frames the kernel has already segmented and
// checksummed, so what the emulator carries are ordinary ≤MTU frames.
type linkEmu struct {
	lab             *Lab
	host            string
	port, inner     string // veth end in the bridge namespace; the bridge it moves to
	upName, dnName  string // TAP names
	up, down        *os.File
	lines           [2]*delayLine // [0]: host → bridge, [1]: bridge → host
	wg              sync.WaitGroup
	stopOnce        sync.Once
	stopErr         error
	passed, dropped [2]atomic.Int64
}

// startLinkEmu puts a linkEmu with spec s on host's link.
func (l *Lab) startLinkEmu(host string, s LinkSpec) (_ *linkEmu, err error) {
	port, ok := l.ports[host]
	if !ok {
		return nil, fmt.Errorf("netdrill: no host %q in the lab", host)
	}
	if s.Limit <= 0 {
		s.Limit = 1000
	}
	if s.Jitter > s.Delay {
		return nil, fmt.Errorf("netdrill: jitter %v exceeds delay %v", s.Jitter, s.Delay)
	}
	n := strings.TrimPrefix(port, l.prefix+"b") // the host's index; names stay ≤15 bytes
	e := &linkEmu{lab: l, host: host, port: port, inner: l.prefix + "i" + n, upName: l.prefix + "u" + n, dnName: l.prefix + "d" + n}
	br := l.ns("br")
	defer func() {
		if err != nil {
			e.closeTaps()
			_ = run("ip", "-n", br, "link", "del", e.inner)
		}
	}()
	if err := run("ip", "-n", br, "link", "add", e.inner, "type", "bridge"); err != nil {
		return nil, err
	}
	if err := inNS("/run/netns/"+br, func() error {
		var err error
		if e.up, err = openTap(e.upName); err != nil {
			return err
		}
		e.down, err = openTap(e.dnName)
		return err
	}); err != nil {
		return nil, err
	}
	for _, args := range [][]string{
		{"-n", br, "link", "set", e.inner, "up"},
		{"-n", br, "link", "set", e.upName, "master", "br0", "up"},
		{"-n", br, "link", "set", e.dnName, "master", e.inner, "up"},
	} {
		if err := run("ip", args...); err != nil {
			return nil, err
		}
	}
	for dir, pair := range [2][2]*os.File{{e.down, e.up}, {e.up, e.down}} {
		line := newDelayLine(s.Limit)
		e.lines[dir] = line
		rng := rand.New(rand.NewPCG(s.Seed, uint64(dir)))
		e.wg.Add(2)
		go e.receive(dir, pair[0], line, rng, s)
		go e.send(pair[1], line)
	}
	// The host's frames take the emulator from here on: moving PORT
	// from br0 to inner is one netlink request.
	if err := run("ip", "-n", br, "link", "set", port, "master", e.inner); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// receive reads frames from src and queues each, unless drawn for loss,
// on line with its delay. It ends when src is closed.
func (e *linkEmu) receive(dir int, src *os.File, line *delayLine, rng *rand.Rand, s LinkSpec) {
	defer e.wg.Done()
	defer line.close()
	buf := make([]byte, 65536)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if rng.IntN(100) < s.Loss {
			e.dropped[dir].Add(1)
			continue
		}
		d := s.Delay
		if s.Jitter > 0 {
			d += time.Duration(rng.Int64N(2*int64(s.Jitter)+1)) - s.Jitter
		}
		if !line.push(time.Now().Add(d), append([]byte(nil), buf[:n]...)) {
			e.dropped[dir].Add(1) // over the limit, as netem drops
			continue
		}
		e.passed[dir].Add(1)
	}
}

// send writes each frame of line to dst once its time has come.
func (e *linkEmu) send(dst *os.File, line *delayLine) {
	defer e.wg.Done()
	for {
		f, ok := line.pop()
		if !ok {
			return
		}
		if _, err := dst.Write(f); errors.Is(err, os.ErrClosed) {
			return
		} // other write errors lose the frame, as a link would
	}
}

// stop puts PORT back on br0, then closes the TAPs (which deletes them),
// waits for the goroutines, and deletes inner.
func (e *linkEmu) stop() error {
	e.stopOnce.Do(func() {
		br := e.lab.ns("br")
		e.stopErr = run("ip", "-n", br, "link", "set", e.port, "master", "br0")
		e.closeTaps()
		e.wg.Wait()
		if err := run("ip", "-n", br, "link", "del", e.inner); err != nil && e.stopErr == nil {
			e.stopErr = err
		}
	})
	return e.stopErr
}

func (e *linkEmu) closeTaps() {
	for _, f := range []*os.File{e.up, e.down} {
		if f != nil {
			_ = f.Close()
		}
	}
	for _, line := range e.lines {
		if line != nil {
			line.close()
		}
	}
}

// counts says how many frames crossed and how many were dropped, host →
// bridge and bridge → host.
func (e *linkEmu) counts() string {
	return fmt.Sprintf("out passed=%d dropped=%d, in passed=%d dropped=%d",
		e.passed[0].Load(), e.dropped[0].Load(), e.passed[1].Load(), e.dropped[1].Load())
}

// openTap makes TAP device name in the calling thread's network namespace
// and returns its file; the device lives while the file is open. The file
// is non-blocking, so Close wakes a Read waiting on it.
func openTap(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("netdrill: open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err == nil {
		ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
		err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netdrill: make TAP %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), "tap:"+name), nil
}

// inNS runs f on a thread switched into the network namespace at path:
// what f creates (a TAP, a socket) belongs to that namespace for good.
func inNS(path string, f func() error) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- err
			return
		}
		defer self.Close()
		target, err := os.Open(path)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- err
			return
		}
		defer target.Close()
		if err := setns(target.Fd()); err != nil {
			runtime.UnlockOSThread()
			ch <- fmt.Errorf("netdrill: enter %s: %w", path, err)
			return
		}
		err = f()
		if setns(self.Fd()) == nil {
			runtime.UnlockOSThread()
		} // else the thread stays locked and dies with this goroutine
		ch <- err
	}()
	return <-ch
}

// delayLine holds frames until their time, earliest first. Like netem's
// queue with jitter, a frame drawn a shorter delay overtakes earlier ones.
type delayLine struct {
	mu     sync.Mutex
	q      frameHeap
	seq    uint64
	limit  int
	closed bool
	wake   chan struct{} // one pending wake-up for pop
}

func newDelayLine(limit int) *delayLine {
	return &delayLine{limit: limit, wake: make(chan struct{}, 1)}
}

// push queues f for at; false when the line is full or closed.
func (d *delayLine) push(at time.Time, f []byte) bool {
	d.mu.Lock()
	if d.closed || len(d.q) >= d.limit {
		d.mu.Unlock()
		return false
	}
	d.seq++
	heap.Push(&d.q, timedFrame{at: at, seq: d.seq, f: f})
	d.mu.Unlock()
	d.poke()
	return true
}

func (d *delayLine) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *delayLine) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.poke()
}

// pop waits for the earliest frame's time and returns it; false once the
// line is closed (frames still queued then are lost, as on a cut link).
func (d *delayLine) pop() ([]byte, bool) {
	for {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return nil, false
		}
		wait := time.Hour
		if len(d.q) > 0 {
			if wait = time.Until(d.q[0].at); wait <= 0 {
				f := heap.Pop(&d.q).(timedFrame).f
				d.mu.Unlock()
				return f, true
			}
		}
		d.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-d.wake:
			t.Stop()
		}
	}
}

type timedFrame struct {
	at  time.Time
	seq uint64 // equal times keep arrival order
	f   []byte
}

type frameHeap []timedFrame

func (h frameHeap) Len() int { return len(h) }
func (h frameHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h frameHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *frameHeap) Push(x any)   { *h = append(*h, x.(timedFrame)) }
func (h *frameHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
