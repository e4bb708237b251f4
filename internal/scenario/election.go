package scenario

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// Steps for elections, which need the trustees', issuers' and voters'
// kits (package modules/election) between the transactions. Each
// participant is a name, as signers are; its secrets (a trustee's seed and
// memory, an issuer's RSA key, a voter's one-time key and credentials) live
// in the runner for the file.
//
//	trustee ELECTION NAME...
//
// runs the named trustees' kits (TrusteeStepRemembering) in turns, one
// transaction each per turn, until every one of them waits: the key
// ceremony (HPKE key, dealing, check, answers, acknowledgement) before
// voting, a decryption share after it. Prints each transaction it sent,
// "NAME TYPE: ok" or the rejection, then what each one waits for.
//
// With turns=N each takes at most N turns: turns=1 is one ceremony round.
//
//	deal NAME ELECTION [corrupt=L]
//	ack NAME ELECTION as=TRUSTEE
//
// send a dealing by hand, with corrupt=L one whose share to trustee L is
// wrong, and an acknowledgement computed from another trustee's key share
// (or one's own, late): the ceremony's refusals and complaints.
//
//	issuer-key NAME ELECTION
//	issue NAME ELECTION
//
// posts issuer NAME's RSA key, and answers every credential request not
// yet answered, in batches of election.MaxIssueBatch.
//
//	request NAME ELECTION
//
// NAME's voter kit requests blind credentials (printed as a tx).
//
//	vote NAME ELECTION choice=(I,...) [spoil] [replay]
//
// NAME unblinds its credentials (once), seals a ballot choosing option I
// of each contest, and sends it as an anonymous transaction; spoil sends it
// as a spoiled ballot (Benaloh challenge: the reveal is published, the
// ballot never counted); replay sends NAME's last ballot's bytes again.
// The ballot's tracking code prints as $track(NAME), $track(NAME.2) for
// NAME's second ballot and so on.
//
//	track ELECTION LABEL
//
// looks a ballot up by its tracking code ($track(LABEL)) with an inclusion
// proof: its kind, whether a re-vote replaced it, that the served bytes
// hash to the code, and the proof (verified where the target has proofs).
//
//	private ELECTION
//
// checks that no ballot tx of this file carries a signer, and that nothing
// served for them (the txs, the tally, the ballot box, the tracking
// answers) names or links to any member the file knows.
//
//	ballots ELECTION
//
// reads the whole ballot box and checks every entry's bytes against its
// tracking code.
//
//	record ELECTION
//
// exports the election record, verifies it as `pnyx verify election` does,
// compares its schedule and eligibility with the election's, and verifies
// a copy with one count changed, which must fail.
//
//	wait NAME PATH FIELD
//
// waits until the last block's time is past the Unix time at FIELD (a
// dotted path) of PATH's record: an election's vote_start, a petition's
// chain.record.answer_due. In-process it moves block time there; on a real
// node it waits for the clock and, since a quiet chain makes blocks
// rarely, sends a 1-point burn by NAME to move block time on. Stories
// meant for both targets use short windows ($time(+20)).
type elections struct {
	seeds    map[string][32]byte
	mems     map[string]*kit.TrusteeMemory
	issuers  map[string]*credential.Issuer
	voters   map[string]*voterKit
	ballots  []sentBallot
	tracking map[string]string // label → tracking code, hex
}

type voterKit struct {
	v     *kit.Voter
	creds [][]byte
	last  []byte // the last ballot tx sent
	votes int
}

type sentBallot struct {
	election, label string
	raw             []byte
}

func (r *Runner) elections() *elections {
	if r.el == nil {
		r.el = &elections{seeds: map[string][32]byte{}, mems: map[string]*kit.TrusteeMemory{}, issuers: map[string]*credential.Issuer{},
			voters: map[string]*voterKit{}, tracking: map[string]string{}}
	}
	return r.el
}

// seed is a secret of name for purpose: derived in-process, random on a
// real node.
func (r *Runner) seed(name, purpose string) [32]byte {
	if r.t.Deterministic {
		return sha256.Sum256([]byte("scenario/" + purpose + "/" + name))
	}
	return kit.NewSeed()
}

func (r *Runner) state() *client.ElectionState { return r.c.ElectionState(r.ctx) }

