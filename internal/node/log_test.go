package node

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// At the default level, routine shutdown and disconnect messages that
// CometBFT logs as errors are dropped; real errors are kept.
func TestQuietLogger(t *testing.T) {
	var buf bytes.Buffer
	l, err := newLogger(Options{LogWriter: &buf}, "error")
	if err != nil {
		t.Fatal(err)
	}
	l = l.With("module", "p2p")
	l.Error("Stopping peer for error", "err", errors.New("EOF"))
	l.Error("Error serving server", "err", errors.New("accept tcp 127.0.0.1:1: use of closed network connection"))
	if buf.Len() != 0 {
		t.Fatalf("routine messages logged: %s", buf.String())
	}
	l.Error("Error serving server", "err", errors.New("tls: bad certificate"))
	l.Error("CONSENSUS FAILURE!!!", "err", "boom")
	if got := buf.String(); !strings.Contains(got, "bad certificate") || !strings.Contains(got, "CONSENSUS FAILURE") {
		t.Fatalf("real errors dropped: %q", got)
	}
}
