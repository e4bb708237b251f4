package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/index/corpus"
	progressbar "github.com/pnyx-party/pnyx/internal/progress"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/tx"
)

// SearchOptions shape `pnyx bench search`.
type SearchOptions struct {
	Comments  int    // comments to index
	Petitions int    // petitions; 0 means Comments/500, at least 20
	PerBlock  int    // comments per block
	Seed      uint64 // corpus seed
	Rounds    int    // measured rounds over the query mix
	Dir       string // directory for the index; "" means a temporary one
	Keep      bool   // keep the index afterwards; a later run with the same corpus options reuses it
}

var metros = []string{"seoul", "busan", "daegu", "incheon", "gwangju", "daejeon", "ulsan", "sejong", "gyeonggi", "gangwon",
	"chungbuk", "chungnam", "jeonbuk", "jeonnam", "gyeongbuk", "gyeongnam", "jeju"}

// benchEvent builds the module event the petition module emits, in the
// shape the indexer reads (see petition.emitPetition / emitComment).
func benchEvent(typ string, attrs ...string) []abci.Event {
	ev := abci.Event{Type: typ}
	for i := 0; i < len(attrs); i += 2 {
		ev.Attributes = append(ev.Attributes, abci.EventAttribute{Key: attrs[i], Value: attrs[i+1]})
	}
	return []abci.Event{{Type: "tx"}, ev}
}

func benchTx(typ string, body any, n int, events []abci.Event) index.Tx {
	env := &tx.Envelope{ChainID: "pnyx-bench", Type: typ, Nonce: uint64(n)}
	env.SetBody(body)
	h := sha256.Sum256(append(env.Body, byte(n), byte(n>>8), byte(n>>16), byte(n>>24)))
	return index.Tx{Hash: h[:], Env: env, Events: events}
}

// pet is a generated petition.
type pet struct{ id, scope string }

type benchComment struct {
	id    string
	depth int
}