func (r *Runner) election(id string) (*election.Election, error) {
	st := r.state()
	e, ok := election.Get(st, id)
	if st.Err != nil {
		return nil, st.Err
	}
	if !ok {
		return nil, fmt.Errorf("no election %q", id)
	}
	return e, nil
}

// now is the last block's time, Unix seconds.
func (r *Runner) now() (int64, error) {
	var st struct {
		BlockTime time.Time `json:"block_time"`
	}
	if err := r.c.Get(r.ctx, "/v1/status", nil, &st); err != nil {
		return 0, err
	}
	return st.BlockTime.Unix(), nil
}

// send signs body as typ by who and renders the outcome as tx does.
func (r *Runner) send(who, typ string, body any) (string, error) {
	res, err := r.signer(who).Send(r.ctx, typ, body)
	return render(res, err)
}

func render(res wire.TxResult, err error) (string, error) {
	out, err := outcome(err)
	if err != nil || out != "ok" {
		return out, err
	}
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

var electionCmds = map[string]func(r *Runner, pos []string, args []Arg) (string, error){
	"trustee":    (*Runner).trustees,
	"deal":       (*Runner).deal,
	"ack":        (*Runner).ack,
	"issuer-key": (*Runner).issuerKey,
	"issue":      (*Runner).issue,
	"request":    (*Runner).request,
	"vote":       (*Runner).vote,
	"track":      (*Runner).track,
	"private":    (*Runner).private,
	"ballots":    (*Runner).ballotBox,
	"record":     (*Runner).record,
	"wait":       (*Runner).wait,
}

func (r *Runner) trustees(pos []string, args []Arg) (string, error) {
	if len(pos) < 2 {
		return "", fmt.Errorf("want: trustee ELECTION NAME... [turns=N]")
	}
	id, names := pos[0], pos[1:]
	turns, limited := 20, false
	if v := values(args, "turns"); len(v) == 1 {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 {
			return "", fmt.Errorf("turns=%q", v[0])
		}
		turns, limited = n, true
	}
	var lines []string
	waiting := make([]string, len(names))
	for round := 0; ; round++ {
		if round == turns {
			if !limited {
				return "", fmt.Errorf("the trustees still act after %d turns", turns)
			}
			return strings.Join(lines, "\n"), nil
		}
		acted := false
		for i, name := range names {
			e, err := r.election(id)
			if err != nil {
				return "", err
			}
			l := e.TrusteeIndex(r.ID(name))
			if l == 0 {
				return "", fmt.Errorf("%s is no trustee of %s", name, id)
			}
			seed, mem := r.trusteeKit(name, id)
			now, err := r.now()
			if err != nil {
				return "", err
			}
			st := r.state()
			typ, body, wait, err := kit.TrusteeStepRemembering(st, e, seed, l, now, mem)
			if st.Err != nil {
				return "", st.Err
			}
			if err != nil {
				waiting[i] = "refuses: " + err.Error()
				continue
			}
			if typ == "" {
				waiting[i] = "waits for " + wait
				continue
			}
			acted = true
			out, err := r.send(name, typ, body)
			if err != nil {
				return "", err
			}
			// Events carry keys and hashes that differ every run: the
			// first line says what happened.
			out, _, _ = strings.Cut(out, "\n")
			lines = append(lines, name+" "+typ+": "+out)
			if out != "ok" {
				return strings.Join(lines, "\n"), nil
			}
		}
		if !acted {
			break
		}
	}
	for i, name := range names {
		lines = append(lines, name+" "+waiting[i])
	}
	return strings.Join(lines, "\n"), nil
}

// trusteeKit returns name's seed and memory as a trustee of id.
func (r *Runner) trusteeKit(name, id string) ([32]byte, *kit.TrusteeMemory) {
	el := r.elections()
	k := name + "/" + id
	if _, ok := el.seeds[k]; !ok {
		el.seeds[k] = r.seed(k, "trustee")
		el.mems[k] = &kit.TrusteeMemory{}
	}
	return el.seeds[k], el.mems[k]
}

// deal sends trustee NAME's dealing, with corrupt=L the share sealed to
// trustee L replaced by a wrong one (a dishonest dealer, or a broken
// machine): trustee L's check then complains, and the dealer must answer.
// The kit remembers the dealing as it would its own.
func (r *Runner) deal(pos []string, args []Arg) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want: deal NAME ELECTION [corrupt=L]")
	}
	name, id := pos[0], pos[1]
	e, err := r.election(id)
	if err != nil {
		return "", err
	}
	l := e.TrusteeIndex(r.ID(name))
	if l == 0 {
		return "", fmt.Errorf("%s is no trustee of %s", name, id)
	}
	seed, mem := r.trusteeKit(name, id)
	st := r.state()
	if mem.Dealt == "" {
		now, err := r.now()
		if err != nil {
			return "", err
		}
		if _, _, _, err := kit.TrusteeStepRemembering(st, e, seed, l, now, mem); err != nil {
			return "", err
		}
	}
	_, d, _, err := kit.Trustee(st, e, seed, l)
	if err != nil {
		return "", err
	}
	if d == nil {
		return "", fmt.Errorf("%s cannot deal yet", name)
	}
	if c := values(args, "corrupt"); len(c) == 1 {
		to, err := strconv.Atoi(c[0])
		if err != nil || to < 1 || to > len(e.HPKEKeys) {
			return "", fmt.Errorf("corrupt=%q is no trustee index", c[0])
		}
		key, err := hex.DecodeString(e.HPKEKeys[to-1])
		if err != nil {
			return "", err
		}
		if err := ceremony.CorruptShare(kit.Stream(seed, "scenario/corrupt", to), e.Params(), d, to, key); err != nil {
			return "", err
		}
	}
	return r.send(name, election.TypeDeal, kit.DealBodyFor(id, d))
}

