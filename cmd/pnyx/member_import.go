package main

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/progress"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// `pnyx member import` sends a CSV's rows in 500-row batches with several
// batches in flight, and can be interrupted and run again (issue 12
// finding 9, issue 17). Its state lives in a progress file next to the CSV
// (FILE.csv.progress unless --progress says otherwise):
//
//   - done: rows 1..done are on chain (every batch up to there committed,
//     in order), so a rerun starts after them without reading the chain;
//   - in_flight: the batches submitted after that and not yet seen
//     committed, with their tx hashes. On a rerun each is looked up by hash
//     (the node keeps a durable tx lookup); a committed one is skipped, and
//     of the others, rows whose public key is a member already are dropped
//     (code_hash rows have no public read, so their batch is sent again).
//
// The file also keeps the first data row and the row count, so a progress
// file is not applied to another CSV by mistake; rows after the committed
// ones may be corrected between runs (a bad row stops the import).

// importOptions are `pnyx member import`'s flags.
type importOptions struct {
	InFlight int    // batches submitted and not yet committed
	Progress string // the progress file ("" : FILE.progress)
}

// resumePatience is how long a rerun waits for a batch the last run left
// in flight to show up committed.
const resumePatience = 5 * time.Second

// importBatch is one submitted batch: rows [Lo, Hi) (0-based data rows).
type importBatch struct {
	Lo   int    `json:"lo"`
	Hi   int    `json:"hi"`
	Hash string `json:"tx"`
}

// importProgress is the progress file.
type importProgress struct {
	First    string        `json:"first_row"`
	Rows     int           `json:"rows"`
	Done     int           `json:"done"`
	InFlight []importBatch `json:"in_flight,omitempty"`
}

