package netdrill

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/store"
)

// NodeEnv, set in a process's environment, makes MaybeRunNode run a pnyx
// node instead of returning: the test binary re-executes itself this way,
// so the drill's nodes run launch.Start exactly as `pnyx start` does
// without building the pnyx binary.
const NodeEnv = "PNYX_NETDRILL_NODE"

// StopInSaveEnv, "FILE|HEIGHT" in a test node's environment, stops the
// node inside the save of its first version at or above HEIGHT: the save
// writes the version to FILE and then never goes on, so a drill that sees
// FILE and kills the node kills it inside a save for certain.
const StopInSaveEnv = "PNYX_NETDRILL_STOP_IN_SAVE"

// TestNodeArgv is Options.NodeArgv for a test binary whose TestMain calls
// MaybeRunNode.
func TestNodeArgv(home, apiAddr, p2pAddr string) ([]string, []string) {
	return []string{os.Args[0]}, []string{NodeEnv + "=" + strings.Join([]string{home, apiAddr, p2pAddr}, "|")}
}

// MaybeRunNode runs a node and exits if NodeEnv is set; otherwise it
// returns at once. Call it first in TestMain.
func MaybeRunNode() {
	spec := os.Getenv(NodeEnv)
	if spec == "" {
		return
	}
	f := strings.Split(spec, "|")
	if len(f) != 3 {
		fmt.Fprintf(os.Stderr, "netdrill: %s=%q: want HOME|API|P2P\n", NodeEnv, spec)
		os.Exit(2)
	}
	if stop := os.Getenv(StopInSaveEnv); stop != "" {
		if err := stopInSave(stop); err != nil {
			fmt.Fprintf(os.Stderr, "netdrill: %s=%q: %v\n", StopInSaveEnv, stop, err)
			os.Exit(2)
		}
	}
	r, err := launch.Start(f[0], launch.Options{APIAddr: f[1], P2PAddr: f[2], Node: node.Options{LogLevel: "error"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("netdrill node: home %s, API %s\n", f[0], r.APIURL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	if err := r.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// stopInSave installs the store's save hook StopInSaveEnv describes.
func stopInSave(spec string) error {
	file, h, ok := strings.Cut(spec, "|")
	at, err := strconv.ParseInt(h, 10, 64)
	if !ok || err != nil || file == "" {
		return fmt.Errorf("want FILE|HEIGHT")
	}
	store.BeforeAsyncSaveForTesting = func(version int64) {
		if version < at {
			return
		}
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, []byte(strconv.FormatInt(version, 10)), 0o600); err == nil {
			err = os.Rename(tmp, file)
		}
		select {} // inside the save, until the drill kills the node
	}
	return nil
}