// ack sends, signed by NAME, the acknowledgement trustee AS would send
// (as=NAME for one's own, again).
func (r *Runner) ack(pos []string, args []Arg) (string, error) {
	as := values(args, "as")
	if len(pos) != 2 || len(as) != 1 {
		return "", fmt.Errorf("want: ack NAME ELECTION as=TRUSTEE")
	}
	name, id := pos[0], pos[1]
	e, err := r.election(id)
	if err != nil {
		return "", err
	}
	l := e.TrusteeIndex(r.ID(as[0]))
	if l == 0 {
		return "", fmt.Errorf("%s is no trustee of %s", as[0], id)
	}
	seed, _ := r.trusteeKit(as[0], id)
	t, _, _, err := kit.Trustee(r.state(), e, seed, l)
	if err != nil {
		return "", err
	}
	b, err := kit.AckBodyFor(e, t, seed)
	if err != nil {
		return "", err
	}
	return r.send(name, election.TypeAck, b)
}

// issuer returns name's issuer kit, with the next unused test key.
func (r *Runner) issuer(name string) (*credential.Issuer, error) {
	el := r.elections()
	if is, ok := el.issuers[name]; ok {
		return is, nil
	}
	if len(el.issuers) == len(issuerPEMs) {
		return nil, fmt.Errorf("only %d issuer keys for scenarios", len(issuerPEMs))
	}
	b, _ := pem.Decode([]byte(issuerPEMs[len(el.issuers)]))
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	is, err := credential.NewIssuer(k.(*rsa.PrivateKey))
	if err != nil {
		return nil, err
	}
	el.issuers[name] = is
	return is, nil
}

func (r *Runner) issuerKey(pos []string, _ []Arg) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want: issuer-key NAME ELECTION")
	}
	is, err := r.issuer(pos[0])
	if err != nil {
		return "", err
	}
	return r.send(pos[0], election.TypeIssuerKey, kit.IssuerKeyBodyFor(pos[1], is))
}

func (r *Runner) issue(pos []string, _ []Arg) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want: issue NAME ELECTION")
	}
	name, id := pos[0], pos[1]
	is, err := r.issuer(name)
	if err != nil {
		return "", err
	}
	var outs []string
	for {
		e, err := r.election(id)
		if err != nil {
			return "", err
		}
		i := e.IssuerIndex(r.ID(name))
		if i < 0 {
			return "", fmt.Errorf("%s is no issuer of %s", name, id)
		}
		st := r.state()
		seqs := kit.Unanswered(st, e, i, election.MaxIssueBatch)
		if st.Err != nil {
			return "", st.Err
		}
		if len(seqs) == 0 {
			break
		}
		b, err := kit.IssueBodyFor(st, e, is, i, seqs)
		if err != nil {
			return "", err
		}
		out, err := r.send(name, election.TypeIssue, b)
		if err != nil {
			return "", err
		}
		outs = append(outs, out)
		if !strings.HasPrefix(out, "ok") {
			break
		}
	}
	if len(outs) == 0 {
		return "nothing to answer", nil
	}
	return strings.Join(outs, "\n"), nil
}

