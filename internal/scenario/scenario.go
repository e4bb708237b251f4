// Package scenario runs pnyx's plain-text scenario files: stories of signed
// transactions and reads with their expected outcomes, one file format for
// three callers. Each module keeps its files in modules/<m>/testdata/*.txt;
// its scenario_test.go runs them in-process (package scenariotest, which
// also gives them datadriven's -rewrite flag), e2e runs the same files
// through a real node, and `pnyx demo` tells them as its story.
//
// A file is a list of steps in the datadriven format
// (github.com/cockroachdb/datadriven):
//
//	# a comment
//	tx admin org/create_chapter
//	{"id":"seoul$sfx","name":"서울특별시당","parent":"hq"}
//	----
//	ok
//
// A step is a command line, an optional input, "----", and the expected
// output up to a blank line. Run the module's tests with -rewrite to
// regenerate the outputs after a deliberate protocol change; the change is
// then a reviewable diff of expected outputs.
//
// Files run one after another on one node in e2e and the demo, so no
// output may depend on what another file did: IDs carry $sfx, and numbers
// the whole chain shares (the token supply, a chain-wide version counter)
// print relative to a baseline or not at all.
//
// # Names and variables
//
// Signers are names. "admin" is the chain's HQ admin; any other name gets a
// key of its own on first use (derived from the name in-process, random on
// a real node). Command lines and inputs may use variables, which the runner
// replaces with the target's values, and every output has those values
// replaced back by the variable, so expected outputs are the same on every
// target. Unix times (ten digits starting with 1) print as <time>, since
// block times differ between targets, and a rejection's message shows
// <hash> for a 64-digit hex hash that no variable names and "block
// <height>" for a block height.
//
//	$pub(kim)       kim's public key, hex
//	$key8(kim)      its first 8 bytes, as errors name a key
//	$id(kim)        kim's member ID: from kim's enrollment code if a code
//	                step made one for kim, else from kim's public key
//	$code(kim)      kim's one-time enrollment code (after "code kim")
//	$codehash(kim)  its hash as a registrar enrolls it
//	$codehash8(kim) the hash's first 8 bytes, as errors name it
//	$sfx            a suffix for chapter and other IDs: "-000000"
//	                in-process, a random "-xxxxxx" on a real node, so runs
//	                and files sharing a node never collide
//	$chain          the chain ID
//	$time(+3600)    the last block's time plus 3600 s, Unix seconds (for
//	                schedules)
//	$rotsig(new,member)  the signature by key "new" that rotates member's key
//	                to it (members/rotate_key)
//	$track(kim)     the tracking code of kim's first ballot on chain;
//	                $track(kim.2) of the second (see "vote")
//
// # Steps
//
//	tx SIGNER TYPE
//	JSON BODY
//	----
//	ok
//	event TYPE key=value ...
//
// or
//
//	error CODE NAME: MESSAGE
//
// signs the body (re-encoded canonically as the type's body struct, so
// fields may come in any order; a field the struct lacks is a scenario
// error) with SIGNER's next nonce, submits it and waits for its commit.
// Success prints "ok" and the events the tx emitted, in order; a
// rejection prints its stable code, name and message. In-process, every
// rejected tx also runs through a block, which must reject it with the same
// code and change no state.
//
//	get SIGNER PATH [fields=(a,b.c,...)] [relative]
//	----
//	a=...
//
// reads PATH from the API, signed by SIGNER ("-" for an unsigned read). A
// record read (api.Record) prints the record; fields selects fields by
// dotted path (strings print bare, anything else as JSON); without fields
// the whole record prints as JSON with sorted keys. A "*" in a path takes
// every element of an array, printed sorted: fields=(members.*.id) prints
// "members.*.id=[$id(kim) $id(lee)]". relative prints numbers
// as their difference from the last "baseline" of the same path, for
// counters the whole chain shares (the token supply) when files share a
// node. Failed reads print as tx rejections do.
//
//	get SIGNER PATH raw
//
// prints the body as served (minutes, text). A path may carry a query
// (/v1/search?q=당원&kind=all).
//
//	prove SIGNER PATH
//	----
//	proof verified
//
// reads PATH with a Merkle proof and verifies it against the validators'
// signatures (the target's Trusted set, when it names one), and that it
// covers the very record served. On a target without Proofs (the module
// tests' in-process runs) the step passes unchecked and the test logs that
// it did not check.
//
//	baseline PATH
//
// remembers PATH's numbers for "get ... relative".
//
//	code NAME...
//
// makes a one-time enrollment code for each name ($code, $codehash, $id).
//
//	advance DURATION
//
// moves block time forward (Go duration, or Nd for days) and lets one block
// pass. A target that cannot (a real node) skips the rest of the file, and
// says so: keep such steps in files of their own, at the end.
//
// Elections have steps of their own, which run the trustees', issuers'
// and voters' kits between transactions (trustee, issuer-key, issue,
// request, vote, track, private, ballots, record), and "wait" waits on
// every target until block time passes a time a record names (an
// election's vote_start, a petition's answer_due): see election.go.
// Assembly records have "erratum" and "certificate": see assembly.go. A KPI
// scorecard is checked offline, as `pnyx verify kpi` checks it, by
// "verify-kpi": see kpi.go.
package scenario

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/proof"
)

