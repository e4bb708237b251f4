package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/wire"
)

// seenRequest is one request the recording proxy saw.
type seenRequest struct {
	conn, method, path string
	header             http.Header
}

// recordingProxy stands in front of the API like the node's own HTTP
// server would see its clients: which connection each request came on,
// and every header.
type recordingProxy struct {
	mu   sync.Mutex
	seen []seenRequest
	url  string
	// lieAbout, if set, is a member ID the proxy replaces in account
	// answers with one that belongs to nobody: a node lying about who a
	// key is.
	lieAbout string
	// forgeJointKey, if set, replaces the joint key in every election
	// record the proxy serves: a node that would read each ballot
	// encrypted under a key it holds.
	forgeJointKey string
	// stripProofs drops the proofs from election state answers: a node
	// that will not prove what it serves.
	stripProofs bool
	// forged counts the election records served with a forged key.
	forged int
}

// forgeElection rewrites an election state answer as the proxy is set to
// lie: the record's joint key replaced, its proof dropped.
func (p *recordingProxy) forgeElection(body []byte) []byte {
	var v wire.StateValue
	if json.Unmarshal(body, &v) != nil || !v.Found {
		return body
	}
	if p.forgeJointKey != "" {
		raw, _ := hex.DecodeString(v.Value)
		var rec map[string]any
		if json.Unmarshal(raw, &rec) != nil {
			return body
		}
		rec["joint_key"] = p.forgeJointKey
		raw, _ = json.Marshal(rec)
		v.Value = hex.EncodeToString(raw)
		p.forged++
	}
	if p.stripProofs {
		v.Proof = nil
	}
	out, _ := json.Marshal(v)
	return out
}

func newRecordingProxy(t *testing.T, api string) *recordingProxy {
	target, _ := url.Parse(api)
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &recordingProxy{}
	rp.ModifyResponse = func(resp *http.Response) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		path := resp.Request.URL.Path
		account := p.lieAbout != "" && strings.Contains(path, "/accounts/")
		record := (p.forgeJointKey != "" || p.stripProofs) && strings.Contains(path, "/election-state/el/e/")
		if !account && !record {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if account {
			body = bytes.ReplaceAll(body, []byte(p.lieAbout), []byte("m"+strings.Repeat("f", len(p.lieAbout)-1)))
		} else {
			body = p.forgeElection(body)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, seenRequest{conn: r.RemoteAddr, method: r.Method, path: r.URL.RequestURI(), header: r.Header.Clone()})
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *recordingProxy) take() []seenRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.seen
	p.seen = nil
	return s
}

