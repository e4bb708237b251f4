package portal_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/internal/golden"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
)

// The wire format has two implementations, Go (package tx, auth, members)
// and TypeScript (web/src/lib). Neither is the reference: the vectors are.
// testdata/tx/go-vectors.json is written by Go (this test, -update) and
// reproduced byte for byte by web/test/vectors.test.ts; testdata/tx/
// ts-vectors.json is written by the TypeScript test (UPDATE=1) and accepted
// here by the Go decoder, verifier and the chain's own body structs.

type envelopeVector struct {
	Name      string `json:"name"`
	Seed      string `json:"seed"`       // hex, 32 bytes; "" for an anonymous tx
	PublicKey string `json:"public_key"` // hex
	ChainID   string `json:"chain_id"`
	Type      string `json:"type"`
	Nonce     string `json:"nonce"` // decimal u64
	Body      string `json:"body"`  // the canonical JSON body
	SignBytes string `json:"sign_bytes"`
	Signature string `json:"signature"`
	Encoded   string `json:"encoded"`
	Hash      string `json:"hash"`
}

type readVector struct {
	Name          string `json:"name"`
	Seed          string `json:"seed"`
	ChainID       string `json:"chain_id"`
	Method        string `json:"method"`
	URI           string `json:"uri"`
	Time          int64  `json:"time"`
	Message       string `json:"message"` // hex of the signed bytes
	Authorization string `json:"authorization"`
}

type enrollVector struct {
	ChainID  string `json:"chain_id"`
	Code     string `json:"code"`
	CodeHash string `json:"code_hash"`
	MemberID string `json:"member_id"`
}

type vectors struct {
	Comment   string           `json:"comment"`
	Envelopes []envelopeVector `json:"envelopes"`
	Reads     []readVector     `json:"reads"`
	// ReadReplayed is the message of a signed read refused because the
	// node accepted its signature before (code 17, forbidden): a client
	// recognizes it and signs again with a later time.
	ReadReplayed string         `json:"read_replayed,omitempty"`
	Enrollment   []enrollVector `json:"enrollment"`
}