func (r *Runner) request(pos []string, _ []Arg) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want: request NAME ELECTION")
	}
	name, id := pos[0], pos[1]
	e, err := r.election(id)
	if err != nil {
		return "", err
	}
	k := name + "/" + id
	vk := r.elections().voters[k]
	v := (*kit.Voter)(nil)
	if vk != nil {
		v = vk.v
	} else if v, err = kit.NewVoter(r.seed(k, "voter")); err != nil {
		return "", err
	}
	body, err := v.Request(e, r.Key(name))
	if err != nil {
		return "", err
	}
	out, err := r.send(name, election.TypeRequest, body)
	if err == nil && strings.HasPrefix(out, "ok") && vk == nil {
		r.elections().voters[k] = &voterKit{v: v}
	}
	return out, err
}

func (r *Runner) vote(pos []string, args []Arg) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want: vote NAME ELECTION choice=(I,...) [spoil] [replay]")
	}
	name, id := pos[0], pos[1]
	el := r.elections()
	vk := el.voters[name+"/"+id]
	if vk == nil {
		return "", fmt.Errorf("%s has no credentials requested for %s", name, id)
	}
	chainID := r.chainID
	var raw []byte
	var label, tc string
	if has(args, "replay") {
		if vk.last == nil {
			return "", fmt.Errorf("%s sent no ballot to replay", name)
		}
		raw = vk.last
	} else {
		e, err := r.election(id)
		if err != nil {
			return "", err
		}
		if vk.creds == nil {
			st := r.state()
			seq, ok := election.RequestOf(st, id, r.ID(name))
			if !ok {
				return "", fmt.Errorf("%s's request is not on chain (%v)", name, st.Err)
			}
			if vk.creds, err = vk.v.Credentials(st, e, r.Key(name), seq); err != nil {
				return "", err
			}
		}
		m := e.DecodedManifest()
		choices := values(args, "choice")
		if len(choices) != len(m.Contests) {
			return "", fmt.Errorf("want one choice per contest (%d)", len(m.Contests))
		}
		sel := make([][]uint32, len(m.Contests))
		for i, c := range m.Contests {
			sel[i] = make([]uint32, len(c.Options))
			n, err := strconv.Atoi(choices[i])
			if err != nil || n < 0 || n >= len(c.Options) {
				return "", fmt.Errorf("choice %q is no option of contest %d", choices[i], i)
			}
			sel[i][n] = 1
		}
		c, err := kit.PublicContext(e)
		if err != nil {
			return "", err
		}
		b, rv, err := vk.v.Encrypt(c, vk.creds, sel)
		if err != nil {
			return "", err
		}
		raw = kit.BallotTx(chainID, b)
		if has(args, "spoil") {
			raw = kit.SpoilTx(chainID, b, rv)
		}
		code := b.TrackingCode()
		label = name
		if vk.votes > 0 {
			label = fmt.Sprintf("%s.%d", name, vk.votes+1)
		}
		tc = hex.EncodeToString(code[:])
		r.learn(tc, "$track("+label+")")
		vk.last = kit.BallotTx(chainID, b)
	}
	res, err := r.c.Submit(r.ctx, raw, true)
	out, err := render(res, err)
	if err == nil && strings.HasPrefix(out, "ok") && label != "" {
		// Only ballots on chain count and have a label to track them by.
		vk.votes++
		el.tracking[label] = tc
		el.ballots = append(el.ballots, sentBallot{election: id, label: label, raw: raw})
	}
	return out, err
}