func (p *importProgress) save(path string) error {
	raw, _ := json.MarshalIndent(p, "", " ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// rowRange names data rows [lo, hi) as the user sees them: rows counted
// from 1, lines of the file (the header is line 1).
func rowRange(lo, hi int) string {
	return fmt.Sprintf("rows %d-%d (lines %d-%d)", lo+1, hi, lo+2, hi+1)
}

// importCSV reads rows and sends them in pipelined batches, showing
// progress and keeping the progress file.
func importCSV(s *session, path string, o importOptions) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return fmt.Errorf("%s: no rows after the header", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	_, byHash := col["code_hash"]
	_, byKey := col["public_key"]
	_, hasCh := col["chapter"]
	_, hasClass := col["class"]
	if byHash == byKey || !hasCh || !hasClass {
		return fmt.Errorf("%s: header must have chapter, class and exactly one of code_hash, public_key; got %v", path, rows[0])
	}
	if o.InFlight < 1 {
		o.InFlight = 1
	}
	if o.Progress == "" {
		o.Progress = path + ".progress"
	}
	data := rows[1:]
	prog := importProgress{First: strings.Join(data[0], ","), Rows: len(data)}
	if old, err := os.ReadFile(o.Progress); err == nil {
		var p importProgress
		if err := json.Unmarshal(old, &p); err != nil {
			return fmt.Errorf("progress file %s: %w (delete it to start over)", o.Progress, err)
		}
		if p.First != prog.First || p.Rows != prog.Rows {
			return fmt.Errorf("progress file %s belongs to another CSV (%d rows, first %q; this one %d rows, first %q): delete it or pass --progress", o.Progress, p.Rows, p.First, prog.Rows, prog.First)
		}
		prog = p
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}

	k, err := s.key()
	if err != nil {
		return err
	}
	signer := s.c.Signer(k)
	build := func(lo, hi int) ([]byte, error) {
		if byHash {
			var b members.EnrollBody
			for _, r := range data[lo:hi] {
				b.Entries = append(b.Entries, members.EnrollEntry{CodeHash: r[col["code_hash"]], Chapter: r[col["chapter"]], Class: members.Class(r[col["class"]])})
			}
			return signer.Build(s.ctx, members.TypeEnroll, b)
		}
		var b members.ApproveBody
		for _, r := range data[lo:hi] {
			b.Entries = append(b.Entries, members.ApproveEntry{PublicKey: r[col["public_key"]], Chapter: r[col["chapter"]], Class: members.Class(r[col["class"]])})
		}
		return signer.Build(s.ctx, members.TypeApprove, b)
	}

	// Resume: batches that were in flight when the last run stopped. One
	// still in a mempool commits within a few blocks.
	skipped := 0
	var redo []importBatch // rows to send again, in order, before the rest
	for _, b := range prog.InFlight {
		res, found, err := lookupTx(s, b.Hash, resumePatience)
		if err != nil {
			return err
		}
		if found && res.Code == 0 {
			skipped += b.Hi - b.Lo
			continue
		}
		redo = append(redo, b)
	}
	start := prog.Done
	for _, b := range prog.InFlight {
		start = max(start, b.Hi)
	}
	prog.InFlight = nil
	// Each row still to send, in order: first the uncertain batches' rows
	// (minus keys already members), then everything after.
	var todo [][2]int // row ranges [lo, hi)
	for _, b := range redo {
		lo := b.Lo
		for i := b.Lo; i <= b.Hi; i++ {
			present := false
			if i < b.Hi && byKey {
				a, err := s.c.Account(s.ctx, mustHexKey(data[i][col["public_key"]]))
				present = err == nil && a.Member != ""
			}
			if i == b.Hi || present {
				if i > lo {
					todo = append(todo, [2]int{lo, i})
				}
				if present {
					skipped++
				}
				lo = i + 1
			}
		}
	}
	for lo := start; lo < len(data); lo += members.MaxBatch {
		todo = append(todo, [2]int{lo, min(lo+members.MaxBatch, len(data))})
	}
	if skipped > 0 || prog.Done > 0 {
		fmt.Fprintf(s.cmd.ErrOrStderr(), "resuming %s: %d rows on chain before, %d more found on chain\n", path, prog.Done, skipped)
	}
	if err := prog.save(o.Progress); err != nil {
		return err
	}

	began := time.Now()
	bar := progress.New(s.cmd.ErrOrStderr(), "import", len(data))
	toSend := 0
	for _, r := range todo {
		toSend += r[1] - r[0]
	}
	onChain := len(data) - toSend // rows this run does not send
	bar.Set(onChain)
	stopped := func(err error, outstanding []importBatch) error {
		bar.Done()
		prog.InFlight = outstanding
		if serr := prog.save(o.Progress); serr != nil {
			return errors.Join(err, serr)
		}
		return fmt.Errorf("%w; rows 1-%d are on chain; run the same command again to resume (progress in %s)", err, prog.Done, o.Progress)
	}
	// Batches are submitted in nonce order, up to o.InFlight ahead of the
	// oldest one not yet committed, which is waited for next: a block can
	// carry several, and the importer never idles for a round trip.
	var outstanding []importBatch
	next, sent := 0, 0
	for next < len(todo) || len(outstanding) > 0 {
		for next < len(todo) && len(outstanding) < o.InFlight {
			r := todo[next]
			raw, err := build(r[0], r[1])
			if err == nil {
				err = submitRetrying(s, raw)
			}
			if err != nil {
				signer.Resync()
				// What was sent before may still commit: wait for it, so
				// the progress file says exactly what is on chain.
				outstanding = settle(s, &prog, outstanding)
				return stopped(fmt.Errorf("%s were not imported: %w", rowRange(r[0], r[1]), err), outstanding)
			}
			outstanding = append(outstanding, importBatch{r[0], r[1], hex.EncodeToString(tx.Hash(raw))})
			next++
			prog.InFlight = outstanding
			if err := prog.save(o.Progress); err != nil {
				return err
			}
		}
		old := outstanding[0]
		res, found, err := lookupTx(s, old.Hash, commitPatience)
		if err == nil && !found {
			err = codes.Unavailable.Errorf("not committed after %s", commitPatience)
		}
		if err == nil && res.Code != 0 {
			err = &codes.Error{Code: res.Code, Msg: res.Log}
		}
		if err != nil {
			return stopped(fmt.Errorf("%s were not imported: %w", rowRange(old.Lo, old.Hi), err), outstanding)
		}
		outstanding = outstanding[1:]
		prog.Done, prog.InFlight = max(prog.Done, old.Hi), outstanding
		if err := prog.save(o.Progress); err != nil {
			return err
		}
		sent += old.Hi - old.Lo
		bar.Set(onChain + sent)
	}
	bar.Done()
	os.Remove(o.Progress) // complete: nothing to resume
	msg := fmt.Sprintf("imported %d members in %s", toSend, time.Since(began).Round(time.Millisecond))
	if onChain > 0 {
		msg += fmt.Sprintf("; %d rows were on chain already", onChain)
	}
	fmt.Fprintln(s.cmd.OutOrStdout(), msg)
	return nil
}

// commitPatience is how long the import waits for one batch to commit.
const commitPatience = 2 * time.Minute

// settle waits for the batches in flight, in order, and returns those not
// committed; prog.Done advances over the committed ones.
func settle(s *session, prog *importProgress, outstanding []importBatch) []importBatch {
	for len(outstanding) > 0 {
		res, found, err := lookupTx(s, outstanding[0].Hash, 10*time.Second)
		if err != nil || !found || res.Code != 0 {
			break
		}
		prog.Done = max(prog.Done, outstanding[0].Hi)
		outstanding = outstanding[1:]
	}
	return outstanding
}

// submitRetrying submits raw without waiting for its commit, retrying
// while the node answers unavailable (mempool full, or this signer's
// share of it: chain.DefaultMaxPendingPerSigner).
func submitRetrying(s *session, raw []byte) error {
	for {
		_, err := s.c.Submit(s.ctx, raw, false)
		if codes.Of(err) != codes.Unavailable {
			return err
		}
		select {
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lookupTx polls GET /v1/txs/{hash} until the tx is found or patience
// has passed (found false).
func lookupTx(s *session, hash string, patience time.Duration) (wire.TxResult, bool, error) {
	deadline := time.Now().Add(patience)
	for {
		var res wire.TxResult
		err := s.c.Get(s.ctx, "/v1/txs/"+hash, nil, &res)
		if err == nil {
			return res, true, nil
		}
		if codes.Of(err) != codes.NotFound {
			return res, false, err
		}
		if time.Now().After(deadline) {
			return res, false, nil
		}
		select {
		case <-s.ctx.Done():
			return res, false, s.ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func mustHexKey(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