// Target is a node the runner drives through the HTTP API.
type Target struct {
	// URL is the API's base URL.
	URL string
	// Admin is the HQ admin key of the chain's genesis.
	Admin ed25519.PrivateKey
	// Deterministic derives keys and enrollment codes from names (for
	// in-process runs, whose state is then the same every run); otherwise
	// they are random.
	Deterministic bool
	// Suffix is $sfx.
	Suffix string
	// Advance moves block time forward and commits a block; nil when the
	// target cannot.
	Advance func(d time.Duration) error
	// Proofs says the runner asks the target for state proofs and checks
	// them (a real node's validators sign headers; so does the in-process
	// chain's one validator, which only its own Trusted set pins).
	Proofs bool
	// Trusted are the validators proofs and certificates must be signed
	// by (from the genesis); nil trusts those a proof names.
	Trusted *types.ValidatorSet
	// Check, if set, runs after every step and reports what the target
	// itself saw go wrong (in-process: a rejected tx that changed state).
	Check func() error
}

// ErrSkip wraps the reason a target cannot run a step; the rest of the file
// is skipped.
var ErrSkip = errors.New("skipped")

// Runner runs the steps of one scenario file against a target. Use a new
// Runner per file.
type Runner struct {
	ctx     context.Context
	t       Target
	c       *client.Client
	chainID string
	keys    map[string]ed25519.PrivateKey
	signers map[string]*client.Signer
	codes   map[string]string
	base    map[string]map[string]json.Number
	notes   []string
	// checked are offline checks worth telling beyond a step's output.
	checked []string
	// learned are values variables computed from the target's state
	// ($recordhash), by the variable with the suffix as $sfx.
	learned map[string]string
	// el holds the election kits of the file's participants.
	el *elections
}

// learn remembers that the variable name stands for val, so outputs show
// the name.
func (r *Runner) learn(val, name string) {
	if r.learned == nil {
		r.learned = map[string]string{}
	}
	if r.t.Suffix != "" {
		name = strings.ReplaceAll(name, r.t.Suffix, "$sfx")
	}
	r.learned[val] = name
}

// Notes are what the runner could not check on this target, with the
// reason: a test logs them.
func (r *Runner) Notes() []string { return r.notes }

// Checked are the offline checks the runner made whose outcome the expected
// output cannot show, since it is the same on a target that cannot check
// (a scorecard verified with its proof): a test logs them, the demo shows
// them.
func (r *Runner) Checked() []string { return r.checked }

// New returns a runner for one file.
func New(ctx context.Context, t Target) *Runner {
	return &Runner{ctx: ctx, t: t, c: client.New(t.URL), keys: map[string]ed25519.PrivateKey{"admin": t.Admin},
		signers: map[string]*client.Signer{}, codes: map[string]string{}, base: map[string]map[string]json.Number{}}
}

