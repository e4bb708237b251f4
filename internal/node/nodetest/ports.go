package nodetest

import (
	"net"
	"testing"
)

// FreePorts returns n distinct loopback TCP ports that were free a moment
// ago: each is found by listening on 127.0.0.1:0. All listeners stay open
// until all n ports are chosen, so the same port is not handed out twice;
// another process could still take one before the node binds it, which is
// unlikely enough for tests.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
