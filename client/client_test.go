package client_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/wire"
)

// A submission answers with the events the tx emitted; a rejection comes
// back as a *codes.Error with the stable code of the error body.
func TestSubmitReadsEventsAndErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if string(body) == "bad" {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(wire.ErrorBody{Error: wire.ErrorDetail{Code: codes.Forbidden, Name: codes.Forbidden.String(), Message: "no"}})
			return
		}
		if r.Header.Get("Content-Type") != wire.RawTxType || r.URL.Query().Get("wait") != "1" {
			t.Errorf("submission %s %q", r.Header.Get("Content-Type"), r.URL.RawQuery)
		}
		json.NewEncoder(w).Encode(wire.TxResult{Hash: "ab", Stage: "commit", Name: "ok", Height: 3,
			Events: []wire.Event{{Type: "member.registered", Attributes: []wire.EventAttribute{{Key: "member", Value: "m1"}}}}})
	}))
	defer srv.Close()
	c := client.New(srv.URL)
	res, err := c.Submit(context.Background(), []byte("tx"), true)
	if err != nil || len(res.Events) != 1 || res.Events[0].Type != "member.registered" || res.Events[0].Attr("member") != "m1" {
		t.Fatalf("result %+v, %v", res, err)
	}
	if _, err := c.Submit(context.Background(), []byte("bad"), true); codes.Of(err) != codes.Forbidden {
		t.Fatalf("rejection: %v", err)
	}
}

// A query travels as URL parameters; empty fields are left out.
func TestPetitionsSendsQuery(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.RawQuery
		json.NewEncoder(w).Encode(wire.PetitionPage{Height: 4, Petitions: []wire.Petition{{ID: "p1", Ref: wire.Ref{Key: "pet/p1"}}}})
	}))
	defer srv.Close()
	page, err := client.New(srv.URL).Petitions(context.Background(), client.Query{Text: "청년", Chapter: "seoul", From: 100, Limit: 5})
	if err != nil || page.Height != 4 || page.Petitions[0].Ref.Key != "pet/p1" {
		t.Fatalf("page %+v, %v", page, err)
	}
	if want := "chapter=seoul&from=100&limit=5&q=%EC%B2%AD%EB%85%84"; got != want {
		t.Fatalf("query %q, want %q", got, want)
	}
}
