// Package kv holds the two interfaces modules read and write state through:
// KV while a block executes, Reader for reads. Package store implements them
// with the Merkleized tree; this package names no tree, so the modules, and
// the offline verifiers built on their record types (package certificate),
// link no iavl or LevelDB.
package kv

// KV is the view of state a module sees while a block executes.
type KV interface {
	// Get returns the value or nil if the key is absent.
	Get(key []byte) []byte
	Set(key, value []byte)
	Delete(key []byte)
	// Iterate calls fn for each key with prefix in ascending key order until fn
	// returns false.
	Iterate(prefix []byte, fn func(key, value []byte) bool)
}

// Reader is the read-only half of KV, implemented by snapshots too.
type Reader interface {
	Get(key []byte) []byte
	Iterate(prefix []byte, fn func(key, value []byte) bool)
}
