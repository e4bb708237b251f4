package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cometbft/cometbft/blocksync"
	cfg "github.com/cometbft/cometbft/config"
	cs "github.com/cometbft/cometbft/consensus"
	mempl "github.com/cometbft/cometbft/mempool"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/statesync"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// CometBFT's metrics register themselves in Prometheus's global registry,
// so a second node in one process (a test, a restart in the same process)
// would panic on a duplicate metric, and CometBFT's own metrics server
// serves whatever else is in that registry. Each Node instead builds its
// metrics in a registry of its own (metricsProvider) and serves it itself
// (serveMetrics).

// registerMu serializes the swap of the global registerer below.
var registerMu sync.Mutex

// metricsAddr decides where a node serves its consensus metrics: the
// option if given, else config.toml's prometheus_listen_addr when
// prometheus = true; "" for nowhere (the default). CometBFT's own server
// is turned off either way.
func metricsAddr(conf *cfg.Config, opt string) string {
	addr := opt
	if addr == "" && conf.Instrumentation.IsPrometheusEnabled() {
		addr = conf.Instrumentation.PrometheusListenAddr
	}
	conf.Instrumentation.Prometheus = false
	return addr
}

// metricsProvider builds CometBFT's metrics into reg (nop metrics when reg
// is nil).
func metricsProvider(conf *cfg.Config, reg *prometheus.Registry) cmtnode.MetricsProvider {
	instr := *conf.Instrumentation
	instr.Prometheus = reg != nil
	def := cmtnode.DefaultMetricsProvider(&instr)
	if reg == nil {
		return def
	}
	return func(chainID string) (*cs.Metrics, *p2p.Metrics, *mempl.Metrics, *sm.Metrics, *proxy.Metrics, *blocksync.Metrics, *statesync.Metrics) {
		registerMu.Lock()
		defer registerMu.Unlock()
		old := prometheus.DefaultRegisterer
		prometheus.DefaultRegisterer = reg
		defer func() { prometheus.DefaultRegisterer = old }()
		return def(chainID)
	}
}

// serveMetrics listens on addr and serves reg at /metrics until stopped.
func serveMetrics(addr string, reg *prometheus.Registry) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("node: metrics listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{MaxRequestsInFlight: 4}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was ours; nothing else closes it
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
