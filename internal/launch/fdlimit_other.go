//go:build !unix

package launch

// fdLimit is unknown off Unix; the API then gets DefaultAPIMaxConns.
func fdLimit() uint64 { return 0 }
