package launch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/node"
)

// IndexPath is where the search index lives in a home. It is derived from
// the blocks: deleting it is safe, and the next start (or `pnyx reindex`)
// rebuilds it.
func IndexPath(home string) string { return filepath.Join(home, "data", "index.sqlite") }

// indexer feeds the index from committed blocks in the background.
type indexer struct {
	x      *index.Index
	cancel context.CancelFunc
	done   chan error
}

// startIndexer opens the index and follows the node from the index's height
// on; a missing index file is rebuilt from block 1 this way.
func startIndexer(home string, n *node.Node) (*indexer, error) {
	x, err := index.Open(IndexPath(home))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ix := &indexer{x: x, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := x.Follow(ctx, n, nil)
		if errors.Is(err, context.Canceled) || errors.Is(err, node.ErrStopped) {
			err = nil
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "pnyx: indexer stopped:", err)
		}
		ix.done <- err
	}()
	return ix, nil
}

// stop ends the follower and closes the index.
func (ix *indexer) stop() error {
	if ix == nil {
		return nil
	}
	ix.cancel()
	err := <-ix.done
	return errors.Join(err, ix.x.Close())
}

// Reindex deletes the home's index and rebuilds it from the stored blocks,
// calling progress after each block with the height and the last height. The
// node must not be running: Reindex opens its stores without starting it.
func Reindex(home string, progress func(h, last int64)) (*index.Index, error) {
	if !node.IsInitialized(home) {
		return nil, fmt.Errorf("launch: %s is not initialized", home)
	}
	// Opening the state and the node's stores first fails while a node runs
	// on this home (their databases are locked), before anything is deleted.
	app, st, err := NewApp(home, chain.Options{})
	if err != nil {
		return nil, fmt.Errorf("launch: open the state (is the node still running?): %w", err)
	}
	defer st.Close()
	n, err := node.New(home, app, Quiet())
	if err != nil {
		return nil, err
	}
	defer n.Stop()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(IndexPath(home) + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	x, err := index.Open(IndexPath(home))
	if err != nil {
		return nil, err
	}
	last := n.LatestHeight()
	if last == 0 {
		return x, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = n.Follow(ctx, 1, func(b node.CommittedBlock) error {
		if err := x.ApplyBlock(b); err != nil {
			return err
		}
		if progress != nil {
			progress(b.Height, last)
		}
		if b.Height >= last {
			cancel()
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		x.Close()
		return nil, err
	}
	return x, nil
}
