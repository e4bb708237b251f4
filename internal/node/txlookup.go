package node

import (
	"encoding/binary"
	"errors"
	"fmt"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
)

// TxLookupDB is the name of the durable tx lookup's database in HOME/data
// (HOME/data/txlookup.db): tx hash -> (height, index) of its first
// inclusion that succeeded (else its first), and the last height recorded. It is derived from the stored
// blocks, so it survives restarts and crashes (FindTx and WaitTx find a tx
// committed before the node started) and can be deleted: the next start
// rebuilds it from the block store. Entries are written before the height
// that covers them, so a crash leaves nothing missing, at worst entries
// that are written again.
const TxLookupDB = "txlookup"

var lastIndexedKey = []byte("last")

func lookupKey(hash []byte) []byte { return append([]byte("h/"), hash...) }

// openTxLookup opens the lookup and returns the height to follow from.
func openTxLookup(conf *cfg.Config) (dbm.DB, int64, error) {
	db, err := dbProvider(&cfg.DBContext{ID: TxLookupDB, Config: conf})
	if err != nil {
		return nil, 0, fmt.Errorf("node: open tx lookup: %w", err)
	}
	b, err := db.Get(lastIndexedKey)
	if err != nil {
		db.Close()
		return nil, 0, fmt.Errorf("node: read tx lookup: %w", err)
	}
	var last int64
	if len(b) == 8 {
		last = int64(binary.BigEndian.Uint64(b))
	}
	return db, last, nil
}

// recordTxs adds a committed block's txs to the lookup.
func (n *Node) recordTxs(b *CommittedBlock) error {
	for i, tx := range b.Txs {
		hash := TxHash(tx)
		// The same tx bytes can be included twice. Keep the first inclusion
		// that changed state (the app refuses a replay of it); a failed one
		// changed nothing and left the nonce unused, so a later copy sent by
		// a client trying again supersedes it, as in the recent-tx cache.
		if had, err := n.lookup.Has(lookupKey(hash)); err != nil {
			return err
		} else if had {
			if old, found := n.lookupTx(hash); found && (old.Code == 0 || b.Results[i].Code != 0) {
				continue
			}
		}
		key := lookupKey(hash)
		v := binary.BigEndian.AppendUint64(nil, uint64(b.Height))
		v = binary.BigEndian.AppendUint32(v, uint32(i))
		if err := n.lookup.Set(key, v); err != nil {
			return err
		}
	}
	return n.lookup.Set(lastIndexedKey, binary.BigEndian.AppendUint64(nil, uint64(b.Height)))
}

// lookupTx finds a committed tx through the lookup and the stored block.
func (n *Node) lookupTx(hash []byte) (TxOutcome, bool) {
	if len(hash) != 32 {
		return TxOutcome{}, false
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.stopped {
		return TxOutcome{}, false
	}
	v, err := n.lookup.Get(lookupKey(hash))
	if err != nil || len(v) != 12 {
		return TxOutcome{}, false
	}
	height, idx := int64(binary.BigEndian.Uint64(v)), int(binary.BigEndian.Uint32(v[8:]))
	if _, err := n.checkHeight(height); err != nil {
		return TxOutcome{}, false
	}
	b, err := n.storedBlock(height)
	if err != nil || idx >= len(b.Txs) || string(b.TxHash(idx)) != string(hash) {
		if err != nil && !errors.Is(err, ErrHeightNotAvailable) {
			n.logger.Error("pnyx tx lookup", "height", height, "err", err)
		}
		return TxOutcome{}, false
	}
	return outcomeOf(b, idx), true
}
