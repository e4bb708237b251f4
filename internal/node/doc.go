// Package node runs CometBFT v0.38 in-process around any ABCI application.
//
// pnyx is one binary: the consensus engine, the application and the HTTP API
// live in the same process, and talk through Go calls instead of sockets. This
// package owns everything CometBFT-shaped so that the rest of pnyx never has
// to import CometBFT's node, config or store packages.
//
// A home directory is the usual CometBFT layout:
//
//	HOME/config/config.toml             engine settings (pnyx defaults, see config.go)
//	HOME/config/genesis.json            chain ID, validators, pnyx app_state
//	HOME/config/node_key.json           p2p identity
//	HOME/config/priv_validator_key.json validator signing key (0600)
//	HOME/config/allowed_peers           node IDs allowed besides persistent peers (optional)
//	HOME/data/                          block store, state store, WAL, validator state
//	HOME/data/txlookup.db               tx hash -> height, index (derived from blocks)
//
// Typical use:
//
//	// once, on a fresh machine
//	err := node.Init(home, node.InitOptions{ChainID: "pnyx-1", AppState: appState})
//
//	// every start
//	n, err := node.New(home, app, node.Options{})
//	err = n.Start()
//	defer n.Stop()
//	res, err := n.BroadcastTxSync(ctx, txBytes) // CheckTx, like RPC broadcast_tx_sync
//	out, err := n.WaitTx(ctx, node.TxHash(txBytes)) // until committed
//
// For a local multi-validator network, Testnet writes N homes that share one
// genesis and peer with each other on loopback; start each with New+Start (in
// one process or in N processes).
//
// Committed blocks are read from CometBFT's block and state stores, never
// from an event subscription: Follow delivers every committed block in order,
// with its tx results, from any height, and is what the pnyx index is built
// on. A block counts as committed once the application's Commit has returned,
// so a caller woken by WaitTx or Follow can immediately query the new state.
//
// A node accepts only configured peers: new homes set filter_peers, and the
// node answers CometBFT's filter queries from persistent_peers,
// unconditional_peer_ids and HOME/config/allowed_peers (peers.go). Homes
// made by Init listen for peers on loopback and leave CometBFT's RPC off.
//
// Health reports healthy, catching_up, halted (no commit for longer than
// blocks come, or consensus stopped) or diverged (the validators committed
// another app hash than this node's app computed); pnyx's API stops
// serving reads from a diverged node.
//
// Stop closes every database; a new Node on the same home (in the same
// process or another) resumes from disk.
//
// CometBFT v0.38 behaviours this package works around, each explained where
// it is handled:
//
//   - the mempool can answer CheckTx "OK" and then drop the tx when it fills
//     up concurrently (BroadcastTxSync serializes and keeps headroom);
//   - Stop closes the block store under goroutines that still read it, which
//     panics (closeSafeDB);
//   - an empty block with an empty app hash has results stored as zero bytes,
//     later reported as missing (loadResults);
//   - a persistent peer's reconnect loop can leave an open connection behind
//     after Stop, so a validator restarted in the same process is rejected
//     as a duplicate (collectLeakedConns);
//   - the tx indexer lags commit and the default mempool is 5,000 txs
//     (pnyxConfig).
//
// nodetest holds a trivial ABCI app (CounterApp), a load generator (Load)
// and the multi-validator scenario (RunScenario) for tests and benchmarks.
package node
