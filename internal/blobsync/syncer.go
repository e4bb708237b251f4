package blobsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/tx"
)

// Refs returns the blob hashes the successful transactions of b reference:
// minutes and erratum minutes that do not travel inline. Undecodable or
// failed transactions reference nothing.
func Refs(b node.CommittedBlock) []string {
	var out []string
	for i, raw := range b.Txs {
		if i >= len(b.Results) || b.Results[i].Code != 0 {
			continue
		}
		env, err := tx.Decode(raw)
		if err != nil {
			continue
		}
		switch env.Type {
		case assembly.TypeMinutes:
			var body assembly.MinutesBody
			if json.Unmarshal(env.Body, &body) == nil && body.Content == "" && ValidHash(body.Hash) {
				out = append(out, body.Hash)
			}
		case assembly.TypeErratum:
			var body assembly.ErratumBody
			if json.Unmarshal(env.Body, &body) == nil && body.NewMinutes != nil && body.NewMinutesContent == "" && ValidHash(body.NewMinutes.Hash) {
				out = append(out, body.NewMinutes.Hash)
			}
		}
	}
	return out
}

// Blocks is what a Syncer follows: *node.Node.
type Blocks interface {
	Follow(ctx context.Context, fromHeight int64, fn func(node.CommittedBlock) error) error
}

// Retry bounds: a missing blob is asked for again after RetryMin, doubling
// up to RetryMax while no peer has it.
var (
	RetryMin = 2 * time.Second
	RetryMax = 5 * time.Minute
)

// state is what a Syncer keeps on disk: the last height whose references
// are noted, and the blobs still missing. A lost file only costs a rescan.
type state struct {
	Height  int64    `json:"height"`
	Missing []string `json:"missing"`
}

// Syncer follows committed blocks and fetches the blobs they reference.
type Syncer struct {
	f    *Fetcher
	path string

	mu      sync.Mutex
	height  int64
	missing map[string]*want
	wake    chan struct{}
	fetched int64
	lastErr string

	cancel context.CancelFunc
	done   chan struct{}
}

type want struct {
	next  time.Time
	delay time.Duration
}

// Start loads the state at statePath (if any), follows blocks from the
// height after it and fetches in the background until Stop.
func Start(blocks Blocks, f *Fetcher, statePath string) *Syncer {
	s := &Syncer{f: f, path: statePath, missing: map[string]*want{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if raw, err := os.ReadFile(statePath); err == nil {
		var st state
		if json.Unmarshal(raw, &st) == nil {
			s.height = st.Height
			for _, h := range st.Missing {
				s.missing[h] = &want{}
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		err := blocks.Follow(ctx, s.height+1, s.note)
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, node.ErrStopped) {
			fmt.Fprintln(os.Stderr, "pnyx: blob sync stopped following blocks:", err)
		}
	}()
	go func() { defer wg.Done(); s.fetchLoop(ctx) }()
	go func() { wg.Wait(); close(s.done) }()
	return s
}

// Stop ends the follower and the fetcher and saves the state.
func (s *Syncer) Stop() error {
	s.cancel()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

// note records the references of one committed block.
func (s *Syncer) note(b node.CommittedBlock) error {
	refs := Refs(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	added := false
	for _, h := range refs {
		if _, ok := s.missing[h]; !ok && !s.f.Store.Has(h) {
			s.missing[h] = &want{}
			added = true
		}
	}
	s.height = b.Height
	if added || b.Height%100 == 0 {
		if err := s.saveLocked(); err != nil {
			fmt.Fprintln(os.Stderr, "pnyx: blob sync state:", err)
		}
	}
	if added {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func (s *Syncer) saveLocked() error {
	st := state{Height: s.height, Missing: s.sortedMissingLocked()}
	raw, _ := json.Marshal(st)
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

func (s *Syncer) sortedMissingLocked() []string {
	out := make([]string, 0, len(s.missing))
	for h := range s.missing {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// fetchLoop fetches due missing blobs one at a time (at most one 16 MiB
// body in memory), then sleeps until the next is due or a block adds one.
func (s *Syncer) fetchLoop(ctx context.Context) {
	for {
		next := s.fetchDue(ctx)
		wait := time.Until(next)
		if next.IsZero() || wait > RetryMax {
			wait = RetryMax
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// fetchDue tries every blob whose retry time has come and returns the
// earliest next retry (zero when nothing is missing).
func (s *Syncer) fetchDue(ctx context.Context) time.Time {
	s.mu.Lock()
	due := []string{}
	for _, h := range s.sortedMissingLocked() {
		if !time.Now().Before(s.missing[h].next) {
			due = append(due, h)
		}
	}
	s.mu.Unlock()
	for _, h := range due {
		if ctx.Err() != nil {
			return time.Time{}
		}
		if err := s.fetchOne(ctx, h); err != nil && ctx.Err() == nil {
			// Each blob's failures are logged at its retry pace (at most
			// one line per RetryMax once it backs off).
			fmt.Fprintln(os.Stderr, "pnyx:", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, w := range s.missing {
		if next.IsZero() || w.next.Before(next) {
			next = w.next
		}
	}
	return next
}

// fetchOne fetches h and updates its retry schedule.
func (s *Syncer) fetchOne(ctx context.Context, h string) error {
	err := s.f.Fetch(ctx, h)
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.missing[h]
	if err == nil {
		if ok {
			delete(s.missing, h)
			s.fetched++
			if err := s.saveLocked(); err != nil {
				fmt.Fprintln(os.Stderr, "pnyx: blob sync state:", err)
			}
		}
		return nil
	}
	s.lastErr = err.Error()
	if ok {
		w.delay = min(max(2*w.delay, RetryMin), RetryMax)
		w.next = time.Now().Add(w.delay)
	}
	return err
}

// Fetch fetches hash now if a committed transaction references it and
// this node lacks it; the API calls it when a client reads a blob the node
// does not hold. A hash no transaction references is not fetched: the
// error has code not_found.
func (s *Syncer) Fetch(ctx context.Context, hash string) error {
	s.mu.Lock()
	w, ok := s.missing[hash]
	var next time.Time
	if ok {
		next = w.next
	}
	s.mu.Unlock()
	if !ok {
		return codes.NotFound.Errorf("this node holds no blob %s, and no committed transaction it has seen references it", hash)
	}
	// Readers share the retry schedule: a client reading a missing blob
	// over and over cannot make the node ask its peers over and over.
	if wait := time.Until(next); wait > 0 {
		return codes.Unavailable.Errorf("blob %s is referenced on chain but no peer served it yet; next try in %s", hash, wait.Round(time.Second))
	}
	if err := s.fetchOne(ctx, hash); err != nil {
		return codes.Unavailable.Errorf("blob %s is referenced on chain but no peer served it yet: %v", hash, err)
	}
	return nil
}

// Status reports the last height whose references are noted, the blobs
// still missing, how many were fetched since Start, and the last error.
func (s *Syncer) Status() (height int64, missing int, fetched int64, lastErr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.height, len(s.missing), s.fetched, s.lastErr
}
