//go:build unix

package store

import "syscall"

// openTables is how many tables each LevelDB keeps open (goleveldb's
// default is 500): an open table keeps its index and Bloom filter in
// memory when there is no block cache, and reopening one reads both again.
// A million members make about 280 tables of 8 MiB, three million about
// 1,100. Each store opens two LevelDBs beside CometBFT's files and the
// node's sockets, so they take at most a quarter of the process's file
// limit each (Go raises the soft limit to the hard one at start).
func openTables() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 500
	}
	return int(min(max(l.Cur/4, 64), 4096))
}
