package netdrill

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/wire"
)

// Ports every node uses on its own address.
const (
	APIPort = 26680
	P2PPort = 26656
)

// Options shape a Cluster.
type Options struct {
	// Validators is the number of validators, named v0, v1, ... (default 4).
	Validators int
	// Sentry adds a sentry s0 in front of v0 (v0 then peers only with it).
	Sentry bool
	// Replica adds r0, a full node that is no validator (one to make a
	// validator by transaction).
	Replica bool
	// Workers is the number of load workers, each an HQ administrator of
	// its own in genesis (default 8).
	Workers int
	// NodeArgv gives the command (and extra environment) that runs one
	// node: TestNodeArgv in tests, `pnyx start ...` from the CLI.
	NodeArgv func(home, apiAddr, p2pAddr string) (argv, env []string)
	// Config adjusts every home's config.toml when it is written.
	Config func(*node.Config)
	// Flood adds Cluster.Flooder, one more HQ administrator in genesis,
	// for StartFlood.
	Flood bool
}

// Cluster is a pnyx network on a Lab: hosts, homes, node processes and a
// client that reaches them from the "client" namespace.
type Cluster struct {
	Lab    *Lab
	Hosts  []node.Host
	Homes  []string
	Admins []ed25519.PrivateKey
	// Admin is the genesis HQ administrator no load worker uses.
	Admin ed25519.PrivateKey
	// Flooder is the signer of StartFlood (with Options.Flood).
	Flooder ed25519.PrivateKey
	ChainID string

	opts   Options
	client *http.Client
	log    io.Writer // RunDrills' out, for remarks

	mu    sync.Mutex
	procs []*proc // nil while a node is stopped
	cut   map[int]bool
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// NewCluster builds the lab (one namespace per host plus "client"), writes
// the homes under dir with node.Network, and starts every node.
func NewCluster(ctx context.Context, dir string, opts Options) (*Cluster, error) {
	if opts.Validators == 0 {
		opts.Validators = 4
	}
	if opts.Workers == 0 {
		opts.Workers = 8
	}
	if opts.NodeArgv == nil {
		return nil, errors.New("netdrill: Options.NodeArgv is required")
	}
	var names []string
	for i := range opts.Validators {
		names = append(names, fmt.Sprintf("v%d", i))
	}
	if opts.Sentry {
		names = append(names, "s0")
	}
	if opts.Replica {
		names = append(names, "r0")
	}
	lab, err := NewLab(append(names, "client"))
	if err != nil {
		return nil, err
	}
	c := &Cluster{Lab: lab, ChainID: "pnyx-drill", opts: opts, cut: map[int]bool{}}
	ok := false
	defer func() {
		if !ok {
			c.Close()
		}
	}()
	for _, n := range names {
		h := node.Host{Name: n, Role: node.RoleValidator, IP: lab.IP(n), Port: P2PPort}
		switch n {
		case "s0":
			h.Role, h.Fronts = node.RoleSentry, "v0"
		case "r0":
			h.Role = node.RoleReplica
		}
		c.Hosts = append(c.Hosts, h)
	}
	var adminHex []string
	for range opts.Workers {
		_, k, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		c.Admins = append(c.Admins, k)
		adminHex = append(adminHex, hex.EncodeToString(k.Public().(ed25519.PublicKey)))
	}
	if opts.Flood {
		_, k, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		c.Flooder = k
		adminHex = append(adminHex, hex.EncodeToString(k.Public().(ed25519.PublicKey)))
	}
	c.Homes, c.Admin, err = launch.Network(dir, c.Hosts, launch.NetworkOptions{
		NetworkOptions: node.NetworkOptions{ChainID: c.ChainID, Config: opts.Config},
		Genesis:        func(g *modules.Genesis) { g.Admins = append(g.Admins, adminHex...) },
	})
	if err != nil {
		return nil, err
	}
	c.procs = make([]*proc, len(c.Hosts))
	c.client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		DialContext: lab.Dialer("client"), MaxIdleConnsPerHost: 32, DisableCompression: true}}
	for i := range c.Hosts {
		if err := c.Start(i); err != nil {
			return nil, err
		}
	}
	if err := c.WaitReady(ctx, c.all()); err != nil {
		return nil, err
	}
	ok = true
	return c, nil
}

func (c *Cluster) all() []int {
	var out []int
	for i := range c.Hosts {
		out = append(out, i)
	}
	return out
}

// Index is the position of the host named name.
func (c *Cluster) Index(name string) int {
	for i, h := range c.Hosts {
		if h.Name == name {
			return i
		}
	}
	panic("netdrill: no host " + name)
}

// APIURL is node i's API base URL (reachable through c's client).
func (c *Cluster) APIURL(i int) string {
	return fmt.Sprintf("http://%s:%d", c.Hosts[i].IP, APIPort)
}

// Start starts node i's process; its output goes to HOME/drill.log.
func (c *Cluster) Start(i int) error { return c.StartWith(i) }