// Search indexes a generated corpus of o.Comments comments block by block
// and times a fixed mix of searches (see `pnyx bench search --help`).
// Results go to out, ending in the summary line
//
//	comments=N index_per_s=N p50_ms=N p95_ms=N p99_ms=N
//
// and progress to progress.
func Search(out, progress io.Writer, o SearchOptions) error {
	if o.Comments < 1 || o.PerBlock < 1 || o.Rounds < 1 {
		return fmt.Errorf("--comments, --per-block and --rounds must be positive")
	}
	if o.Petitions == 0 {
		o.Petitions = max(20, o.Comments/500)
	}
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "pnyx-bench-search-"); err != nil {
			return err
		}
	}
	if !o.Keep {
		defer os.RemoveAll(dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, "index.sqlite")
	// A kept index of the same corpus and schema is reused (the queries run
	// again on it, e.g. after a change to the query code), with the rates
	// measured when it was built.
	marker := filepath.Join(dir, "bench-search.txt")
	want := fmt.Sprintf("comments=%d petitions=%d per_block=%d seed=%d schema=%s\n", o.Comments, o.Petitions, o.PerBlock, o.Seed, index.SchemaVersion)
	var indexSecs, perSec, perCPU float64
	reused := false
	if b, err := os.ReadFile(marker); err == nil && o.Keep && strings.HasPrefix(string(b), want) {
		_, err := fmt.Sscanf(strings.TrimPrefix(string(b), want), "%g %g %g", &indexSecs, &perSec, &perCPU)
		reused = err == nil
	}
	if !reused {
		os.Remove(marker)
		for _, s := range []string{"", "-wal", "-shm"} {
			os.Remove(path + s)
		}
	}
	x, err := index.Open(path)
	if err != nil {
		return err
	}
	defer x.Close()

	g := corpus.New(o.Seed)
	authors := make([]string, 50_000)
	for i := range authors {
		h := sha256.Sum256([]byte("bench-member-" + strconv.Itoa(i)))
		authors[i] = "m" + hex.EncodeToString(h[:10])
	}
	// Chapters: 17 metropolitan chapters with 15 constituencies each.
	pets := make([]pet, o.Petitions)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range pets {
		pets[i].id = fmt.Sprintf("p%05d", i)
	}
	if !reused {
		if indexSecs, perSec, perCPU, err = buildSearchIndex(x, g, o, pets, authors, start, progress); err != nil {
			return err
		}
		if o.Keep {
			os.WriteFile(marker, []byte(fmt.Sprintf("%s%g %g %g\n", want, indexSecs, perSec, perCPU)), 0o600)
		}
	}
	fi, _ := os.Stat(path)
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	again := ""
	if reused {
		again = " (earlier: this run reuses the kept index)"
	}
	fmt.Fprintf(out, "indexed %d comments on %d petitions in %.1f s (%.0f/s; %.0f per CPU second, all threads)%s; index file %.0f MiB\n", o.Comments, len(pets), indexSecs, perSec, perCPU, again, float64(size)/(1<<20))

	// The query mix. The most commented petition is p00000 (Zipf).
	now := x.Now()
	mix := []struct {
		name string
		q    index.Query
	}{
		{"청년", index.Query{Text: "청년"}},
		{"당원", index.Query{Text: "당원"}},
		{"공천", index.Query{Text: "공천"}},
		{"지방소멸", index.Query{Text: "지방소멸"}},
		{"policy", index.Query{Text: "policy"}},
		{"transparency", index.Query{Text: "transparency"}},
		{"청년 주거", index.Query{Text: "청년 주거"}},
		{"대중교통 요금", index.Query{Text: "대중교통 요금"}},
		{"youth housing", index.Query{Text: "youth housing"}},
		{"climate policy", index.Query{Text: "climate policy"}},
		{"청년 policy", index.Query{Text: "청년 policy"}},
		{"budget 예산", index.Query{Text: "budget 예산"}},
		{"housing 전세 월세", index.Query{Text: "housing 전세 월세"}},
		{"청년 chapter=seoul", index.Query{Text: "청년", Chapter: "seoul"}},
		{"주거 chapter=busan-03", index.Query{Text: "주거", Chapter: "busan-03"}},
		{"policy stance=against", index.Query{Text: "policy", Stance: petition.Against}},
		{"예산 last 30 days", index.Query{Text: "예산", From: now - 30*86400}},
		{"당원 petition=p00000", index.Query{Text: "당원", Petition: "p00000"}},
		{"청년 policy relevance in petition", index.Query{Text: "청년 policy", Petition: "p00000", Sort: "relevance"}},
		{"budget category=housing", index.Query{Text: "budget", Category: "housing"}},
		{"author listing", index.Query{Author: authors[7]}},
		{"교육 2024 range", index.Query{Text: "교육", From: start.Unix(), To: start.Add(90 * 24 * time.Hour).Unix()}},
		// The failure classes of issue 16, one or more queries each.
		{"1 particle: 청년에게", index.Query{Text: "청년에게"}},
		{"1 plural: 당원들의", index.Query{Text: "당원들의"}},
		{"2 ending: 개정하다", index.Query{Text: "개정하다"}},
		{"2 ending: 받다", index.Query{Text: "받다"}},
		{"2 ending: 늘리다", index.Query{Text: "늘리다"}},
		{"3 spaced: 지방 소멸", index.Query{Text: "지방 소멸"}},
		{"3 solid: 대중교통요금", index.Query{Text: "대중교통요금"}},
		{"3 solid: 청년주거정책", index.Query{Text: "청년주거정책"}},
		{"4 syllable: 법", index.Query{Text: "법"}},
		{"4 syllable: 돈", index.Query{Text: "돈"}},
		{"4 syllable: 더", index.Query{Text: "더"}},
		{"5 number: 제3조", index.Query{Text: "제3조"}},
		{"5 number: 2011년", index.Query{Text: "2011년"}},
		{"5 number: 3분의 2", index.Query{Text: "3분의 2"}},
		{"6 phrase: \"청년 주거\"", index.Query{Text: `"청년 주거"`}},
		{"6 exclude: 청년 -주거", index.Query{Text: "청년 -주거"}},
		{"6 or: 청년 OR 노인", index.Query{Text: "청년 OR 노인"}},
		{"6 and/not: 예산 AND 세 NOT 공천", index.Query{Text: "예산 AND 세 NOT 공천"}},
		{"6 relevance: 법 개정 in petition", index.Query{Text: "법 개정", Petition: "p00000", Sort: "relevance"}},
		{"7 typo: 쳥년 (did you mean)", index.Query{Text: "쳥년"}},
		{"7 typo: 지방소멸멸 (did you mean)", index.Query{Text: "지방소멸멸"}},
	}
	// Page 2 of a common word, by cursor.
	_, next, err := x.SearchComments(index.Query{Text: "청년"})
	if err != nil {
		return err
	}
	mix = append(mix, struct {
		name string
		q    index.Query
	}{"청년 page 2", index.Query{Text: "청년", Cursor: next}})

	// A query that finds nothing also pays for its "did you mean", as in
	// the API.
	run := func(q index.Query) (time.Duration, int, error) {
		t := time.Now()
		hits, _, err := x.SearchComments(q)
		if err == nil && len(hits) == 0 && q.Text != "" && q.Cursor == "" {
			x.Suggest(q.Text)
		}
		return time.Since(t), len(hits), err
	}
	for _, m := range mix { // warm-up
		if _, _, err := run(m.q); err != nil {
			return fmt.Errorf("query %s: %w", m.name, err)
		}
	}
	var all []time.Duration
	perQuery := make([][]time.Duration, len(mix))
	hitsOf := make([]int, len(mix))
	for r := 0; r < o.Rounds; r++ {
		for i, m := range mix {
			d, hits, err := run(m.q)
			if err != nil {
				return err
			}
			all = append(all, d)
			perQuery[i] = append(perQuery[i], d)
			hitsOf[i] = hits
		}
	}
	for i, m := range mix {
		fmt.Fprintf(out, "  %-36s hits=%-3d p50=%.2fms max=%.2fms\n", m.name, hitsOf[i], ms(pct(perQuery[i], 50)), ms(pct(perQuery[i], 100)))
	}
	// Threads: pages of 50 on the most commented petition (paging forward
	// from the start) against the first page of the least commented one.
	threadPages := func(pid string, follow bool) ([]time.Duration, int, error) {
		var ds []time.Duration
		cursor, total := "", 0
		for i := 0; i < 50; i++ {
			t := time.Now()
			page, nxt, err := x.Thread(pid, cursor, 50)
			if err != nil {
				return nil, 0, err
			}
			ds = append(ds, time.Since(t))
			total += len(page)
			if follow && nxt != "" {
				cursor = nxt
			} else {
				cursor = ""
			}
		}
		return ds, total, nil
	}
	big, _, err := threadPages("p00000", true)
	if err != nil {
		return err
	}
	small, _, err := threadPages(pets[len(pets)-1].id, false)
	if err != nil {
		return err
	}
	bigN, _ := x.CommentCount("p00000")
	smallN, _ := x.CommentCount(pets[len(pets)-1].id)
	fmt.Fprintf(out, "thread pages of 50: %d-comment thread p50=%.2fms p95=%.2fms; %d-comment thread p50=%.2fms p95=%.2fms\n",
		bigN, ms(pct(big, 50)), ms(pct(big, 95)), smallN, ms(pct(small, 50)), ms(pct(small, 95)))
	fmt.Fprintf(out, "comments=%d index_per_s=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f\n", o.Comments, perSec, ms(pct(all, 50)), ms(pct(all, 95)), ms(pct(all, 99)))
	return nil
}