// Names are the names the file has used, sorted.
func (r *Runner) Names() []string {
	var out []string
	for name := range r.keys {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Client returns the runner's API client.
func (r *Runner) Client() *client.Client { return r.c }

// Key returns the key of a name.
func (r *Runner) Key(name string) ed25519.PrivateKey {
	if k, ok := r.keys[name]; ok {
		return k
	}
	var k ed25519.PrivateKey
	if r.t.Deterministic {
		seed := make([]byte, ed25519.SeedSize)
		copy(seed, "scenario/"+name)
		k = ed25519.NewKeyFromSeed(seed)
	} else {
		_, k, _ = ed25519.GenerateKey(rand.Reader)
	}
	r.keys[name] = k
	return k
}

func (r *Runner) signer(name string) *client.Signer {
	if s, ok := r.signers[name]; ok {
		return s
	}
	s := r.c.Signer(r.Key(name))
	r.signers[name] = s
	return s
}

func (r *Runner) pub(name string) string {
	return hex.EncodeToString(r.Key(name).Public().(ed25519.PublicKey))
}

// ID returns a name's member ID ($id).
func (r *Runner) ID(name string) string {
	if code, ok := r.codes[name]; ok {
		return members.DeriveID(members.EnrollmentCodeHash(r.chainID, code))
	}
	return members.DeriveID(r.pub(name))
}

// Step runs one directive and returns its output. An error is the
// scenario's own fault (an unknown command, a bad argument, a node that
// does not answer), not an unexpected outcome: outcomes are output.
func (r *Runner) Step(d Directive) (string, error) {
	if r.chainID == "" {
		id, err := r.c.ChainID(r.ctx)
		if err != nil {
			return "", fmt.Errorf("%s: chain ID: %w", d.Pos, err)
		}
		r.chainID = id
	}
	out, err := r.step(d)
	if err != nil {
		return "", fmt.Errorf("%s: %s: %w", d.Pos, d.Cmd, err)
	}
	if r.t.Check != nil {
		if err := r.t.Check(); err != nil {
			return "", fmt.Errorf("%s: %s: %w", d.Pos, d.Cmd, err)
		}
	}
	out = unixTimes.ReplaceAllString(r.unsubst(out), "<time>")
	if strings.HasPrefix(out, "error ") {
		// A rejection may name a hash the scenario never computed (a
		// meeting's current record hash): it depends on the target's IDs.
		out = hashes.ReplaceAllString(out, "<hash>")
		// Heights differ between targets, and between files sharing a node.
		out = heights.ReplaceAllString(out, "block <height>")
	}
	return out, nil
}

var (
	hashes  = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	heights = regexp.MustCompile(`\bblock \d+\b`)
)

// unixTimes matches Unix times of this era (2001-2033): block times differ
// between targets, so outputs show <time> for them.
var unixTimes = regexp.MustCompile(`\b1\d{9}\b`)

func (r *Runner) step(d Directive) (string, error) {
	args := make([]Arg, len(d.Args))
	for i, a := range d.Args {
		args[i] = Arg{Key: r.subst(a.Key)}
		if strings.HasPrefix(a.Key, "/") && len(a.Vals) == 1 {
			// A path with a query (/v1/search?q=x&kind=y) parses as
			// key=value at its first "=": it is one positional argument.
			args[i] = Arg{Key: r.subst(a.Key + "=" + a.Vals[0])}
			continue
		}
		for _, v := range a.Vals {
			args[i].Vals = append(args[i].Vals, r.subst(v))
		}
	}
	pos := positional(args)
	input := r.subst(d.Input)
	switch d.Cmd {
	case "tx":
		if len(pos) != 2 {
			return "", fmt.Errorf("want: tx SIGNER TYPE")
		}
		return r.tx(pos[0], pos[1], input)
	case "get":
		if len(pos) != 2 {
			return "", fmt.Errorf("want: get SIGNER|- PATH [fields=(...)] [relative]")
		}
		if has(args, "raw") {
			return r.getRaw(pos[1])
		}
		return r.get(pos[0], pos[1], values(args, "fields"), has(args, "relative"))
	case "baseline":
		if len(pos) != 1 {
			return "", fmt.Errorf("want: baseline PATH")
		}
		v, err := r.readValue("", pos[0])
		if err != nil {
			return "", err
		}
		r.base[pos[0]] = map[string]json.Number{}
		numbers("", v, r.base[pos[0]])
		return "", nil
	case "prove":
		if len(pos) != 2 {
			return "", fmt.Errorf("want: prove SIGNER|- PATH")
		}
		return r.prove(pos[0], pos[1])
	case "code":
		if len(pos) == 0 {
			return "", fmt.Errorf("want: code NAME...")
		}
		for _, name := range pos {
			r.codes[name] = r.newCode(name)
		}
		return "", nil
	case "advance":
		if len(pos) != 1 {
			return "", fmt.Errorf("want: advance DURATION")
		}
		dur, err := parseDuration(pos[0])
		if err != nil {
			return "", err
		}
		if r.t.Advance == nil {
			return "", fmt.Errorf("%w: this target cannot move block time", ErrSkip)
		}
		return "", r.t.Advance(dur)
	}
	if f := electionCmds[d.Cmd]; f != nil {
		return f(r, pos, args)
	}
	if f := assemblyCmds[d.Cmd]; f != nil {
		return f(r, pos, args, input)
	}
	if f := kpiCmds[d.Cmd]; f != nil {
		return f(r, pos, args)
	}
	return "", fmt.Errorf("unknown command %q", d.Cmd)
}

// getRaw reads path as served, for bodies that are not JSON (the client
// reads JSON only).
func (r *Runner) getRaw(path string) (string, error) {
	req, err := http.NewRequestWithContext(r.ctx, "GET", r.t.URL+path, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b))), nil
	}
	return string(b), nil
}

