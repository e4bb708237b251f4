package nodetest

import abci "github.com/cometbft/cometbft/abci/types"

// App returns the application of running validator i (nil while stopped), so
// a test can inspect the state each validator built.
func (net *Network) App(i int) abci.Application { return net.apps[i] }
