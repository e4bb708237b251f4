// Package index is pnyx's read model of petitions and comments: a SQLite
// database (modernc.org/sqlite, pure Go, FTS5) derived only from committed
// blocks. It serves full-text search in Korean and English, filtered
// listings, and comment threads; the chain state keeps only content hashes.
//
// The index is derived: delete the file and Rebuild (or `pnyx reindex`)
// recomputes it from block 1, byte for byte the same answers as the live one.
// A running node feeds it with Follow:
//
//	x, _ := index.Open(filepath.Join(home, "data", "index.sqlite"))
//	go x.Follow(ctx, n, nil) // from x.Height()+1, then live
//	hits, _ := x.SearchComments(index.Query{Text: "청년 policy", Chapter: "seoul"})
//
// What it reads from a block: the signed transaction (the text of petitions,
// answers and comments travels only there) and the events of successful
// transactions (who wrote it, which state the petition reached). Failed
// transactions are skipped. Hidden and deleted content is removed from the
// full-text tables and never returned; its text stays in the comments table
// only so that a moderator's unhide can restore it.
//
// Search (see tokenize.go): Hangul is split into syllable bigrams in Go; the
// FTS5 tables hold those tokens plus filter tags (petition, chapter and
// ancestors, category, stance, author), so a filtered query is a doclist
// intersection inside FTS5. Results come newest first by row ID (the order
// of commit) with keyset pagination; relevance (bm25) ranking is offered
// within a petition, a chapter or a date range.
package index

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/tx"
)

// SchemaVersion changes when the tables or the tokens change; an index of
// another version is emptied at Open and rebuilt from block 1 by Follow.
// 2: the Korean analyzer of issue 16 (stems, numbers inside words, bigrams
// across spaces).
const SchemaVersion = "2"

const schema = `
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS petitions(
  rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, chapter TEXT NOT NULL, scope TEXT NOT NULL,
  category TEXT NOT NULL, author TEXT NOT NULL, state TEXT NOT NULL, agreements INTEGER NOT NULL,
  deadline INTEGER NOT NULL, answer_due INTEGER NOT NULL, hidden INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL, body TEXT NOT NULL, answer TEXT NOT NULL DEFAULT '', answered_by TEXT NOT NULL DEFAULT '',
  answered_at INTEGER NOT NULL DEFAULT 0, answered_late INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, height INTEGER NOT NULL, tx TEXT NOT NULL, updated_height INTEGER NOT NULL,
  in_fts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS petitions_created ON petitions(created_at);
CREATE TABLE IF NOT EXISTS comments(
  rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, petition TEXT NOT NULL, parent TEXT NOT NULL,
  path TEXT NOT NULL, depth INTEGER NOT NULL, on_answer INTEGER NOT NULL, author TEXT NOT NULL,
  stance TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL, up INTEGER NOT NULL DEFAULT 0,
  down INTEGER NOT NULL DEFAULT 0, hidden INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, edited_at INTEGER NOT NULL DEFAULT 0, height INTEGER NOT NULL, tx TEXT NOT NULL,
  updated_height INTEGER NOT NULL, in_fts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS comments_thread ON comments(petition, path);
CREATE INDEX IF NOT EXISTS comments_created ON comments(created_at);
CREATE TABLE IF NOT EXISTS comment_versions(
  comment TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL,
  height INTEGER NOT NULL, tx TEXT NOT NULL, PRIMARY KEY(comment, version));
CREATE VIRTUAL TABLE IF NOT EXISTS comment_fts USING fts5(text, tags, content='', contentless_delete=1,
  tokenize="porter unicode61 remove_diacritics 0 tokenchars '_'");
CREATE VIRTUAL TABLE IF NOT EXISTS petition_fts USING fts5(text, tags, content='', contentless_delete=1,
  tokenize="porter unicode61 remove_diacritics 0 tokenchars '_'");
`

// Index is an open index. Reads may run concurrently with the one writer.
type Index struct {
	db   *sql.DB
	path string

	mu      sync.Mutex // serializes writers
	height  int64
	now     int64 // block time (Unix) of the last indexed block
	nextRid int64 // row ID of the next comment: rows are numbered in commit order
}