// prove reads path with a proof and verifies it against the validators'
// signatures. A target without proofs notes that it did not check.
func (r *Runner) prove(who, path string) (string, error) {
	if !r.t.Proofs {
		r.notes = append(r.notes, "proof of "+r.unsubst(path)+" not checked: this run asks the target for no proofs")
		return "proof verified", nil
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// A record read carries its proof as "proof"; a member's agreement
	// (wire.AgreementView) as "chain".
	var rec struct {
		Key    string          `json:"key"`
		Record json.RawMessage `json:"record"`
		Proof  json.RawMessage `json:"proof"`
		Chain  json.RawMessage `json:"chain"`
	}
	if err := r.read(who, path+sep+"prove=1", &rec); err != nil {
		return outcome(err)
	}
	if len(rec.Proof) == 0 {
		rec.Proof = rec.Chain
	}
	p, err := proof.Unmarshal(rec.Proof)
	if err != nil {
		return "", err
	}
	if err := proof.Verify(p, r.t.Trusted); err != nil {
		return "proof rejected: " + err.Error(), nil
	}
	// A record read's proof must cover the very bytes served.
	if rec.Key != "" && rec.Record != nil {
		if v, ok := p.Value([]byte(rec.Key)); !ok || !bytes.Equal(v, rec.Record) {
			return "proof verified, but for other bytes than the record served", nil
		}
	}
	return "proof verified", nil
}

// flags are the arguments that name an option, not a value.
var flags = map[string]bool{"relative": true, "prove": true, "spoil": true, "replay": true, "raw": true}

func positional(args []Arg) []string {
	var out []string
	for _, a := range args {
		if a.Vals == nil && !flags[a.Key] {
			out = append(out, a.Key)
		}
	}
	return out
}

func values(args []Arg, key string) []string {
	for _, a := range args {
		if a.Key == key {
			return a.Vals
		}
	}
	return nil
}

func has(args []Arg, key string) bool {
	for _, a := range args {
		if a.Key == key {
			return true
		}
	}
	return false
}

func (r *Runner) newCode(name string) string {
	b := make([]byte, 13)
	if r.t.Deterministic {
		copy(b, name)
	} else {
		rand.Read(b)
	}
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:20]
	return s[:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:]
}

func (r *Runner) tx(who, typ, body string) (string, error) {
	if body == "" {
		body = "{}"
	}
	if !json.Valid([]byte(body)) {
		return "", fmt.Errorf("body is not JSON: %s", body)
	}
	raw, err := canonical(typ, body)
	if err != nil {
		return "", err
	}
	res, err := r.signer(who).Send(r.ctx, typ, raw)
	out, err := outcome(err)
	if err != nil || out != "ok" {
		return out, err
	}
	// The events the tx emitted, one a line: what other programs (the
	// index, a wallet) learn from the tx without reading state.
	var b strings.Builder
	b.WriteString(out)
	for _, ev := range res.Events {
		b.WriteString("\nevent " + ev.Type)
		for _, a := range ev.Attributes {
			b.WriteString(" " + a.Key + "=" + a.Value)
		}
	}
	return b.String(), nil
}

// bodyTypes maps each tx type to its body struct, from the party's modules.
var bodyTypes = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, s := range modules.New().Specs() {
		for _, rt := range s.Routes {
			if rt.Body() != nil {
				m[rt.Type] = rt.Body()
			}
		}
	}
	return m
}()

// canonical re-encodes body as its type's canonical JSON, so scenario files
// need not write fields in struct order. A field the body struct lacks is
// the scenario's mistake; a type no module knows is sent as written (the
// chain will refuse it).
func canonical(typ, body string) (json.RawMessage, error) {
	t, ok := bodyTypes[typ]
	if !ok {
		return json.RawMessage(body), nil
	}
	v := reflect.New(t)
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v.Interface()); err != nil {
		return nil, fmt.Errorf("body of %s: %v", typ, err)
	}
	b, err := json.Marshal(v.Interface())
	return b, err
}