func seed(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func envelopeOf(name string, sd []byte, chainID, typ string, nonce uint64, body any) envelopeVector {
	e := &tx.Envelope{ChainID: chainID, Type: typ, Nonce: nonce}
	if err := e.SetBody(body); err != nil {
		panic(err)
	}
	v := envelopeVector{Name: name, ChainID: chainID, Type: typ, Nonce: strconv.FormatUint(nonce, 10), Body: string(e.Body)}
	if sd != nil {
		e.Sign(ed25519.NewKeyFromSeed(sd))
		v.Seed = hex.EncodeToString(sd)
	} else {
		e.Signer = make([]byte, 32) // anonymous: all-zero signer and signature
	}
	raw := e.Encode()
	v.PublicKey = hex.EncodeToString(e.Signer)
	v.SignBytes = hex.EncodeToString(e.SignBytes())
	v.Signature = hex.EncodeToString(raw[len(raw)-64:])
	v.Encoded = hex.EncodeToString(raw)
	v.Hash = hex.EncodeToString(tx.Hash(raw))
	return v
}

func goVectors() vectors {
	v := vectors{Comment: "Made by go test ./internal/portal -run TestVectors -update; web/test/vectors.test.ts must reproduce every byte. docs/tx-format.md explains each field."}
	v.Envelopes = []envelopeVector{
		envelopeOf("redeem", seed(1), "pnyx-1", members.TypeRedeem, 0, members.RedeemBody{Code: "ABCDE-FGHIJ-KLMNO-PQRST"}),
		envelopeOf("burn", seed(2), "pnyx-1", token.TypeBurn, 7, token.BurnBody{Amount: 5}),
		envelopeOf("large nonce", seed(2), "pnyx-1", token.TypeBurn, 1<<63+12345, token.BurnBody{Amount: 9007199254740991}),
		envelopeOf("petition in Korean with characters Go escapes", seed(3), "pnyx-test", petition.TypeCreate, 3, petition.CreateBody{
			ID: "p-청년-1", Chapter: "seoul-gangnam-a", Category: "youth",
			Title: "청년 주거 지원 <확대> & \"공천\"",
			Body:  "줄\n바꿈\t탭\\ 역슬래시, 제어\x01\x1f, 백스페이스\b 폼피드\f, 줄구분\u2028 문단\u2029, DEL\x7f, 이모지 🙂, é",
		}),
		envelopeOf("comment without optional fields", seed(4), "pnyx-1", petition.TypeComment, 1, petition.CommentBody{ID: "c1", Petition: "p1", Stance: "for", Body: "당원이 직접 참여해야 합니다."}),
		envelopeOf("reply with optional fields", seed(4), "pnyx-1", petition.TypeComment, 2, petition.CommentBody{ID: "c2", Petition: "p1", Parent: "c1", OnAnswer: true, Stance: "against", Body: "reply"}),
		envelopeOf("agree", seed(5), "pnyx-1", petition.TypeAgree, 42, petition.RefBody{Petition: "p1"}),
		envelopeOf("anonymous ballot", nil, "pnyx-1", election.TypeBallot, 0, election.BallotBody{Ballot: "AAECAw=="}),
	}
	now := time.Unix(1764547200, 0)
	for _, r := range []struct{ name, method, uri string }{
		{"member record", "GET", "/v1/members/m0123456789abcdef0123"},
		{"with query", "GET", "/v1/members/m0123456789abcdef0123/balance?prove=1"},
		{"agreement", "GET", "/v1/petitions/p-%EC%B2%AD%EB%85%84/agreement"},
	} {
		key := ed25519.NewKeyFromSeed(seed(6))
		req := httptest.NewRequest(r.method, r.uri, nil)
		auth.Sign(req, "pnyx-1", key, now)
		msg := "pnyx/read/v1\x00pnyx-1\x00" + r.method + "\x00" + req.URL.RequestURI() + "\x00" + strconv.FormatInt(now.Unix(), 10)
		v.Reads = append(v.Reads, readVector{Name: r.name, Seed: hex.EncodeToString(seed(6)), ChainID: "pnyx-1", Method: r.method, URI: req.URL.RequestURI(),
			Time: now.Unix(), Message: hex.EncodeToString([]byte(msg)), Authorization: req.Header.Get(auth.Header)})
	}
	v.ReadReplayed = auth.ErrReplayed.Error()
	for _, e := range []struct{ chain, code string }{{"pnyx-1", "ABCDE-FGHIJ-KLMNO-PQRST"}, {"pnyx-test", "QWERT-YUIOP-ASDFG-HJKL2"}, {"pnyx-1", "234567-ABCDEFGHIJKL"}} {
		h := members.EnrollmentCodeHash(e.chain, e.code)
		v.Enrollment = append(v.Enrollment, enrollVector{ChainID: e.chain, Code: e.code, CodeHash: h, MemberID: members.DeriveID(h)})
	}
	return v
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// Go's own output matches the committed vectors (so a change to the wire
// format shows as a diff), and each vector is self-consistent.
func TestVectorsFromGo(t *testing.T) {
	golden.Check(t, "../../testdata/tx/go-vectors.json", marshal(t, goVectors()), *update,
		"the wire format changed. If on purpose, rerun with -update and update docs/tx-format.md and web/src/lib")
}

// Envelopes, signed reads made by the TypeScript portal code are accepted by
// the Go decoder and verifier, and every body is canonical for the body
// struct the chain routes its type to.
func TestVectorsFromTypeScript(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/tx/ts-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Envelopes) < 4 || len(v.Reads) < 1 || len(v.Enrollment) < 1 {
		t.Fatalf("ts-vectors.json holds too few vectors: %d envelopes, %d reads", len(v.Envelopes), len(v.Reads))
	}
	bodies := map[string]reflect.Type{}
	for _, sp := range modules.New().Specs() {
		for _, r := range sp.Routes {
			bodies[r.Type] = r.Body()
		}
	}
	for _, ev := range v.Envelopes {
		enc, _ := hex.DecodeString(ev.Encoded)
		e, err := tx.Decode(enc)
		if err != nil {
			t.Errorf("%s: Go refuses the TypeScript envelope: %v", ev.Name, err)
			continue
		}
		if err := e.VerifySignature(); err != nil {
			t.Errorf("%s: %v", ev.Name, err)
		}
		if !bytes.Equal(e.Encode(), enc) || hex.EncodeToString(tx.Hash(enc)) != ev.Hash {
			t.Errorf("%s: re-encoding or hash differs", ev.Name)
		}
		if e.ChainID != ev.ChainID || e.Type != ev.Type || strconv.FormatUint(e.Nonce, 10) != ev.Nonce || string(e.Body) != ev.Body || hex.EncodeToString(e.Signer) != ev.PublicKey {
			t.Errorf("%s: decoded fields differ from the vector's", ev.Name)
		}
		if sd, _ := hex.DecodeString(ev.Seed); len(sd) == 32 && !bytes.Equal(ed25519.NewKeyFromSeed(sd).Public().(ed25519.PublicKey), e.Signer) {
			t.Errorf("%s: public key is not the seed's", ev.Name)
		}
		bt, ok := bodies[e.Type]
		if !ok || bt == nil {
			t.Errorf("%s: the chain routes no type %q", ev.Name, e.Type)
			continue
		}
		if err := tx.DecodeBody(e.Body, reflect.New(bt).Interface()); err != nil {
			t.Errorf("%s: body is not canonical for %s: %v", ev.Name, bt, err)
		}
		// The check above can fail: one flipped byte anywhere but the
		// signature's own bytes breaks the signature.
		for _, i := range []int{1, len(enc) / 2, len(enc) - 65} {
			bad := bytes.Clone(enc)
			bad[i] ^= 1
			if d, err := tx.Decode(bad); err == nil && d.VerifySignature() == nil {
				t.Errorf("%s: byte %d flipped still verifies", ev.Name, i)
			}
		}
	}
	for _, rv := range v.Reads {
		req := httptest.NewRequest(rv.Method, rv.URI, nil)
		req.Header.Set(auth.Header, rv.Authorization)
		key, err := auth.Verify(req, rv.ChainID, time.Unix(rv.Time, 0))
		if err != nil {
			t.Errorf("read %s: %v", rv.Name, err)
			continue
		}
		if sd, _ := hex.DecodeString(rv.Seed); !bytes.Equal(ed25519.NewKeyFromSeed(sd).Public().(ed25519.PublicKey), key) {
			t.Errorf("read %s: signed by another key", rv.Name)
		}
		if _, err := auth.Verify(req, rv.ChainID+"x", time.Unix(rv.Time, 0)); err == nil {
			t.Errorf("read %s verifies on another chain", rv.Name)
		}
	}
	for _, en := range v.Enrollment {
		if h := members.EnrollmentCodeHash(en.ChainID, en.Code); h != en.CodeHash || members.DeriveID(h) != en.MemberID {
			t.Errorf("enrollment %q: TypeScript computed %s/%s, Go %s/%s", en.Code, en.CodeHash, en.MemberID, h, members.DeriveID(h))
		}
	}
}
