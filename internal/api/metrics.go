package api

import (
	"github.com/prometheus/client_golang/prometheus"
)

// BlobStatus is what a BlobSource may also report for the metrics
// (package blobsync's Syncer does).
type BlobStatus interface {
	Status() (height int64, missing int, fetched int64, lastErr string)
}

// registerNodeSideMetrics adds the metrics of the node-side followers of
// committed blocks: how far the search index lags the application
// (alerted on in deploy/prometheus/alerts.yml) and how many referenced
// blobs this node still lacks. Both are gauges read at scrape time.
func (s *Server) registerNodeSideMetrics() {
	if s.app != nil && s.opts.Index != nil {
		x := s.opts.Index
		s.register(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pnyx_index_height", Help: "Last block the search index has applied."},
				func() float64 { return float64(x.Height()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pnyx_index_lag_blocks", Help: "Blocks committed but not yet in the search index (petitions, comments, search lag by this much)."},
				func() float64 { return float64(max(s.app.Store().Version()-x.Height(), 0)) }))
	}
	if bs, ok := s.opts.BlobSource.(BlobStatus); ok {
		s.register(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pnyx_blobs_missing", Help: "Blobs committed transactions reference that this node does not hold yet (package blobsync)."},
				func() float64 { _, n, _, _ := bs.Status(); return float64(n) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "pnyx_blobs_fetched_total", Help: "Blobs fetched from peers and verified since the start."},
				func() float64 { _, _, n, _ := bs.Status(); return float64(n) }))
	}
}

// register adds cs to the API's registry and to Options.AlsoRegister. The
// API's /metrics stays pnyx's own: CometBFT's per-peer metrics name peer
// node IDs, which the public API port should not show.
func (s *Server) register(cs ...prometheus.Collector) {
	s.reg.MustRegister(cs...)
	if s.opts.AlsoRegister != nil {
		s.opts.AlsoRegister.MustRegister(cs...)
	}
}
