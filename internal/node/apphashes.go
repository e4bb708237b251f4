package node

import (
	"errors"
	"fmt"

	cfg "github.com/cometbft/cometbft/config"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/store"
)

// StoredAppHashes reads a stopped node's home and returns, for every block
// it stores, the app hash its own application computed after that block:
// hashes[i] is the app hash after block base+i. Comparing these across the
// homes of a network shows at which heights, if any, nodes diverged (fault
// drills, package netdrill). The home must not be in use.
func StoredAppHashes(home string) (base int64, hashes [][]byte, err error) {
	c, err := LoadConfig(home)
	if err != nil {
		return 0, nil, err
	}
	bdb, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "blockstore", Config: c})
	if err != nil {
		return 0, nil, fmt.Errorf("node: open block store of %s: %w", home, err)
	}
	defer bdb.Close()
	sdb, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "state", Config: c})
	if err != nil {
		return 0, nil, fmt.Errorf("node: open state store of %s: %w", home, err)
	}
	defer sdb.Close()
	bs := store.NewBlockStore(bdb)
	ss := sm.NewStore(sdb, sm.StoreOptions{})
	base = bs.Base()
	for h := base; h >= 1 && h <= bs.Height(); h++ {
		res, err := ss.LoadFinalizeBlockResponse(h)
		var none sm.ErrNoABCIResponsesForHeight
		switch {
		case errors.As(err, &none) && h == bs.Height():
			// Killed after saving the block, before executing it: the
			// node replays it at its next start.
			return base, hashes, nil
		case errors.As(err, &none):
			// An empty response encodes to no bytes (loadResults).
			hashes = append(hashes, nil)
		case err != nil:
			return 0, nil, fmt.Errorf("node: results of %s at %d: %w", home, h, err)
		default:
			hashes = append(hashes, res.AppHash)
		}
	}
	return base, hashes, nil
}
