package node

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"
)

// Config is CometBFT's configuration, re-exported so callers can adjust a
// loaded configuration (Options.Config) without importing CometBFT.
type Config = cfg.Config

// The pnyx defaults that differ from CometBFT's. Each one is written into
// config.toml by Init/Testnet, so an operator sees (and may change) them.
const (
	// DefaultTimeoutCommit is how long a validator waits after committing a
	// block before proposing the next one, and so the latency floor of a
	// tx submitted while the chain is busy. CometBFT's default of 1 s caps a
	// single node at one block per second. Measured on the 2-core dev box,
	// one validator, trivial app, 200,000 250-byte txs from 8 goroutines
	// (PNYX_MEASURE=1 go test ./node -run MeasureTimeoutCommit -v):
	//
	//	timeout_commit  committed tx/s  lone tx submit->commit
	//	  50 ms          47,000           55 ms
	//	 100 ms          62,000          104 ms
	//	 200 ms          61,000          205 ms
	//	 300 ms          54,000          305 ms
	//	 500 ms          44,000          511 ms
	//	1000 ms          24,000         1006 ms
	//
	// 200 ms keeps the best throughput with half the blocks of 100 ms
	// under light steady load (each block costs fsyncs and ~1 KB of header
	// and signatures), and answers a client within a quarter second.
	DefaultTimeoutCommit = 200 * time.Millisecond

	// DefaultEmptyBlocksInterval: with empty blocks on every timeout_commit a
	// quiet chain would still write ~290,000 blocks a day. Waiting up to this
	// long for a tx before making an empty block keeps idle chains small;
	// a tx that arrives wakes the proposer immediately, and CometBFT still
	// makes the "proof block" right after any block that changed the app hash,
	// so every state change gets a header carrying its app hash (what light
	// client proofs verify against).
	DefaultEmptyBlocksInterval = 30 * time.Second

	// DefaultMempoolSize: CometBFT's 5,000-tx mempool rejects bursts (a bulk
	// member import, a vote closing). 50,000 txs is ~10 s of traffic at the
	// throughput target.
	DefaultMempoolSize = 50_000

	// DefaultMempoolMaxTxsBytes bounds the mempool's memory: 50,000 txs of
	// up to ~5 KiB average. pnyx txs are a few hundred bytes, so the count,
	// not the bytes, is the limit that normally applies.
	DefaultMempoolMaxTxsBytes = 256 << 20

	// DefaultMempoolCacheSize: the cache remembers recently seen tx hashes so
	// a resubmitted tx is answered without another CheckTx. It must be at least
	// as large as the mempool, or txs still pending fall out of it.
	DefaultMempoolCacheSize = 100_000

	// DefaultMaxSubscriptionsPerClient: CometBFT allows 5 event subscriptions
	// per RPC client; tools that wait for several txs at once hit that limit.
	// (pnyx itself waits for txs through WaitTx, which uses no subscriptions.)
	DefaultMaxSubscriptionsPerClient = 100

	// MultiValidatorGossip is used for flush_throttle_timeout and
	// peer_gossip_sleep_duration on multi-validator networks: the v0.38
	// defaults (100 ms each) dominate commit latency on a fast network.
	// Measured with 4 in-process validators on loopback, trivial app,
	// timeout_commit 200 ms (PNYX_MEASURE=1 go test ./node -run
	// MeasureFourValidators -v): a lone tx from submission to commit takes
	// 250 ms at 10 ms against 530 ms at 100 ms; a burst of 50,000 250-byte
	// txs commits at ~7,500 tx/s either way.
	MultiValidatorGossip = 10 * time.Millisecond

	// WANTimeoutPropose and WANTimeoutVote replace CometBFT's 3 s
	// timeout_propose and 1 s timeout_prevote/timeout_precommit on
	// multi-validator networks (issue 12, finding 7). A round whose
	// proposer is down costs timeout_propose, then timeout_precommit once
	// the others' nil precommits arrive, then a new round; with one of
	// four validators down that was every fourth height, and throughput
	// fell to a fifth. Measured on 4 validators as separate processes on
	// namespaced hosts, 16 clients each with one tx in flight, one
	// validator killed (pnyx network bench --down 1 --timeout-propose P
	// --timeout-vote V; docs/performance.md):
	//
	//	propose / vote     tx/s   blocks/s   p99 commit
	//	3 s / 1 s          9.9     0.65       4.4 s   (CometBFT's defaults)
	//	1 s / 1 s         16.3     1.05       2.6 s
	//	1 s / 500 ms      21.2     1.35       2.0 s   (chosen)
	//	500 ms / 200 ms   24.7     1.75       1.4 s
	//	all four up       53.6     3.40       0.7 s
	//
	// 1 s leaves a proposer on the party's WAN (18 nodes in one country,
	// round trips of tens of ms) time to send a block of several MB before
	// the others give up on it; each further round adds the deltas
	// (500 ms), so a slow proposal costs one round, never liveness. The
	// 500 ms gain of the shortest setting is 12 % with 18 validators (one
	// height in 18), not worth rounds failing on big blocks.
	WANTimeoutPropose = time.Second
	WANTimeoutVote    = 500 * time.Millisecond
)

