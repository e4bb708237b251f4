//go:build linux

package netdrill

import (
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"
)

// TestLinkEmuDelaysAndDrops puts the userspace link emulator (SlowLink:
// 100 ms ± 20 ms, 5 % loss each way) on host b's link and sends UDP
// probes from host a to an echo server on b. Every probe crosses b's link
// twice, so each answer must take at least 2×(100−20) ms, and about one
// in ten (1−0.95²) must go unanswered. With the emulator stopped, b's
// link must carry every probe again. It needs root (namespaces, TAPs).
func TestLinkEmuDelaysAndDrops(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip("link emulator test skipped: " + why)
	}
	lab, err := NewLab([]string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	server := listenUDP(t, lab, "b")
	go func() { // echo
		buf := make([]byte, 64)
		for {
			n, from, err := server.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = server.WriteTo(buf[:n], from)
		}
	}()
	defer server.Close()
	client := listenUDP(t, lab, "a")
	defer client.Close()

	e, err := lab.startLinkEmu("b", SlowLink)
	if err != nil {
		t.Fatal(err)
	}
	defer e.stop()
	const n = 200
	rtts := probe(t, client, server.LocalAddr(), n)
	floor := 2 * (SlowLink.Delay - SlowLink.Jitter)
	lo, hi := time.Hour, time.Duration(0)
	for i, rtt := range rtts {
		lo, hi = min(lo, rtt), max(hi, rtt)
		if rtt < floor {
			t.Errorf("probe %d answered in %v over the impaired link, want ≥ %v", i, rtt, floor)
		}
	}
	lost := n - len(rtts)
	t.Logf("impaired: %d of %d probes answered (rtt %v–%v), lost %d; frames %s", len(rtts), n, lo, hi, lost, e.counts())
	// 5 % each way: expect 19.5 lost of 200 (binomial sd 4.2).
	if lost < 1 || lost > 50 {
		t.Errorf("%d of %d probes lost, want some and not more than 50", lost, n)
	}
	if e.dropped[0].Load() == 0 || e.dropped[1].Load() == 0 {
		t.Errorf("frames %s: want drops both ways", e.counts())
	}
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}

	if got := len(probe(t, client, server.LocalAddr(), 20)); got != 20 {
		t.Errorf("with the emulator stopped, %d of 20 probes answered, want all", got)
	}
}

// listenUDP opens a UDP socket on host's address, inside its namespace.
func listenUDP(t *testing.T, lab *Lab, host string) net.PacketConn {
	t.Helper()
	var c net.PacketConn
	if err := inNS("/run/netns/"+lab.ns(host), func() (err error) {
		c, err = net.ListenPacket("udp4", lab.IP(host)+":0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// probe sends n numbered datagrams 10 ms apart to an echo at to and
// returns the round-trip time of each one answered within a second of
// the last send.
func probe(t *testing.T, c net.PacketConn, to net.Addr, n int) []time.Duration {
	t.Helper()
	sent := make([]time.Time, n)
	var mu sync.Mutex
	var rtts []time.Duration
	seen := make([]bool, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64)
		for {
			k, _, err := c.ReadFrom(buf)
			if err != nil {
				return // the deadline below
			}
			at := time.Now()
			if k != 8 {
				continue
			}
			i := binary.BigEndian.Uint64(buf)
			mu.Lock()
			if i < uint64(n) && !seen[i] {
				seen[i] = true
				rtts = append(rtts, at.Sub(sent[i]))
			}
			mu.Unlock()
		}
	}()
	for i := range n {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		if _, err := c.WriteTo(b[:], to); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	<-done
	_ = c.SetReadDeadline(time.Time{})
	return rtts
}