func (r *Runner) track(pos []string, _ []Arg) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want: track ELECTION LABEL")
	}
	id, label := pos[0], pos[1]
	tc, ok := r.elections().tracking[label]
	if !ok {
		return "", fmt.Errorf("no ballot labelled %s", label)
	}
	path := "/v1/elections/" + id + "/tracking/" + tc
	if r.t.Proofs {
		path += "?prove=1"
	}
	var ans wire.TrackingAnswer
	if err := r.c.Get(r.ctx, path, nil, &ans); err != nil {
		return outcome(err)
	}
	lines := []string{"kind=" + ans.Kind, fmt.Sprintf("replaced=%v", ans.Replaced)}
	if ans.Ballot != "" {
		raw, err := base64.StdEncoding.DecodeString(ans.Ballot)
		code := ballot.TrackingCodeOf(raw)
		lines = append(lines, fmt.Sprintf("bytes match the code: %v", err == nil && hex.EncodeToString(code[:]) == tc))
	}
	if !r.t.Proofs {
		r.notes = append(r.notes, "inclusion proof of "+label+"'s ballot not checked: this run asks the target for no proofs")
		return strings.Join(append(lines, "proof verified"), "\n"), nil
	}
	p, err := proof.Unmarshal(ans.Proof)
	if err != nil {
		return "", err
	}
	if err := certificate.VerifyBallotInclusion(p, r.t.Trusted, id, tc, ans.Key, ans.Record); err != nil {
		return strings.Join(append(lines, "proof rejected: "+err.Error()), "\n"), nil
	}
	r.checked = append(r.checked, fmt.Sprintf("%s's ballot proven in the ballot box at height %d, signed by %s", label, p.StateVersion, r.pinnedSigners()))
	return strings.Join(append(lines, "proof verified"), "\n"), nil
}

// private checks that ballots and what is served for them name no member.
func (r *Runner) private(pos []string, _ []Arg) (string, error) {
	if len(pos) != 1 {
		return "", fmt.Errorf("want: private ELECTION")
	}
	id := pos[0]
	var secrets []string
	for name := range r.keys {
		secrets = append(secrets, r.ID(name), r.pub(name))
	}
	get := func(path string) (string, error) {
		b, err := r.c.GetRaw(r.ctx, path, nil)
		return string(b), err
	}
	var served []string
	n := 0
	for _, b := range r.elections().ballots {
		if b.election != id {
			continue
		}
		n++
		env, err := tx.Decode(b.raw)
		if err != nil {
			return "", err
		}
		if strings.Trim(hex.EncodeToString(env.Signer), "0") != "" || env.Nonce != 0 {
			return fmt.Sprintf("ballot %s carries a signer", b.label), nil
		}
		s, err := get("/v1/txs/" + hex.EncodeToString(tx.Hash(b.raw)))
		if err != nil {
			return "", err
		}
		t, err := get("/v1/elections/" + id + "/tracking/" + r.elections().tracking[b.label])
		if err != nil {
			return "", err
		}
		served = append(served, string(b.raw), s, t)
	}
	for _, p := range []string{"/v1/elections/" + id + "/tally", "/v1/elections/" + id + "/ballots?limit=500"} {
		s, err := get(p)
		if err != nil {
			return "", err
		}
		served = append(served, s)
	}
	for _, s := range served {
		for _, x := range secrets {
			if strings.Contains(s, x) {
				return "served data names a member: " + r.unsubst(x), nil
			}
		}
	}
	return fmt.Sprintf("%d ballot txs carry no signer; nothing served for them names a member", n), nil
}

func (r *Runner) ballotBox(pos []string, _ []Arg) (string, error) {
	if len(pos) != 1 {
		return "", fmt.Errorf("want: ballots ELECTION")
	}
	var page struct {
		Cast    uint64 `json:"cast"`
		Ballots []struct {
			Seq      uint64 `json:"seq"`
			Tracking string `json:"tracking"`
			Replaces int64  `json:"replaces"`
			Ballot   string `json:"ballot"`
		} `json:"ballots"`
	}
	n, replacing := 0, 0
	for after := int64(-1); ; {
		path := "/v1/elections/" + pos[0] + "/ballots?limit=500"
		if after >= 0 {
			path += "&after=" + strconv.FormatInt(after, 10)
		}
		page.Ballots = nil
		if err := r.c.Get(r.ctx, path, nil, &page); err != nil {
			return outcome(err)
		}
		for _, b := range page.Ballots {
			raw, err := base64.StdEncoding.DecodeString(b.Ballot)
			if tc := ballot.TrackingCodeOf(raw); err != nil || hex.EncodeToString(tc[:]) != b.Tracking {
				return fmt.Sprintf("entry %d: its bytes do not match its tracking code", b.Seq), nil
			}
			if b.Replaces >= 0 {
				replacing++
			}
			n++
			after = int64(b.Seq)
		}
		if len(page.Ballots) < 500 {
			break
		}
	}
	return fmt.Sprintf("%d ballots, %d replacing an earlier one; every entry's bytes match its tracking code", n, replacing), nil
}