// StartWith is Start with more environment for the node's process.
func (c *Cluster) StartWith(i int, env ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.procs[i] != nil {
		return fmt.Errorf("netdrill: %s is running", c.Hosts[i].Name)
	}
	h := c.Hosts[i]
	argv, nodeEnv := c.opts.NodeArgv(c.Homes[i], fmt.Sprintf("%s:%d", h.IP, APIPort), fmt.Sprintf("tcp://%s:%d", h.IP, P2PPort))
	cmd := c.Lab.Command(h.Name, argv...)
	cmd.Env = append(append(os.Environ(), nodeEnv...), env...)
	log, err := os.OpenFile(filepath.Join(c.Homes[i], "drill.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("netdrill: start %s: %w", h.Name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	c.procs[i] = p
	return nil
}

// Kill sends sig to node i and waits for the process to end.
func (c *Cluster) Kill(i int, sig syscall.Signal) error {
	c.mu.Lock()
	p := c.procs[i]
	c.procs[i] = nil
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("netdrill: %s did not stop within 30 s of %v; killed", c.Hosts[i].Name, sig)
	}
	if sig == syscall.SIGTERM && p.cmd.ProcessState != nil && !p.cmd.ProcessState.Success() {
		logPath := filepath.Join(c.Homes[i], "drill.log")
		return fmt.Errorf("netdrill: %s stopped with %v; the end of %s:\n%s", c.Hosts[i].Name, p.cmd.ProcessState, logPath, logTail(logPath, 20))
	}
	return nil
}

// logTail is the last n lines of a node's log: the test's temporary
// homes are gone by the time anyone reads a CI failure, so an error that
// only pointed at the file would say nothing.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Running lists the nodes whose process runs.
func (c *Cluster) Running() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for i, p := range c.procs {
		if p != nil {
			out = append(out, i)
		}
	}
	return out
}

// Reachable lists the running nodes whose link is not cut: where the load
// client sends its transactions.
func (c *Cluster) Reachable() []int {
	var out []int
	for _, i := range c.Running() {
		c.mu.Lock()
		cut := c.cut[i]
		c.mu.Unlock()
		if !cut {
			out = append(out, i)
		}
	}
	return out
}

// Cut partitions node i from every other host; Heal undoes it.
func (c *Cluster) Cut(i int) error {
	c.mu.Lock()
	c.cut[i] = true
	c.mu.Unlock()
	return c.Lab.Cut(c.Hosts[i].Name)
}

// Heal reconnects node i.
func (c *Cluster) Heal(i int) error {
	err := c.Lab.Heal(c.Hosts[i].Name)
	c.mu.Lock()
	delete(c.cut, i)
	c.mu.Unlock()
	return err
}

// Status reads node i's /v1/status.
func (c *Cluster) Status(ctx context.Context, i int) (wire.Status, error) {
	var s wire.Status
	err := c.getJSON(ctx, i, "/v1/status", &s)
	return s, err
}

func (c *Cluster) getJSON(ctx context.Context, i int, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", c.APIURL(i)+path, nil)
	if err != nil {
		return err
	}
	return c.do(req, out)
}

// post sends body, of contentType, to path on node i's API and decodes
// the answer into out.
func (c *Cluster) post(ctx context.Context, i int, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.APIURL(i)+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	return c.do(req, out)
}

// do sends req and decodes a 200 answer into out; any other status is an
// *httpError carrying the answer's body.
func (c *Cluster) do(req *http.Request, out any) error {
	res, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return &httpError{status: res.StatusCode, body: string(b)}
	}
	return json.Unmarshal(b, out)
}

type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// Heights reads the height of each listed node (-1 when it does not answer).
func (c *Cluster) Heights(ctx context.Context, nodes []int) []int64 {
	out := make([]int64, len(nodes))
	for k, i := range nodes {
		s, err := c.Status(ctx, i)
		if err != nil {
			out[k] = -1
			continue
		}
		out[k] = s.Height
	}
	return out
}

// WaitReady waits until every listed node answers its status with a
// height of at least 1.
func (c *Cluster) WaitReady(ctx context.Context, nodes []int) error {
	return c.WaitHeight(ctx, nodes, 1)
}

// WaitHeight waits until every listed node has committed height h.
func (c *Cluster) WaitHeight(ctx context.Context, nodes []int, h int64) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		hs := c.Heights(ctx, nodes)
		ok := true
		for _, x := range hs {
			ok = ok && x >= h
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("netdrill: nodes %v at heights %v did not all reach %d: %w", c.names(nodes), hs, h, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// MaxHeight is the highest height any listed node reports.
func (c *Cluster) MaxHeight(ctx context.Context, nodes []int) int64 {
	var m int64
	for _, h := range c.Heights(ctx, nodes) {
		m = max(m, h)
	}
	return m
}

func (c *Cluster) names(nodes []int) []string {
	var out []string
	for _, i := range nodes {
		out = append(out, c.Hosts[i].Name)
	}
	return out
}

// Close stops every node (kill -9: the homes are thrown away) and deletes
// the lab.
func (c *Cluster) Close() {
	if c.procs != nil {
		for i := range c.procs {
			_ = c.Kill(i, syscall.SIGKILL)
		}
	}
	if c.client != nil {
		c.client.CloseIdleConnections()
	}
	c.Lab.Close()
}
