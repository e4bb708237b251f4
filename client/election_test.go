package client_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
)

// A node that fails halfway through a record export closes the connection
// short of the length it announced; the client reports that and never
// hands on a shorter record.
func TestElectionRecordCutShortIsAnError(t *testing.T) {
	whole := bytes.Repeat([]byte("r"), 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		if strings.HasSuffix(r.URL.Path, "/whole/record") {
			w.Write(whole)
			return
		}
		w.Write(whole[:400])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))
	defer srv.Close()
	c := client.New(srv.URL)

	var buf bytes.Buffer
	n, err := c.ElectionRecordTo(context.Background(), "whole", &buf)
	if err != nil || n != 1000 || !bytes.Equal(buf.Bytes(), whole) {
		t.Fatalf("whole record: %d bytes, %v", n, err)
	}
	if data, err := c.ElectionRecord(context.Background(), "broken"); err == nil || codes.Of(err) != codes.Unavailable ||
		!strings.Contains(err.Error(), "cut short") {
		t.Fatalf("record cut short: %d bytes, err %v", len(data), err)
	}
}