// outcome renders a result: "ok" or the rejection. Transport failures are
// errors, not outcomes.
func outcome(err error) (string, error) {
	if err == nil {
		return "ok", nil
	}
	var ce *codes.Error
	if !errors.As(err, &ce) {
		return "", err
	}
	if ce.Code == codes.Unavailable {
		return "", err
	}
	return fmt.Sprintf("error %d %s: %s", ce.Code, ce.Code, ce.Msg), nil
}

func (r *Runner) read(who, path string, out any) error {
	var key ed25519.PrivateKey
	if who != "" && who != "-" {
		key = r.Key(who)
	}
	return r.c.Get(r.ctx, path, key, out)
}

func (r *Runner) get(who, path string, fields []string, relative bool) (string, error) {
	v, err := r.readValue(who, path)
	if err != nil {
		return outcome(err)
	}
	var base map[string]json.Number
	if relative {
		if base = r.base[path]; base == nil {
			return "", fmt.Errorf("relative read of %s without a baseline", path)
		}
	}
	if len(fields) == 0 {
		if relative {
			v = subtract("", v, base)
		}
		b, _ := json.Marshal(v)
		return string(b), nil
	}
	var lines []string
	for _, f := range fields {
		x, ok := lookup(v, f)
		if st, ok := x.(starred); ok {
			// Elements print sorted after substitution, so lists whose order
			// follows random IDs read the same on every target.
			var items []string
			for _, e := range st {
				b, _ := json.Marshal(e)
				if s, ok := e.(string); ok {
					b = []byte(s)
				}
				items = append(items, r.unsubst(string(b)))
			}
			sort.Strings(items)
			lines = append(lines, f+"=["+strings.Join(items, " ")+"]")
			continue
		}
		switch {
		case !ok:
			lines = append(lines, f+" absent")
			continue
		case relative:
			x = subtract(f, x, base)
		}
		if s, ok := x.(string); ok {
			lines = append(lines, f+"="+s)
			continue
		}
		b, _ := json.Marshal(x)
		lines = append(lines, f+"="+string(b))
	}
	return strings.Join(lines, "\n"), nil
}

// readValue reads path; of a record read (api.Record) it returns the
// record, not its height and key.
func (r *Runner) readValue(who, path string) (any, error) {
	var v any
	if err := r.read(who, path, &v); err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		if rec, ok := m["record"]; ok && m["key"] != nil {
			v = rec
		}
	}
	return useNumbers(v), nil
}

// starred is the result of a "*" path: the elements, in any order.
type starred []any

// useNumbers re-decodes v with json.Number, so large integers print exactly.
func useNumbers(v any) any {
	b, _ := json.Marshal(v)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var out any
	dec.Decode(&out)
	return out
}

// lookup follows a dotted path: object keys, array indexes, "len" for an
// array's or a string's length, and "*" for every element (see get).
func lookup(v any, path string) (any, bool) {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if x, ok := v.([]any); ok && p == "*" {
			out := []any{}
			for _, e := range x {
				if y, ok := lookup(e, strings.Join(parts[i+1:], ".")); ok || i+1 == len(parts) {
					if i+1 == len(parts) {
						y = e
					}
					out = append(out, y)
				}
			}
			return starred(out), true
		}
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case string:
			// A string's length: whether a key or hash that differs
			// between targets is set.
			if p != "len" {
				return nil, false
			}
			v = json.Number(strconv.Itoa(len(x)))
			continue
		case []any:
			if p == "len" {
				v = json.Number(strconv.Itoa(len(x)))
				continue
			}
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// numbers collects the numbers in v by dotted path.
func numbers(prefix string, v any, into map[string]json.Number) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			numbers(join(prefix, k), e, into)
		}
	case json.Number:
		into[prefix] = x
	case float64:
		into[prefix] = json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// subtract replaces the integers in v by their difference from base.
func subtract(prefix string, v any, base map[string]json.Number) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = subtract(join(prefix, k), e, base)
		}
		return out
	case json.Number:
		b, ok := base[prefix]
		n, err1 := x.Int64()
		m, err2 := b.Int64()
		if ok && err1 == nil && err2 == nil {
			return json.Number(strconv.FormatInt(n-m, 10))
		}
	}
	return v
}