// buildSearchIndex indexes the generated corpus: the petitions in block 1,
// then the comments PerBlock a block.
func buildSearchIndex(x *index.Index, g *corpus.Gen, o SearchOptions, pets []pet, authors []string, start time.Time, progress io.Writer) (indexSecs, perSec, perCPU float64, err error) {
	blocks := 1 + (o.Comments+o.PerBlock-1)/o.PerBlock
	step := 2 * 365 * 24 * time.Hour / time.Duration(blocks)
	// Block 1: the petitions, created and opened.
	var txs []index.Tx
	n := 0
	for i := range pets {
		m := metros[g.Intn(len(metros))]
		ch, scope := m, m+" hq"
		if g.Intn(10) < 7 {
			ch = fmt.Sprintf("%s-%02d", m, 1+g.Intn(15))
			scope = ch + " " + scope
		}
		pets[i].scope = scope
		title, body := g.Petition()
		author := authors[g.Intn(len(authors))]
		txs = append(txs, benchTx(petition.TypeCreate, petition.CreateBody{ID: pets[i].id, Chapter: ch, Category: g.Category(), Title: title, Body: body}, n,
			benchEvent("petition.created", "id", pets[i].id, "state", petition.Draft, "author", author, "scope", scope)))
		n++
		txs = append(txs, benchTx(petition.TypeOpen, petition.RefBody{Petition: pets[i].id}, n,
			benchEvent("petition.opened", "id", pets[i].id, "state", petition.Collecting, "agreements", "0", "deadline", strconv.FormatInt(start.Add(3*365*24*time.Hour).Unix(), 10), "answer_due", "0")))
		n++
	}
	if err := x.Apply(1, start, txs); err != nil {
		return 0, 0, 0, err
	}

	// Comments, PerBlock a block: popular petitions draw most of them
	// (Zipf), 30% are replies to a recent comment, 1% get hidden by reports
	// in the next block.
	recent := make([][]benchComment, len(pets))
	var toHide []string
	began, cpuBegan := time.Now(), processCPU()
	bar := progressbar.New(progress, "bench search: indexing comments", o.Comments)
	made := 0
	for h := int64(2); made < o.Comments; h++ {
		txs = txs[:0]
		for _, id := range toHide {
			txs = append(txs, benchTx(petition.TypeReport, petition.ReportBody{Comment: id, Reason: "spam"}, n,
				benchEvent("comment.reported", "id", id, "up", "0", "down", "0", "hidden", "true", "deleted", "false")))
			n++
		}
		toHide = toHide[:0]
		for k := 0; k < o.PerBlock && made < o.Comments; k++ {
			pi := min(int(float64(len(pets))*powRand(g)), len(pets)-1)
			p := pets[pi]
			c := benchComment{id: "c" + strconv.FormatInt(int64(made), 36), depth: 1}
			parent := ""
			if r := recent[pi]; len(r) > 0 && g.Intn(10) < 3 {
				par := r[g.Intn(len(r))]
				if par.depth < petition.MaxDepth {
					parent, c.depth = par.id, par.depth+1
				}
			}
			stance := g.Stance()
			author := authors[g.Intn(len(authors))]
			txs = append(txs, benchTx(petition.TypeComment, petition.CommentBody{ID: c.id, Petition: p.id, Parent: parent, Stance: stance, Body: g.Comment()}, n,
				benchEvent("comment.posted", "id", c.id, "petition", p.id, "author", author, "depth", strconv.Itoa(c.depth), "on_answer", "false")))
			n++
			if len(recent[pi]) < 8 {
				recent[pi] = append(recent[pi], c)
			} else {
				recent[pi][g.Intn(8)] = c
			}
			if g.Intn(100) == 0 {
				toHide = append(toHide, c.id)
			}
			made++
		}
		if err := x.Apply(h, start.Add(time.Duration(h)*step), txs); err != nil {
			return 0, 0, 0, err
		}
		bar.Set(made)
	}
	bar.Done()
	indexSecs = time.Since(began).Seconds()
	perSec = float64(o.Comments) / indexSecs
	if cpu := (processCPU() - cpuBegan).Seconds(); cpu > 0 {
		perCPU = float64(o.Comments) / cpu
	}
	return indexSecs, perSec, perCPU, nil
}

// powRand draws u^3 for a skewed choice of petition (a few draw most comments).
func powRand(g *corpus.Gen) float64 {
	u := float64(g.Intn(1_000_000)) / 1_000_000
	return u * u * u
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
