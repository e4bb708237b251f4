//go:build linux

package netdrill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Available says why a lab cannot be built here ("" when it can): it needs
// root and iproute2's ip (and tc for delay and loss).
func Available() string {
	if os.Geteuid() != 0 {
		return "network namespaces need root (this process runs as uid " + fmt.Sprint(os.Geteuid()) + ")"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "iproute2's ip is not installed"
	}
	if _, err := exec.LookPath("tc"); err != nil {
		return "iproute2's tc is not installed"
	}
	return ""
}

// Lab is a set of network namespaces ("hosts"), each with one interface
// eth0 on a private subnet, joined by a bridge that lives in a namespace
// of its own. Nothing is added to the caller's namespace: every packet of
// a drill stays inside the lab. Close deletes it all.
type Lab struct {
	prefix string
	hosts  []string // host names, in order
	ips    map[string]string
	ports  map[string]string   // host -> bridge-side veth name
	emus   map[string]*linkEmu // host -> its link emulator while Impair uses one
}

// Subnet is the lab's private /24; host i gets Subnet.(10+i).
const Subnet = "10.213.0"

// NewLab makes one namespace per name. Names are short words (h0, v1,
// client); the namespaces are named PREFIX-NAME with a prefix unique to
// this process, so concurrent labs do not meet.
func NewLab(names []string) (*Lab, error) {
	if why := Available(); why != "" {
		return nil, errors.New("netdrill: " + why)
	}
	l := &Lab{prefix: fmt.Sprintf("pd%d", os.Getpid()%100000), ips: map[string]string{}, ports: map[string]string{}}
	ok := false
	defer func() {
		if !ok {
			l.Close()
		}
	}()
	br := l.ns("br")
	if err := run("ip", "netns", "add", br); err != nil {
		return nil, err
	}
	for _, args := range [][]string{
		{"-n", br, "link", "set", "lo", "up"},
		{"-n", br, "link", "add", "br0", "type", "bridge"},
		{"-n", br, "link", "set", "br0", "up"},
	} {
		if err := run("ip", args...); err != nil {
			return nil, err
		}
	}
	for i, name := range names {
		ns := l.ns(name)
		if err := run("ip", "netns", "add", ns); err != nil {
			return nil, err
		}
		l.hosts = append(l.hosts, name)
		port := fmt.Sprintf("%sb%d", l.prefix, i) // at most 15 bytes
		ip := fmt.Sprintf("%s.%d", Subnet, 10+i)
		for _, args := range [][]string{
			{"-n", ns, "link", "set", "lo", "up"},
			{"-n", br, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns},
			{"-n", br, "link", "set", port, "master", "br0", "up"},
			{"-n", ns, "addr", "add", ip + "/24", "dev", "eth0"},
			{"-n", ns, "link", "set", "eth0", "up"},
		} {
			if err := run("ip", args...); err != nil {
				return nil, err
			}
		}
		l.ips[name], l.ports[name] = ip, port
	}
	ok = true
	return l, nil
}

func (l *Lab) ns(name string) string { return l.prefix + "-" + name }

// IP is host's address in the lab.
func (l *Lab) IP(host string) string { return l.ips[host] }

// Command runs argv inside host's namespace (ip netns exec, which execs
// argv, so the process's PID is argv's own).
func (l *Lab) Command(host string, argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", l.ns(host)}, argv...)...)
}

// Cut takes host's link down at the bridge: the host is partitioned from
// every other host (its processes keep running). Heal brings it back.
func (l *Lab) Cut(host string) error {
	return run("ip", "-n", l.ns("br"), "link", "set", l.ports[host], "down")
}

// Heal undoes Cut.
func (l *Lab) Heal(host string) error {
	return run("ip", "-n", l.ns("br"), "link", "set", l.ports[host], "up")
}

// Impair makes host's link slow and lossy: SlowLink, 100 ms ± 20 ms of
// delay and 5 % loss. With the kernel's netem it is a qdisc on the host's
// eth0 (outgoing frames only). Kernels without sch_netem (this project's
// CI machine) get the userspace link emulator instead (linkemu_linux.go),
// which impairs both directions of the host's link from the bridge
// namespace. It says which it used. Unimpair removes it.
func (l *Lab) Impair(host string) (string, error) {
	tc := []string{"netns", "exec", l.ns(host), "tc", "qdisc", "replace", "dev", "eth0", "root"}
	netem := []string{"netem", "delay", SlowLink.Delay.String(), SlowLink.Jitter.String(), "loss", fmt.Sprintf("%d%%", SlowLink.Loss)}
	err := run("ip", append(tc, netem...)...)
	if err == nil {
		return "tc " + strings.Join(netem, " ") + " (outgoing)", nil
	}
	if !strings.Contains(err.Error(), "unknown") {
		return "", err
	}
	e, err := l.startLinkEmu(host, SlowLink)
	if err != nil {
		return "", err
	}
	if l.emus == nil {
		l.emus = map[string]*linkEmu{}
	}
	l.emus[host] = e
	return "userspace link emulator " + SlowLink.String() + " each way (no netem in this kernel)", nil
}

// ImpairStats says how many frames the link emulator on host's link has
// passed and dropped each way ("" under netem or no impairment).
func (l *Lab) ImpairStats(host string) string {
	if e := l.emus[host]; e != nil {
		return e.counts()
	}
	return ""
}

// Unimpair removes Impair's qdisc or stops its link emulator.
func (l *Lab) Unimpair(host string) error {
	if e := l.emus[host]; e != nil {
		delete(l.emus, host)
		return e.stop()
	}
	return run("ip", "netns", "exec", l.ns(host), "tc", "qdisc", "del", "dev", "eth0", "root")
}

// Dialer returns a DialContext that opens connections from inside host's
// namespace, for an http.Transport in this process: the socket is made on
// a thread switched into the namespace, and keeps belonging to it after
// the thread switches back.
func (l *Lab) Dialer(host string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	path := "/run/netns/" + l.ns(host)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		type result struct {
			c   net.Conn
			err error
		}
		ch := make(chan result, 1)
		go func() {
			runtime.LockOSThread()
			c, err, back := dialInNS(ctx, path, network, addr)
			if back {
				runtime.UnlockOSThread()
			} // else the thread stays locked and dies with this goroutine
			ch <- result{c, err}
		}()
		r := <-ch
		return r.c, r.err
	}
}

// dialInNS switches the calling (locked) thread into the namespace at
// path, dials, and switches back; back reports whether it got back.
func dialInNS(ctx context.Context, path, network, addr string) (c net.Conn, err error, back bool) {
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, err, true
	}
	defer self.Close()
	target, err := os.Open(path)
	if err != nil {
		return nil, err, true
	}
	defer target.Close()
	if err := setns(target.Fd()); err != nil {
		return nil, fmt.Errorf("netdrill: enter %s: %w", path, err), true
	}
	d := net.Dialer{}
	c, err = d.DialContext(ctx, network, addr)
	return c, err, setns(self.Fd()) == nil
}

func setns(fd uintptr) error {
	return unix.Setns(int(fd), unix.CLONE_NEWNET)
}

// Close deletes every namespace of the lab (which removes their links).
func (l *Lab) Close() {
	for h, e := range l.emus {
		_ = e.stop()
		delete(l.emus, h)
	}
	for _, h := range l.hosts {
		_ = run("ip", "netns", "del", l.ns(h))
	}
	_ = run("ip", "netns", "del", l.ns("br"))
	l.hosts = nil
}

func run(name string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("netdrill: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}