// TestBallotCarriesNothingOfItsVoter: once credentials are fetched (during
// issuance, the last identity-revealing step), `election vote` reads
// nothing that names the member, and the ballot goes out on a connection
// of its own that carried no other request, with no header beyond the
// ones every voter sends (issue 11, finding 3). Before the fix, the first
// vote read /v1/accounts/<member key> and the member's request records and
// posted the ballot on the same keep-alive connection.
//
// The voter's tools also act only on an election record proven against
// the genesis validators: a node that serves another joint key (one whose
// secret it holds) beside the proof is not believed, and one that serves
// no proof gets no ballot. Before, `election vote` encrypted under
// whatever joint key the node served.
func TestBallotCarriesNothingOfItsVoter(t *testing.T) {
	t.Parallel() // waits out election windows, mostly idle
	home, r := startNode(t, "pnyx-anon", launch.Quiet())
	proxy := newRecordingProxy(t, r.APIURL)
	run := func(key string, args ...string) string {
		t.Helper()
		out, err := pnyx(t, append([]string{"--home", home, "--api", proxy.url, "--key", key}, args...)...)
		if err != nil {
			t.Fatalf("pnyx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	id, pubs := map[string]string{}, map[string]string{}
	for _, p := range []string{"comm", "t1", "i1", "v1"} {
		k, err := keys.New(home, p)
		if err != nil {
			t.Fatal(err)
		}
		pubs[p] = hex.EncodeToString(k.Public().(ed25519.PublicKey))
		id[p] = members.DeriveID(pubs[p])
		run(launch.AdminKeyName, "member", "approve", pubs[p], "--chapter", "hq", "--class", "general")
	}
	for p, role := range map[string]string{"comm": "election_commissioner", "t1": "trustee", "i1": "credential_issuer"} {
		run(launch.AdminKeyName, "role", "grant", id[p], role, "hq")
	}
	run("comm", "election", "create", "anon-1", "--title", "Anon", "--contest", "Chair=Kim,Lee",
		"--trustees", id["t1"], "--threshold", "1", "--issuers", id["i1"],
		"--issue-start", "+0s", "--issue-end", "+30s", "--vote-start", "+30s", "--vote-end", "+90s")
	for step := 0; ; step++ {
		// Without --member the trustee takes its member ID from its own
		// key and the proven trustee list, not from the node, which here
		// says the key belongs to nobody on the list.
		proxy.mu.Lock()
		proxy.lieAbout = id["t1"]
		proxy.mu.Unlock()
		run("t1", "election", "trustee", "anon-1")
		proxy.mu.Lock()
		proxy.lieAbout = ""
		proxy.mu.Unlock()
		run("i1", "election", "issuer", "key", "anon-1")
		if out := run("comm", "election", "show", "anon-1"); strings.Contains(out, `"status": "ready"`) {
			break
		}
		if step == 30 {
			t.Fatal("the ceremony did not finish")
		}
		time.Sleep(300 * time.Millisecond)
	}
	// From here the node serves every election record with another joint
	// key, one whose secret it holds (the generator's: 1), beside the
	// proof of the real record.
	proxy.mu.Lock()
	proxy.forgeJointKey = hex.EncodeToString(group.Generator().Encode(nil))
	proxy.mu.Unlock()
	run("v1", "election", "request", "anon-1")
	run("i1", "election", "issuer", "issue", "anon-1")
	run("v1", "election", "credentials", "anon-1")
	waitForDeadline(t, r.APIURL, "anon-1", func(e *election.Election) int64 { return e.VoteStart })

	// A node that will not prove the election record gets no ballot.
	proxy.mu.Lock()
	proxy.stripProofs = true
	proxy.mu.Unlock()
	proxy.take()
	out, err := pnyx(t, "--home", home, "--api", proxy.url, "--key", "v1", "election", "vote", "anon-1", "--choice", "2", "--max-delay", "0")
	if err == nil || !strings.Contains(err.Error(), "without a proof") {
		t.Fatalf("vote on an unproven election record: err %v\n%s", err, out)
	}
	for _, s := range proxy.take() {
		if s.method == "POST" {
			t.Errorf("vote on an unproven election record posted %s", s.path)
		}
	}
	proxy.mu.Lock()
	proxy.stripProofs = false
	proxy.mu.Unlock()

	// With the proof served, the ballot is encrypted under the proven key,
	// whatever the node says beside it, and the chain takes it.
	if out := run("v1", "election", "vote", "anon-1", "--choice", "2", "--max-delay", "0"); !strings.Contains(out, "ballot cast") {
		t.Fatalf("vote:\n%s", out)
	}
	seen := proxy.take()
	proxy.mu.Lock()
	if proxy.forged == 0 {
		t.Error("the proxy served no forged election record: the lie was never told")
	}
	proxy.mu.Unlock()
	var ballot *seenRequest
	for i, s := range seen {
		if strings.Contains(s.path, "/accounts") || strings.Contains(s.path, pubs["v1"]) || strings.Contains(s.path, id["v1"]) {
			t.Errorf("vote read %s %s, which names the voter", s.method, s.path)
		}
		if s.method == "POST" {
			if ballot != nil {
				t.Fatalf("two posts while voting: %s and %s", ballot.path, s.path)
			}
			ballot = &seen[i]
		}
	}
	if ballot == nil || !strings.HasPrefix(ballot.path, "/v1/txs") {
		t.Fatalf("no ballot post among %v", seen)
	}
	for _, s := range seen {
		if s.method != "POST" && s.conn == ballot.conn {
			t.Errorf("the ballot's connection %s also carried %s %s", s.conn, s.method, s.path)
		}
	}
	allowed := map[string]bool{"Content-Type": true, "Content-Length": true, "User-Agent": true, "Accept-Encoding": true, "Connection": true}
	for h := range ballot.header {
		if !allowed[h] {
			t.Errorf("the ballot carried header %s: %v", h, ballot.header[h])
		}
	}
	if ua := ballot.header.Get("User-Agent"); ua != ballotUserAgent {
		t.Errorf("the ballot's User-Agent is %q, not the one every voter sends", ua)
	}
}
