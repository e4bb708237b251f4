package node

import (
	"bytes"
	"fmt"

	cfg "github.com/cometbft/cometbft/config"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/store"
	"github.com/cometbft/cometbft/types"
)

// Head is what CheckStores established about a stopped home's last block.
type Head struct {
	ChainID string
	Height  int64
	// AppHash is the app hash this node's application computed after
	// Height (its stored FinalizeBlock response).
	AppHash []byte
	// SignedAppHash is the app hash after Height-1 as header Height
	// carries it — signed by the validators (Signed).
	SignedAppHash []byte
	// Signed is the voting power that signed header Height, of Total.
	Signed, Total int64
}

// CheckStores checks a stopped home's block and state stores without
// trusting them: its last block's header is signed by validators holding
// more than 2/3 of the power of the set the state store holds for that
// height, the set hashes to the header's validators hash, and the node's
// own app hash after the previous block is the one that header carries.
// Snapshot export and restore (package launch) run it, then compare the
// application's state tree with AppHash and SignedAppHash.
func CheckStores(home string) (Head, error) {
	c, err := LoadConfig(home)
	if err != nil {
		return Head{}, err
	}
	bdb, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "blockstore", Config: c})
	if err != nil {
		return Head{}, fmt.Errorf("node: open block store of %s: %w", home, err)
	}
	defer bdb.Close()
	sdb, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "state", Config: c})
	if err != nil {
		return Head{}, fmt.Errorf("node: open state store of %s: %w", home, err)
	}
	defer sdb.Close()
	bs := store.NewBlockStore(bdb)
	ss := sm.NewStore(sdb, sm.StoreOptions{})
	st, err := ss.Load()
	if err != nil {
		return Head{}, fmt.Errorf("node: state of %s: %w", home, err)
	}
	h := st.LastBlockHeight
	if h < 2 || bs.Height() < h {
		return Head{}, fmt.Errorf("node: %s has %d block(s) executed (%d stored); a snapshot needs at least 2", home, h, bs.Height())
	}
	meta := bs.LoadBlockMeta(h)
	commit := bs.LoadSeenCommit(h)
	if meta == nil || commit == nil {
		return Head{}, fmt.Errorf("node: block %d or its commit is missing from %s", h, home)
	}
	vals, err := ss.LoadValidators(h)
	if err != nil {
		return Head{}, fmt.Errorf("node: validators at %d: %w", h, err)
	}
	if !bytes.Equal(vals.Hash(), meta.Header.ValidatorsHash) {
		return Head{}, fmt.Errorf("node: the validator set stored for %d is not the one header %d names", h, h)
	}
	if err := vals.VerifyCommitLight(st.ChainID, meta.BlockID, h, commit); err != nil {
		return Head{}, fmt.Errorf("node: header %d is not signed by 2/3 of its validators: %w", h, err)
	}
	head := Head{ChainID: st.ChainID, Height: h, SignedAppHash: meta.Header.AppHash, Total: vals.TotalVotingPower()}
	for i, sig := range commit.Signatures {
		if sig.BlockIDFlag == types.BlockIDFlagCommit && i < len(vals.Validators) {
			head.Signed += vals.Validators[i].VotingPower
		}
	}
	res, err := ss.LoadFinalizeBlockResponse(h)
	if err != nil {
		return Head{}, fmt.Errorf("node: results of %d: %w", h, err)
	}
	prev, err := ss.LoadFinalizeBlockResponse(h - 1)
	if err != nil {
		return Head{}, fmt.Errorf("node: results of %d: %w", h-1, err)
	}
	if !bytes.Equal(prev.AppHash, meta.Header.AppHash) {
		return Head{}, fmt.Errorf("node: app hash after %d is %X here but %X in the signed header %d", h-1, prev.AppHash, meta.Header.AppHash, h)
	}
	head.AppHash = res.AppHash
	return head, nil
}

// BlockCount is how many blocks a home's block store holds (0 for a new
// home, or one never started).
func BlockCount(home string) (int64, error) {
	c, err := LoadConfig(home)
	if err != nil {
		return 0, err
	}
	bdb, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "blockstore", Config: c})
	if err != nil {
		return 0, err
	}
	defer bdb.Close()
	return store.NewBlockStore(bdb).Height(), nil
}

var _ = types.BlockID{}