func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

var varPattern = regexp.MustCompile(`\$([a-z0-9]+)(?:\(([^()$]*)\))?`)

// subst replaces variables by their values, innermost first, so variables
// nest.
func (r *Runner) subst(s string) string {
	for range 5 {
		next := r.substOnce(s)
		if next == s {
			break
		}
		s = next
	}
	return s
}

func (r *Runner) substOnce(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return varPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := varPattern.FindStringSubmatch(m)
		name, arg := sub[1], sub[2]
		var params []string
		if arg != "" {
			params = strings.Split(arg, ",")
			for i := range params {
				params[i] = strings.TrimSpace(params[i])
			}
		}
		switch {
		case name == "sfx":
			return r.t.Suffix
		case name == "chain":
			return r.chainID
		case name == "pub" && len(params) == 1:
			return r.pub(params[0])
		case name == "key8" && len(params) == 1:
			return r.pub(params[0])[:16]
		case name == "id" && len(params) == 1:
			return r.ID(params[0])
		case name == "code" && len(params) == 1:
			return r.codes[params[0]]
		case name == "codehash8" && len(params) == 1:
			return members.EnrollmentCodeHash(r.chainID, r.codes[params[0]])[:16]
		case name == "codehash" && len(params) == 1:
			return members.EnrollmentCodeHash(r.chainID, r.codes[params[0]])
		case name == "time" && len(params) == 1:
			return r.blockTime(params[0])
		case name == "rotsig" && len(params) == 2:
			nk := r.Key(params[0])
			msg := members.RotationMessage(r.chainID, r.ID(params[1]), nk.Public().(ed25519.PublicKey))
			return hex.EncodeToString(ed25519.Sign(nk, msg))
		}
		if f := extraVars[name]; f != nil {
			if v, ok := f(r, params); ok {
				return v
			}
		}
		return m
	})
}

// blockTime is the last block's time plus offset seconds ($time(+3600)),
// for schedules written relative to the chain's clock.
func (r *Runner) blockTime(offset string) string {
	off, err := strconv.ParseInt(strings.TrimPrefix(offset, "+"), 10, 64)
	if err != nil {
		return "<bad offset " + offset + ">"
	}
	var st struct {
		BlockTime time.Time `json:"block_time"`
	}
	if err := r.c.Get(r.ctx, "/v1/status", nil, &st); err != nil {
		return "<no block time: " + err.Error() + ">"
	}
	return strconv.FormatInt(st.BlockTime.Unix()+off, 10)
}

// extraVars are variables that need more than a key, each defined in the
// file of this package that knows its module's cryptography.
var extraVars = func() map[string]func(r *Runner, p []string) (string, bool) {
	m := map[string]func(r *Runner, p []string) (string, bool){}
	for _, vars := range []map[string]func(r *Runner, p []string) (string, bool){assemblyVars, electionVars} {
		for k, f := range vars {
			m[k] = f
		}
	}
	return m
}()

// unsubst replaces every value a variable stands for by the variable, longest
// first, so outputs do not depend on the target.
func (r *Runner) unsubst(s string) string {
	type pair struct{ val, name string }
	var ps []pair
	for name := range r.keys {
		pub := r.pub(name)
		ps = append(ps, pair{pub, "$pub(" + name + ")"}, pair{pub[:16], "$key8(" + name + ")"}, pair{r.ID(name), "$id(" + name + ")"})
	}
	for name, code := range r.codes {
		h := members.EnrollmentCodeHash(r.chainID, code)
		ps = append(ps, pair{code, "$code(" + name + ")"}, pair{h, "$codehash(" + name + ")"}, pair{h[:16], "$codehash8(" + name + ")"}, pair{r.ID(name), "$id(" + name + ")"})
	}
	if r.t.Suffix != "" {
		ps = append(ps, pair{r.t.Suffix, "$sfx"})
	}
	if r.chainID != "" {
		ps = append(ps, pair{r.chainID, "$chain"})
	}
	for val, name := range r.learned {
		ps = append(ps, pair{val, name})
	}
	sort.Slice(ps, func(i, j int) bool {
		if len(ps[i].val) != len(ps[j].val) {
			return len(ps[i].val) > len(ps[j].val)
		}
		return ps[i].name < ps[j].name
	})
	for _, p := range ps {
		if p.val != "" {
			s = strings.ReplaceAll(s, p.val, p.name)
		}
	}
	return s
}
