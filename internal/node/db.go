package node

import (
	"errors"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
)

// errDBClosed is returned by writes to a database after Stop.
var errDBClosed = errors.New("node: database closed")

// dbProvider opens CometBFT's databases as usual, wrapped in closeSafeDB.
func dbProvider(ctx *cfg.DBContext) (dbm.DB, error) {
	db, err := cfg.DefaultDBProvider(ctx)
	if err != nil {
		return nil, err
	}
	return &closeSafeDB{DB: db}, nil
}

// closeSafeDB makes reads after Close harmless. CometBFT v0.38's Stop closes
// the block store while per-peer consensus goroutines (queryMaj23Routine,
// which sleeps peer_query_maj23_sleep_duration between checks and does not
// watch for shutdown) may still wake up and read it; the block store panics
// on any read error ("leveldb: closed"), which would crash the process on a
// clean SIGTERM or while a test restarts a validator. After Close, reads
// find nothing and iterators are empty, which those goroutines treat as
// "nothing to do". The real database is closed at once, so its file lock is
// released and a new Node can open the same home.
type closeSafeDB struct {
	dbm.DB
	mu     sync.RWMutex
	closed bool
}

func (d *closeSafeDB) Get(key []byte) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, nil
	}
	return d.DB.Get(key)
}

func (d *closeSafeDB) Has(key []byte) (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false, nil
	}
	return d.DB.Has(key)
}

func (d *closeSafeDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return dbm.NewMemDB().Iterator(start, end)
	}
	return d.DB.Iterator(start, end)
}

func (d *closeSafeDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return dbm.NewMemDB().ReverseIterator(start, end)
	}
	return d.DB.ReverseIterator(start, end)
}

func (d *closeSafeDB) write(f func() error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return f()
}

func (d *closeSafeDB) Set(k, v []byte) error {
	return d.write(func() error { return d.DB.Set(k, v) })
}

func (d *closeSafeDB) SetSync(k, v []byte) error {
	return d.write(func() error { return d.DB.SetSync(k, v) })
}

func (d *closeSafeDB) Delete(k []byte) error {
	return d.write(func() error { return d.DB.Delete(k) })
}

func (d *closeSafeDB) DeleteSync(k []byte) error {
	return d.write(func() error { return d.DB.DeleteSync(k) })
}

func (d *closeSafeDB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.DB.Close()
}
