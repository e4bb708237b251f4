package kit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/modules/election"
)

// IssueRun answers every request once, in election.MaxIssueBatch transactions with
// signatures that finalize into credentials, and after a transaction fails
// it resyncs and starts again from that transaction's first request.
func TestIssueRunAnswersEveryRequestOnce(t *testing.T) {
	sk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is, _ := credential.NewIssuer(sk)
	e := &election.Election{ID: "e", ElectionID: strings.Repeat("ab", 32), Issuers: []string{"a"}}
	const n = 2*election.MaxIssueBatch + 5
	kv := hostileNode{}
	put := func(k []byte, v any) { b, _ := json.Marshal(v); kv[string(k)] = b }
	put(election.TallyKey(e.ID), election.Tally{Requests: n})
	pend := make([]*credential.Pending, n)
	for seq := range uint64(n) {
		_, member, _ := ed25519.GenerateKey(rand.Reader)
		otk := make([]byte, 32)
		rand.Read(otk)
		req, p, err := credential.NewRequest(rand.Reader, is.PublicKey(), 0, e.EID(), otk, member)
		if err != nil {
			t.Fatal(err)
		}
		pend[seq] = p
		put(election.RequestKey(e.ID, seq), election.CredentialRequest{Seq: seq, Key: hex.EncodeToString(req.Member),
			Blinded: []string{hex.EncodeToString(req.Blinded)}, Signatures: []string{hex.EncodeToString(req.Signature)}})
	}
	var mu sync.Mutex
	sends, resyncs, failOnce := 0, 0, true
	run := &IssueRun{Election: e, Issuer: is, Index: 0, PageSize: 100, InFlight: 3,
		Fetch: func(_ context.Context, from uint64, limit int) (election.PendingPage, error) {
			mu.Lock()
			defer mu.Unlock()
			return election.Pending(kv, e, 0, from, limit)
		},
		Send: func(_ context.Context, b election.IssueBody) (func() error, error) {
			mu.Lock()
			defer mu.Unlock()
			sends++
			if sends == 2 && failOnce { // this one fails in its block
				failOnce = false
				return func() error { return errors.New("bad nonce") }, nil
			}
			for _, en := range b.Entries {
				k := string(election.BlindSigKey(e.ID, en.Request, 0))
				if kv[k] != nil {
					return nil, fmt.Errorf("request %d answered twice", en.Request)
				}
				kv[k], _ = hex.DecodeString(en.Signature)
			}
			return func() error { return nil }, nil
		},
		Resync: func(context.Context) error { resyncs++; return nil },
	}
	answered, err := run.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if answered != n || resyncs != 1 {
		t.Fatalf("answered %d of %d with %d resyncs", answered, n, resyncs)
	}
	for seq := range uint64(n) {
		if _, err := pend[seq].Finalize(kv[string(election.BlindSigKey(e.ID, seq, 0))]); err != nil {
			t.Fatalf("request %d: %v", seq, err)
		}
	}
}