// pnyxConfig returns CometBFT's default config with pnyx's choices applied.
func pnyxConfig(home string) *cfg.Config {
	c := cfg.DefaultConfig()
	c.SetRoot(home)

	// Errors only: the consensus engine's info logs (every block, every
	// vote) drown out pnyx's own output. Options.LogLevel overrides.
	c.LogLevel = "error"

	// CometBFT's own tx index is written asynchronously after commit (so it
	// lags and a "committed" tx may not be found yet), and it indexes every
	// event attribute forever, which fills disks. pnyx reads committed blocks
	// from the block and state stores (Follow) and indexes what it needs.
	c.TxIndex.Indexer = "null"

	// Keep every block's FinalizeBlock response (tx codes, logs, events, app
	// hash): Follow, BlockResults and WaitTx read them back, and the pnyx
	// index is rebuilt from them.
	c.Storage.DiscardABCIResponses = false

	c.Mempool.Size = DefaultMempoolSize
	c.Mempool.MaxTxsBytes = DefaultMempoolMaxTxsBytes
	c.Mempool.CacheSize = DefaultMempoolCacheSize

	c.RPC.MaxSubscriptionsPerClient = DefaultMaxSubscriptionsPerClient

	c.Consensus.TimeoutCommit = DefaultTimeoutCommit
	c.Consensus.CreateEmptyBlocks = true
	c.Consensus.CreateEmptyBlocksInterval = DefaultEmptyBlocksInterval

	// pnyx is permissioned: validators and their sentries are listed in
	// persistent_peers, and there is nothing to discover. Peer exchange
	// would also gossip the addresses of whatever nodes connect. (With PEX
	// off CometBFT never starts the address book, whose save routine would
	// otherwise write addrbook.json after Stop has returned.)
	c.P2P.PexReactor = false

	// Accept only configured peers: persistent peers, unconditional peer
	// IDs and HOME/config/allowed_peers (peers.go). Without it any node that
	// has the genesis may connect and sync every block.
	c.FilterPeers = true

	// The pnyx HTTP API serves /metrics; CometBFT's Prometheus server would
	// register into the global registry, which breaks several nodes in one
	// process (tests, testnets).
	c.Instrumentation.Prometheus = false
	return c
}

// tuneMultiValidator applies the settings that matter once blocks travel
// between validators.
func tuneMultiValidator(c *cfg.Config) {
	c.P2P.FlushThrottleTimeout = MultiValidatorGossip
	c.Consensus.PeerGossipSleepDuration = MultiValidatorGossip
	c.Consensus.TimeoutPropose = WANTimeoutPropose
	c.Consensus.TimeoutPrevote = WANTimeoutVote
	c.Consensus.TimeoutPrecommit = WANTimeoutVote
}

// configPath is HOME/config/config.toml.
func configPath(home string) string {
	return filepath.Join(home, cfg.DefaultConfigDir, cfg.DefaultConfigFileName)
}

// LoadConfig reads HOME/config/config.toml the way the cometbft binary does
// (viper over the default config, so keys missing from the file keep
// CometBFT's defaults) and validates it.
func LoadConfig(home string) (*Config, error) {
	home, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	path := configPath(home)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("node: %s is not an initialized home (run pnyx init): %w", home, err)
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("node: read %s: %w", path, err)
	}
	c := cfg.DefaultConfig()
	if err := v.Unmarshal(c); err != nil {
		return nil, fmt.Errorf("node: parse %s: %w", path, err)
	}
	c.SetRoot(home)
	if err := c.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("node: invalid %s: %w", path, err)
	}
	return c, nil
}