func (r *Runner) record(pos []string, _ []Arg) (string, error) {
	if len(pos) != 1 {
		return "", fmt.Errorf("want: record ELECTION")
	}
	id := pos[0]
	data, err := r.c.ElectionRecord(r.ctx, id)
	if err != nil {
		return outcome(err)
	}
	rep := record.VerifyBytes(data, record.Options{})
	if !rep.OK() {
		return fmt.Sprintf("record fails %v", rep.Failed()), nil
	}
	lines := []string{fmt.Sprintf("record verifies: %d ballots, %d counted", rep.Ballots, rep.Counted)}
	rec, err := record.Decode(data)
	if err != nil {
		return "", err
	}
	e, err := r.election(id)
	if err != nil {
		return "", err
	}
	sched := record.Schedule{IssueStart: e.IssueStart, IssueEnd: e.IssueEnd, VoteStart: e.VoteStart, VoteEnd: e.VoteEnd, AllowOverlap: rec.Schedule.AllowOverlap}
	lines = append(lines, fmt.Sprintf("schedule as the chain fixed it: %v (allow_overlap=%v)", rec.Schedule == sched, rec.Schedule.AllowOverlap))
	el := rec.Eligibility
	lines = append(lines, fmt.Sprintf("eligibility: %d of class %q at %s, the registry of the block before creation: %v", el.Count, el.Class, el.Chapter,
		el.RegistryHeight == uint64(e.CreatedAtH-1) && e.EligibleAt == e.CreatedAtH-1 && el.Count == e.Eligible && el.Chapter == e.Chapter && el.Class == string(e.Class)))
	rec.Results[0][0]++
	tampered := record.VerifyBytes(rec.Encode(), record.Options{})
	if tampered.OK() {
		lines = append(lines, "with one count changed it still verifies")
	} else {
		lines = append(lines, fmt.Sprintf("with one count changed it fails %v", tampered.Failed()))
	}
	return strings.Join(lines, "\n"), nil
}

func (r *Runner) wait(pos []string, _ []Arg) (string, error) {
	if len(pos) != 3 {
		return "", fmt.Errorf("want: wait NAME PATH FIELD")
	}
	name, path, field := pos[0], pos[1], pos[2]
	v, err := r.readValue("", path)
	if err != nil {
		return outcome(err)
	}
	x, _ := lookup(v, field)
	num, _ := x.(json.Number)
	mark, err := num.Int64()
	if err != nil || mark == 0 {
		return "", fmt.Errorf("%s has no time at %s", path, field)
	}
	done := field + " passed"
	for {
		now, err := r.now()
		if err != nil {
			return "", err
		}
		if now > mark {
			return done, nil
		}
		if r.t.Advance != nil {
			if err := r.t.Advance(time.Duration(mark+1-now) * time.Second); err != nil {
				return "", err
			}
			continue
		}
		if wall := time.Now().Unix(); wall <= mark {
			select {
			case <-r.ctx.Done():
				return "", r.ctx.Err()
			case <-time.After(time.Until(time.Unix(mark+1, 0)) + 100*time.Millisecond):
			}
			continue
		}
		// A block's time is when the one before it committed: a tx moves
		// block time to now.
		if out, err := r.send(name, token.TypeBurn, token.BurnBody{Amount: 1}); err != nil || !strings.HasPrefix(out, "ok") {
			return "", fmt.Errorf("moving block time with a burn by %s: %s %v", name, out, err)
		}
	}
}

// electionVars: $track(LABEL), a ballot's tracking code (see vote).
var electionVars = map[string]func(r *Runner, p []string) (string, bool){
	"track": func(r *Runner, p []string) (string, bool) {
		if len(p) != 1 || r.el == nil {
			return "", false
		}
		tc, ok := r.el.tracking[p[0]]
		return tc, ok
	},
}
