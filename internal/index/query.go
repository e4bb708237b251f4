package index

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/wire"
)

// Query is a search or a listing. Text may be empty for a filtered listing.
type Query struct {
	Text     string `json:"q,omitempty"`
	Petition string `json:"petition,omitempty"`
	Chapter  string `json:"chapter,omitempty"` // the chapter and its subtree
	Category string `json:"category,omitempty"`
	Author   string `json:"author,omitempty"`
	Stance   string `json:"stance,omitempty"` // comments only
	State    string `json:"state,omitempty"`  // petitions only; effective state
	From     int64  `json:"from,omitempty"`   // created at or after (Unix seconds)
	To       int64  `json:"to,omitempty"`     // created at or before
	// Sort is "newest" (default) or "relevance"; relevance needs a scope:
	// a petition, a chapter or a date range.
	Sort   string `json:"sort,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// MaxLimit bounds a page.
const MaxLimit = 100

// RelevanceWindow is how many of the newest matches in scope relevance
// ranking orders by bm25. It bounds the cost of a ranked query whatever the
// size of the scope (a petition may draw 100,000 comments); a narrower date
// range reaches older matches.
const RelevanceWindow = 1000

// The shapes the index serves are the API's (package wire), so a client
// reads them without linking the index.
type (
	Ref      = wire.Ref
	Comment  = wire.Comment
	Petition = wire.Petition
	Version  = wire.Version
)

func badQuery(format string, args ...any) error { return codes.BadRequest.Errorf(format, args...) }

func (q *Query) normalize() error {
	if q.Limit == 0 {
		q.Limit = 20
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return badQuery("limit must be 1-%d", MaxLimit)
	}
	switch q.Sort {
	case "", "newest":
		q.Sort = "newest"
	case "relevance":
		if q.Petition == "" && q.Chapter == "" && q.From == 0 && q.To == 0 {
			return badQuery("relevance ranking needs a scope: a petition, a chapter or a date range")
		}
		if strings.TrimSpace(q.Text) == "" {
			return badQuery("relevance ranking needs search words")
		}
	default:
		return badQuery("sort must be newest or relevance")
	}
	if q.Stance != "" && q.Stance != petition.For && q.Stance != petition.Neutral && q.Stance != petition.Against {
		return badQuery("stance must be for, neutral or against")
	}
	if q.State != "" {
		ok := false
		for _, s := range petition.States {
			ok = ok || s == q.State
		}
		if !ok {
			return badQuery("state must be one of %s", strings.Join(petition.States, ", "))
		}
	}
	if len(q.Text) > 500 {
		return badQuery("query text is limited to 500 bytes")
	}
	return nil
}

// ftsExpr builds the FTS5 expression for the text and the tag filters; ""
// when neither constrains anything. ok is false when the text has words but
// no searchable token (so nothing can match).
func (q *Query) ftsExpr(comments bool) (expr string, p parsed, ok bool, err error) {
	var parts []string
	var neg string
	if strings.TrimSpace(q.Text) != "" {
		p = parseQuery(q.Text)
		var pos string
		pos, neg = p.textExpr()
		if pos == "" && neg == "" {
			return "", p, false, nil
		}
		if pos != "" {
			parts = append(parts, pos)
		}
	}
	addTag := func(prefix, v string) {
		if v != "" {
			parts = append(parts, `tags : "`+tag(prefix, v)+`"`)
		}
	}
	addTag("p", q.Petition)
	addTag("ch", q.Chapter)
	addTag("cat", q.Category)
	addTag("au", q.Author)
	if comments {
		addTag("st", q.Stance)
	}
	if neg != "" {
		if len(parts) == 0 {
			return "", p, false, badQuery("a query of only excluded words (-word) needs a word to find or a filter")
		}
		return "(" + strings.Join(parts, " AND ") + ") NOT " + neg, p, true, nil
	}
	return strings.Join(parts, " AND "), p, true, nil
}

// ridRange turns the date range into a row-ID range (rows are in commit
// order, so created_at grows with rid).
func (x *Index) ridRange(table string, from, to int64) (lo, hi int64, err error) {
	lo, hi = 0, 1<<62
	// Rows are in commit order, so created_at grows with rid: the first row
	// at or after from and the last at or before to bound the range.
	if from != 0 {
		err := x.db.QueryRow(`SELECT rid FROM `+table+` WHERE created_at >= ? ORDER BY created_at, rid LIMIT 1`, from).Scan(&lo)
		if errors.Is(err, sql.ErrNoRows) {
			return 1, 0, nil
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if to != 0 {
		err := x.db.QueryRow(`SELECT rid FROM `+table+` WHERE created_at <= ? ORDER BY created_at DESC, rid DESC LIMIT 1`, to).Scan(&hi)
		if errors.Is(err, sql.ErrNoRows) {
			return 1, 0, nil
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return lo, hi, nil
}

// cursor decodes a newest-first cursor ("before row ID") or a relevance
// cursor ("o" + offset).
func parseCursor(c, sort string) (before int64, offset int, err error) {
	if c == "" {
		return 1 << 62, 0, nil
	}
	if sort == "relevance" {
		if !strings.HasPrefix(c, "o") {
			return 0, 0, badQuery("bad cursor")
		}
		offset, err = strconv.Atoi(c[1:])
		if err != nil || offset < 0 || offset > 10000 {
			return 0, 0, badQuery("bad cursor")
		}
		return 1 << 62, offset, nil
	}
	before, err = strconv.ParseInt(c, 10, 64)
	if err != nil || before < 1 {
		return 0, 0, badQuery("bad cursor")
	}
	return before, 0, nil
}

const commentCols = `c.rid, c.id, c.petition, c.parent, c.depth, c.on_answer, c.author, c.stance, c.body, c.version, c.up, c.down, c.hidden, c.deleted, c.created_at, c.edited_at, c.updated_height, c.tx`

func scanComment(rows interface{ Scan(...any) error }) (int64, Comment, error) {
	var c Comment
	var rid int64
	var onAnswer, hidden, deleted int
	err := rows.Scan(&rid, &c.ID, &c.Petition, &c.Parent, &c.Depth, &onAnswer, &c.Author, &c.Stance, &c.Body, &c.Version, &c.Up, &c.Down,
		&hidden, &deleted, &c.CreatedAt, &c.EditedAt, &c.Ref.Height, &c.Ref.Tx)
	c.OnAnswer, c.Hidden, c.Deleted = onAnswer == 1, hidden == 1, deleted == 1
	if c.Hidden || c.Deleted {
		c.Body = ""
	}
	c.Ref.Key = string(petition.CommentKey(c.ID))
	return rid, c, err
}

// SearchComments searches visible comments. It returns a page and the cursor
// of the next page ("" at the end).
func (x *Index) SearchComments(q Query) ([]Comment, string, error) {
	if err := q.normalize(); err != nil {
		return nil, "", err
	}
	expr, p, ok, err := q.ftsExpr(true)
	if err != nil || !ok {
		return []Comment{}, "", err
	}
	lo, hi, err := x.ridRange("comments", q.From, q.To)
	if err != nil {
		return nil, "", err
	}
	before, offset, err := parseCursor(q.Cursor, q.Sort)
	if err != nil {
		return nil, "", err
	}
	hi = min(hi, before-1)
	if q.Sort == "relevance" {
		return x.rankedComments(expr, lo, hi, q, offset, &p)
	}
	limit := q.Limit
	var rows *sql.Rows
	if expr == "" {
		rows, err = x.db.Query(`SELECT `+commentCols+` FROM comments c WHERE c.in_fts=1 AND c.rid BETWEEN ? AND ? ORDER BY c.rid DESC LIMIT ?`, lo, hi, limit)
	} else {
		rows, err = x.db.Query(`SELECT `+commentCols+` FROM comment_fts f JOIN comments c ON c.rid = f.rowid
			WHERE comment_fts MATCH ? AND f.rowid BETWEEN ? AND ? ORDER BY f.rowid DESC LIMIT ?`, expr, lo, hi, limit)
	}
	if err != nil {
		return nil, "", fmt.Errorf("index: search: %w", err)
	}
	defer rows.Close()
	out := []Comment{}
	var last int64
	for rows.Next() {
		rid, c, err := scanComment(rows)
		if err != nil {
			return nil, "", err
		}
		c.Snippet = snippet(c.Body, &p)
		out, last = append(out, c), rid
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) == q.Limit {
		next = strconv.FormatInt(last, 10)
	}
	return out, next, nil
}

// rankedComments ranks the newest RelevanceWindow matches by BM25 (see
// rankBM25) and returns the page at offset. Only row IDs and bodies are read
// for the ranking; the page's rows are read afterwards.
func (x *Index) rankedComments(expr string, lo, hi int64, q Query, offset int, p *parsed) ([]Comment, string, error) {
	rows, err := x.db.Query(`SELECT c.rid, c.body FROM comment_fts f JOIN comments c ON c.rid = f.rowid
		WHERE comment_fts MATCH ? AND f.rowid BETWEEN ? AND ? ORDER BY f.rowid DESC LIMIT ?`, expr, lo, hi, RelevanceWindow)
	if err != nil {
		return nil, "", fmt.Errorf("index: search: %w", err)
	}
	var rids []int64
	var bodies []string
	for rows.Next() {
		var rid int64
		var body string
		if err := rows.Scan(&rid, &body); err != nil {
			rows.Close()
			return nil, "", err
		}
		rids, bodies = append(rids, rid), append(bodies, body)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	order := rankBM25(bodies, p.tokens())
	if offset >= len(order) {
		return []Comment{}, "", nil
	}
	order = order[offset:min(len(order), offset+q.Limit)]
	out := make([]Comment, 0, len(order))
	for _, i := range order {
		_, c, err := scanComment(x.db.QueryRow(`SELECT `+commentCols+` FROM comments c WHERE c.rid = ?`, rids[i]))
		if err != nil {
			return nil, "", err
		}
		c.Snippet = snippet(c.Body, p)
		out = append(out, c)
	}
	next := ""
	if len(out) == q.Limit && offset+q.Limit < len(rids) {
		next = "o" + strconv.Itoa(offset+q.Limit)
	}
	return out, next, nil
}

const petitionCols = `p.rid, p.id, p.chapter, p.category, p.author, p.state, p.agreements, p.deadline, p.answer_due, p.hidden, p.title, p.body, p.answer, p.answered_by, p.answered_at, p.answered_late, p.created_at, p.updated_height, p.tx`

func (x *Index) scanPetition(rows interface{ Scan(...any) error }, now int64) (int64, Petition, error) {
	var p Petition
	var rid int64
	var hidden, late int
	err := rows.Scan(&rid, &p.ID, &p.Chapter, &p.Category, &p.Author, &p.State, &p.Agreements, &p.Deadline, &p.AnswerDue, &hidden,
		&p.Title, &p.Body, &p.Answer, &p.AnsweredBy, &p.AnsweredAt, &late, &p.CreatedAt, &p.Ref.Height, &p.Ref.Tx)
	p.Hidden, p.AnsweredLate = hidden == 1, late == 1
	if p.Hidden {
		p.Title, p.Body, p.Answer = "", "", ""
	}
	// The same lazy rule as the chain (petition.Effective, petition.Overdue).
	if p.Deadline != 0 && now > p.Deadline {
		p.State = petition.Expired
	}
	if p.State != petition.PreAgreement && p.State != petition.Collecting {
		p.Deadline = 0
	}
	p.Overdue = p.State == petition.ThresholdReached && now > p.AnswerDue
	p.Ref.Key = string(petition.PetitionKey(p.ID))
	return rid, p, err
}

// stateCond filters petitions by effective state at now.
func stateCond(state string, now int64) (string, []any) {
	switch state {
	case "":
		return `p.state <> 'draft'`, nil
	case petition.Expired:
		return `(p.state = 'expired' OR (p.state IN ('pre_agreement','collecting') AND p.deadline < ?))`, []any{now}
	case petition.PreAgreement, petition.Collecting:
		return `p.state = ? AND p.deadline >= ?`, []any{state, now}
	}
	return `p.state = ?`, []any{state}
}

// SearchPetitions searches visible petitions (drafts only when State is
// "draft").
func (x *Index) SearchPetitions(q Query) ([]Petition, string, error) {
	if err := q.normalize(); err != nil {
		return nil, "", err
	}
	if q.Stance != "" {
		return nil, "", badQuery("stance filters comments, not petitions")
	}
	expr, p, ok, err := q.ftsExpr(false)
	if err != nil || !ok {
		return []Petition{}, "", err
	}
	lo, hi, err := x.ridRange("petitions", q.From, q.To)
	if err != nil {
		return nil, "", err
	}
	before, offset, err := parseCursor(q.Cursor, q.Sort)
	if err != nil {
		return nil, "", err
	}
	hi = min(hi, before-1)
	now := x.Now()
	cond, args := stateCond(q.State, now)
	var rows *sql.Rows
	switch {
	case expr == "":
		rows, err = x.db.Query(`SELECT `+petitionCols+` FROM petitions p WHERE p.in_fts=1 AND `+cond+` AND p.rid BETWEEN ? AND ? ORDER BY p.rid DESC LIMIT ?`,
			append(args, lo, hi, q.Limit)...)
	case q.Sort == "relevance":
		rows, err = x.db.Query(`SELECT `+petitionCols+` FROM petition_fts f JOIN petitions p ON p.rid = f.rowid
			WHERE petition_fts MATCH ? AND `+cond+` AND f.rowid BETWEEN ? AND ? ORDER BY f.rank LIMIT ? OFFSET ?`,
			append(append([]any{expr}, args...), lo, hi, q.Limit, offset)...)
	default:
		rows, err = x.db.Query(`SELECT `+petitionCols+` FROM petition_fts f JOIN petitions p ON p.rid = f.rowid
			WHERE petition_fts MATCH ? AND `+cond+` AND f.rowid BETWEEN ? AND ? ORDER BY f.rowid DESC LIMIT ?`,
			append(append([]any{expr}, args...), lo, hi, q.Limit)...)
	}
	if err != nil {
		return nil, "", fmt.Errorf("index: search: %w", err)
	}
	defer rows.Close()
	out := []Petition{}
	var last int64
	for rows.Next() {
		rid, pt, err := x.scanPetition(rows, now)
		if err != nil {
			return nil, "", err
		}
		pt.Snippet = snippet(strings.Join([]string{pt.Title, pt.Body, pt.Answer}, "\n"), &p)
		out, last = append(out, pt), rid
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) == q.Limit {
		if q.Sort == "relevance" {
			next = "o" + strconv.Itoa(offset+q.Limit)
		} else {
			next = strconv.FormatInt(last, 10)
		}
	}
	return out, next, nil
}

// GetPetition returns one petition, or a NotFound error.
func (x *Index) GetPetition(id string) (Petition, error) {
	row := x.db.QueryRow(`SELECT `+petitionCols+` FROM petitions p WHERE p.id = ?`, id)
	_, p, err := x.scanPetition(row, x.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return p, codes.NotFound.Errorf("petition %q is not in the index", id)
	}
	return p, err
}

// GetComment returns one comment and its edit history (empty when hidden or
// deleted, or never edited).
func (x *Index) GetComment(id string) (Comment, []Version, error) {
	row := x.db.QueryRow(`SELECT `+commentCols+` FROM comments c WHERE c.id = ?`, id)
	_, c, err := scanComment(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil, codes.NotFound.Errorf("comment %q is not in the index", id)
	}
	if err != nil {
		return c, nil, err
	}
	vs := []Version{}
	if c.Hidden || c.Deleted {
		return c, vs, nil
	}
	rows, err := x.db.Query(`SELECT version, body, at, height, tx FROM comment_versions WHERE comment=? ORDER BY version`, id)
	if err != nil {
		return c, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v Version
		if err := rows.Scan(&v.Version, &v.Body, &v.At, &v.Height, &v.Tx); err != nil {
			return c, nil, err
		}
		vs = append(vs, v)
	}
	return c, vs, rows.Err()
}

// Thread lists a petition's comments in thread order (each comment followed
// by its replies, oldest first), after the cursor returned by the previous
// page. A page costs the same however long the thread is: it is one range
// scan of the (petition, path) index. Hidden and deleted comments keep their
// place with an empty body, so replies stay in context.
func (x *Index) Thread(petitionID, cursor string, limit int) ([]Comment, string, error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > MaxLimit {
		return nil, "", badQuery("limit must be 1-%d", MaxLimit)
	}
	p, err := x.GetPetition(petitionID)
	if err != nil {
		return nil, "", err
	}
	if p.Hidden {
		return nil, "", petition.CodeContentHidden.Errorf("petition %s is hidden by moderation", p.ID)
	}
	rows, err := x.db.Query(`SELECT `+commentCols+`, c.path FROM comments c WHERE c.petition = ? AND c.path > ? ORDER BY c.path LIMIT ?`, petitionID, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []Comment{}
	var path string
	for rows.Next() {
		var c Comment
		var onAnswer, hidden, deleted int
		var rid int64
		if err := rows.Scan(&rid, &c.ID, &c.Petition, &c.Parent, &c.Depth, &onAnswer, &c.Author, &c.Stance, &c.Body, &c.Version, &c.Up, &c.Down,
			&hidden, &deleted, &c.CreatedAt, &c.EditedAt, &c.Ref.Height, &c.Ref.Tx, &path); err != nil {
			return nil, "", err
		}
		c.OnAnswer, c.Hidden, c.Deleted = onAnswer == 1, hidden == 1, deleted == 1
		if c.Hidden || c.Deleted {
			c.Body = ""
		}
		c.Ref.Key = string(petition.CommentKey(c.ID))
		out = append(out, c)
	}
	next := ""
	if len(out) == limit {
		next = path
	}
	return out, next, rows.Err()
}

// Counts reports how many petitions and comments the index holds.
func (x *Index) Counts() (petitions, comments int64, err error) {
	if err = x.db.QueryRow(`SELECT count(*) FROM petitions`).Scan(&petitions); err != nil {
		return
	}
	err = x.db.QueryRow(`SELECT count(*) FROM comments`).Scan(&comments)
	return
}

// CommentCount reports how many comments a petition has (hidden and deleted
// ones included).
func (x *Index) CommentCount(petition string) (int64, error) {
	var n int64
	err := x.db.QueryRow(`SELECT count(*) FROM comments WHERE petition=?`, petition).Scan(&n)
	return n, err
}
