//go:build !unix

package store

// openTables is goleveldb's default where the file limit cannot be read.
func openTables() int { return 500 }