// Open opens (creating if needed) the index at path.
func Open(path string) (*Index, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(0)&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	x := &Index{db: db, path: path}
	if err := x.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	return x, nil
}

func (x *Index) init() error {
	if _, err := x.db.Exec(schema); err != nil {
		return err
	}
	var v string
	err := x.db.QueryRow(`SELECT v FROM meta WHERE k='schema'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		x.nextRid = 1
		_, err = x.db.Exec(`INSERT INTO meta(k,v) VALUES('schema',?),('height','0'),('time','0')`, SchemaVersion)
		return err
	}
	if err != nil {
		return err
	}
	if v != SchemaVersion {
		// The index is derived: drop what an older pnyx built and start
		// again from block 1.
		for _, t := range []string{"comment_fts", "petition_fts", "comment_versions", "comments", "petitions", "meta"} {
			if _, err := x.db.Exec(`DROP TABLE IF EXISTS ` + t); err != nil {
				return fmt.Errorf("index schema %s, this pnyx needs %s: %w (delete the file and run pnyx reindex)", v, SchemaVersion, err)
			}
		}
		return x.init()
	}
	var h, t string
	x.db.QueryRow(`SELECT v FROM meta WHERE k='height'`).Scan(&h)
	x.db.QueryRow(`SELECT v FROM meta WHERE k='time'`).Scan(&t)
	x.height, _ = strconv.ParseInt(h, 10, 64)
	x.now, _ = strconv.ParseInt(t, 10, 64)
	return x.db.QueryRow(`SELECT coalesce(max(rid), 0) + 1 FROM comments`).Scan(&x.nextRid)
}

// Close closes the database.
func (x *Index) Close() error { return x.db.Close() }

// Path returns the database file.
func (x *Index) Path() string { return x.path }

// Height returns the last indexed block height.
func (x *Index) Height() int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.height
}

// Now returns the block time of the last indexed block, the clock against
// which reads evaluate expiry and the overdue flag.
func (x *Index) Now() int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.now
}

// Tx is one successful transaction of a block, as the index sees it.
type Tx struct {
	Hash   []byte
	Env    *tx.Envelope
	Events []abci.Event
}

// ApplyBlock indexes one committed block.
func (x *Index) ApplyBlock(b node.CommittedBlock) error {
	var txs []Tx
	for i, raw := range b.Txs {
		if b.Results[i].Code != 0 {
			continue
		}
		env, err := tx.Decode(raw)
		if err != nil || !relevant(env.Type) {
			continue
		}
		txs = append(txs, Tx{Hash: b.TxHash(i), Env: env, Events: b.Results[i].Events})
	}
	return x.Apply(b.Height, b.Time, txs)
}

func relevant(typ string) bool {
	return strings.HasPrefix(typ, "petition/") || strings.HasPrefix(typ, "comment/") || strings.HasPrefix(typ, "moderation/")
}

// Apply indexes the relevant successful transactions of the block at height
// in one SQL transaction, and records height and time. Heights must come in
// order; a height already indexed is skipped.
func (x *Index) Apply(height int64, at time.Time, txs []Tx) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if height <= x.height {
		return nil
	}
	if height != x.height+1 && x.height != 0 {
		return fmt.Errorf("index: block %d after %d", height, x.height)
	}
	dbtx, err := x.db.Begin()
	if err != nil {
		return err
	}
	defer dbtx.Rollback()
	w := &writer{tx: dbtx, height: height, at: at.Unix(), nextRid: x.nextRid}
	defer w.close()
	for _, t := range txs {
		if err := w.apply(t); err != nil {
			return fmt.Errorf("index: block %d tx %x (%s): %w", height, t.Hash[:4], t.Env.Type, err)
		}
	}
	if _, err := dbtx.Exec(`UPDATE meta SET v=? WHERE k='height'`, strconv.FormatInt(height, 10)); err != nil {
		return err
	}
	if _, err := dbtx.Exec(`UPDATE meta SET v=? WHERE k='time'`, strconv.FormatInt(at.Unix(), 10)); err != nil {
		return err
	}
	if err := dbtx.Commit(); err != nil {
		return err
	}
	x.height, x.now, x.nextRid = height, at.Unix(), w.nextRid
	return nil
}

// Follow indexes every block after Height() from the node, then follows new
// blocks until ctx ends. progress, if set, is called after each block with
// the height and the node's latest height.
func (x *Index) Follow(ctx context.Context, n *node.Node, progress func(h, latest int64)) error {
	return n.Follow(ctx, x.Height()+1, func(b node.CommittedBlock) error {
		if err := x.ApplyBlock(b); err != nil {
			return err
		}
		if progress != nil {
			progress(b.Height, n.LatestHeight())
		}
		return nil
	})
}

// WaitFor waits until the index has reached height.
func (x *Index) WaitFor(ctx context.Context, height int64) error {
	for x.Height() < height {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// writer applies transactions inside one SQL transaction.
type writer struct {
	tx      *sql.Tx
	height  int64
	at      int64
	nextRid int64 // row ID of the next comment
	stmts   map[string]*sql.Stmt
	pets    map[string]petitionInfo
}

// attrs returns the attributes of the first module event (after "tx").
func attrs(evs []abci.Event) map[string]string {
	m := map[string]string{}
	for _, e := range evs {
		if e.Type == "tx" {
			continue
		}
		for _, a := range e.Attributes {
			m[a.Key] = a.Value
		}
		break
	}
	return m
}

func i64(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
func b2i(s string) int {
	if s == "true" {
		return 1
	}
	return 0
}

// stmt returns q prepared on the block's transaction, once per block.
// (modernc.org/sqlite v1.38 still parses the SQL on every execution — about
// 40% of indexing time in a profile; batching many rows into one INSERT did
// not help, as parsing grows with the statement.)
func (w *writer) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.tx.Prepare(q)
	if err != nil {
		return nil, err
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	w.stmts[q] = st
	return st, nil
}

func (w *writer) exec(q string, args ...any) error {
	st, err := w.stmt(q)
	if err != nil {
		return err
	}
	_, err = st.Exec(args...)
	return err
}

func (w *writer) queryRow(q string, args ...any) *sql.Row {
	st, err := w.stmt(q)
	if err != nil {
		// Surface the error through a query that fails the same way.
		return w.tx.QueryRow(q, args...)
	}
	return st.QueryRow(args...)
}

func (w *writer) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// petitionInfo is what a comment's FTS row needs of its petition.
type petitionInfo struct {
	scope, category string
	hidden          bool
}

func (w *writer) petition(id string) (petitionInfo, error) {
	if pi, ok := w.pets[id]; ok {
		return pi, nil
	}
	var pi petitionInfo
	var hidden int
	if err := w.queryRow(`SELECT scope, category, hidden FROM petitions WHERE id=?`, id).Scan(&pi.scope, &pi.category, &hidden); err != nil {
		return pi, fmt.Errorf("petition %s: %w", id, err)
	}
	pi.hidden = hidden == 1
	if w.pets == nil {
		w.pets = map[string]petitionInfo{}
	}
	w.pets[id] = pi
	return pi, nil
}

func (w *writer) apply(t Tx) error {
	a := attrs(t.Events)
	hash := hex.EncodeToString(t.Hash)
	switch t.Env.Type {
	case petition.TypeCreate:
		var b petition.CreateBody
		if err := tx.DecodeBody(t.Env.Body, &b); err != nil {
			return err
		}
		err := w.exec(`INSERT INTO petitions(id,chapter,scope,category,author,state,agreements,deadline,answer_due,title,body,created_at,height,tx,updated_height)
			VALUES(?,?,?,?,?,?,0,0,0,?,?,?,?,?,?)`, b.ID, b.Chapter, a["scope"], b.Category, a["author"], a["state"], b.Title, b.Body, w.at, w.height, hash, w.height)
		if err != nil {
			return err
		}
		return w.syncPetition(b.ID)
	case petition.TypeOpen, petition.TypeAgree, petition.TypeUnagree, petition.TypeWithdraw:
		return w.exec(`UPDATE petitions SET state=?, agreements=?, deadline=?, answer_due=?, updated_height=? WHERE id=?`,
			a["state"], i64(a["agreements"]), i64(a["deadline"]), i64(a["answer_due"]), w.height, a["id"])
	case petition.TypeAnswer:
		var b petition.AnswerBody
		if err := tx.DecodeBody(t.Env.Body, &b); err != nil {
			return err
		}
		err := w.exec(`UPDATE petitions SET state=?, agreements=?, deadline=?, answer_due=?, answer=?, answered_by=?, answered_at=?, answered_late=?, updated_height=? WHERE id=?`,
			a["state"], i64(a["agreements"]), i64(a["deadline"]), i64(a["answer_due"]), b.Body, a["by"], w.at, b2i(a["late"]), w.height, b.Petition)
		if err != nil {
			return err
		}
		return w.syncPetition(b.Petition)
	case petition.TypeComment:
		var b petition.CommentBody
		if err := tx.DecodeBody(t.Env.Body, &b); err != nil {
			return err
		}
		path := ""
		if b.Parent != "" {
			if err := w.queryRow(`SELECT path FROM comments WHERE id=?`, b.Parent).Scan(&path); err != nil {
				return fmt.Errorf("parent %s: %w", b.Parent, err)
			}
			path += "."
		}
		pi, err := w.petition(b.Petition)
		if err != nil {
			return err
		}
		rid := w.nextRid
		w.nextRid++
		in := 0
		if !pi.hidden {
			in = 1
			tags := petitionTags(b.Petition, pi.scope, pi.category, a["author"]) + " " + tag("st", b.Stance)
			if err := w.exec(`INSERT INTO comment_fts(rowid, text, tags) VALUES(?,?,?)`, rid, docText(b.Body), tags); err != nil {
				return err
			}
		}
		return w.exec(`INSERT INTO comments(rid,id,petition,parent,path,depth,on_answer,author,stance,body,version,created_at,height,tx,updated_height,in_fts)
			VALUES(?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?)`, rid, b.ID, b.Petition, b.Parent, path+fmt.Sprintf("%012d", rid), i64(a["depth"]), b2i(a["on_answer"]),
			a["author"], b.Stance, b.Body, w.at, w.height, hash, w.height, in)
	case petition.TypeEdit:
		var b petition.EditBody
		if err := tx.DecodeBody(t.Env.Body, &b); err != nil {
			return err
		}
		// The first edit saves the original as version 1.
		err := w.exec(`INSERT OR IGNORE INTO comment_versions(comment,version,body,at,height,tx)
			SELECT id, 1, body, created_at, height, tx FROM comments WHERE id=?`, b.Comment)
		if err != nil {
			return err
		}
		if err := w.exec(`INSERT INTO comment_versions(comment,version,body,at,height,tx) VALUES(?,?,?,?,?,?)`, b.Comment, i64(a["version"]), b.Body, w.at, w.height, hash); err != nil {
			return err
		}
		if err := w.exec(`UPDATE comments SET body=?, version=?, edited_at=?, updated_height=? WHERE id=?`, b.Body, i64(a["version"]), w.at, w.height, b.Comment); err != nil {
			return err
		}
		return w.syncCommentID(b.Comment, true)
	case petition.TypeVote:
		return w.exec(`UPDATE comments SET up=?, down=?, updated_height=? WHERE id=?`, i64(a["up"]), i64(a["down"]), w.height, a["id"])
	case petition.TypeDelete, petition.TypeReport:
		if err := w.exec(`UPDATE comments SET up=?, down=?, hidden=?, deleted=?, updated_height=? WHERE id=?`,
			i64(a["up"]), i64(a["down"]), b2i(a["hidden"]), b2i(a["deleted"]), w.height, a["id"]); err != nil {
			return err
		}
		return w.syncCommentID(a["id"], false)
	case petition.TypeHide, petition.TypeUnhide:
		if a["kind"] == petition.KindPetition {
			if err := w.exec(`UPDATE petitions SET hidden=?, updated_height=? WHERE id=?`, b2i(a["hidden"]), w.height, a["id"]); err != nil {
				return err
			}
			delete(w.pets, a["id"])
			if err := w.syncPetition(a["id"]); err != nil {
				return err
			}
			// A hidden petition's comments leave the search too.
			rows, err := w.tx.Query(`SELECT rid FROM comments WHERE petition=?`, a["id"])
			if err != nil {
				return err
			}
			var rids []int64
			for rows.Next() {
				var r int64
				rows.Scan(&r)
				rids = append(rids, r)
			}
			rows.Close()
			for _, r := range rids {
				if err := w.syncComment(r, false); err != nil {
					return err
				}
			}
			return nil
		}
		if err := w.exec(`UPDATE comments SET hidden=?, updated_height=? WHERE id=?`, b2i(a["hidden"]), w.height, a["id"]); err != nil {
			return err
		}
		return w.syncCommentID(a["id"], false)
	}
	return nil // params, blocks: nothing to index
}

// syncPetition makes the petition's FTS row match its visibility and text.
func (w *writer) syncPetition(id string) error {
	var rid int64
	var scope, category, author, title, body, answer string
	var hidden, inFTS int
	err := w.queryRow(`SELECT rid, scope, category, author, title, body, answer, hidden, in_fts FROM petitions WHERE id=?`, id).
		Scan(&rid, &scope, &category, &author, &title, &body, &answer, &hidden, &inFTS)
	if err != nil {
		return fmt.Errorf("petition %s: %w", id, err)
	}
	if inFTS == 1 {
		if err := w.exec(`DELETE FROM petition_fts WHERE rowid=?`, rid); err != nil {
			return err
		}
	}
	in := 0
	if hidden == 0 {
		in = 1
		if err := w.exec(`INSERT INTO petition_fts(rowid, text, tags) VALUES(?,?,?)`, rid, docText(title, body, answer), petitionTags(id, scope, category, author)); err != nil {
			return err
		}
	}
	return w.exec(`UPDATE petitions SET in_fts=? WHERE rid=?`, in, rid)
}

func petitionTags(id, scope, category, author string) string {
	t := []string{tag("p", id), tag("cat", category), tag("au", author)}
	for _, ch := range strings.Fields(scope) {
		t = append(t, tag("ch", ch))
	}
	return strings.Join(t, " ")
}

func (w *writer) syncCommentID(id string, textChanged bool) error {
	var rid int64
	if err := w.queryRow(`SELECT rid FROM comments WHERE id=?`, id).Scan(&rid); err != nil {
		return fmt.Errorf("comment %s: %w", id, err)
	}
	return w.syncComment(rid, textChanged)
}

// syncComment makes the comment's FTS row match its visibility and text: a
// comment is searchable unless it, or its petition, is hidden, or it is
// deleted.
func (w *writer) syncComment(rid int64, textChanged bool) error {
	var id, pid, author, stance, body, scope, category string
	var hidden, deleted, inFTS, phidden int
	err := w.queryRow(`SELECT c.id, c.petition, c.author, c.stance, c.body, c.hidden, c.deleted, c.in_fts, p.scope, p.category, p.hidden
		FROM comments c JOIN petitions p ON p.id = c.petition WHERE c.rid=?`, rid).
		Scan(&id, &pid, &author, &stance, &body, &hidden, &deleted, &inFTS, &scope, &category, &phidden)
	if err != nil {
		return fmt.Errorf("comment row %d: %w", rid, err)
	}
	visible := hidden == 0 && deleted == 0 && phidden == 0
	if (visible && inFTS == 1 && !textChanged) || (!visible && inFTS == 0) {
		return nil
	}
	if inFTS == 1 {
		if err := w.exec(`DELETE FROM comment_fts WHERE rowid=?`, rid); err != nil {
			return err
		}
	}
	in := 0
	if visible {
		in = 1
		tags := petitionTags(pid, scope, category, author) + " " + tag("st", stance)
		if err := w.exec(`INSERT INTO comment_fts(rowid, text, tags) VALUES(?,?,?)`, rid, docText(body), tags); err != nil {
			return err
		}
	}
	if in == inFTS {
		return nil
	}
	return w.exec(`UPDATE comments SET in_fts=? WHERE rid=?`, in, rid)
}
