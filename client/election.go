package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/wire"
)

// ElectionState reads election state (keys under el/) through the API, one
// key per request, so the client-side election helpers (package
// modules/election: trustees' ceremony steps, voters' credentials, issuers'
// answers) run against a remote node exactly as against a local store. It
// implements store.Reader; Iterate is not supported.
type ElectionState struct {
	C   *Client
	Ctx context.Context
	// Err holds the first transport error; Get returns nil after one.
	Err error
}

// ElectionState returns a reader of election state.
func (c *Client) ElectionState(ctx context.Context) *ElectionState {
	return &ElectionState{C: c, Ctx: ctx}
}

// Get returns the value at key, or nil.
func (s *ElectionState) Get(key []byte) []byte {
	if s.Err != nil {
		return nil
	}
	var v wire.StateValue
	if err := s.C.Get(s.Ctx, "/v1/election-state/"+string(key), nil, &v); err != nil {
		s.Err = err
		return nil
	}
	if !v.Found {
		return nil
	}
	b, err := hex.DecodeString(v.Value)
	if err != nil {
		s.Err = err
		return nil
	}
	return b
}

// Iterate is not served over the API.
func (s *ElectionState) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	s.Err = fmt.Errorf("client: election state cannot be iterated over the API")
}

// ElectionRecord downloads a published election's record into memory.
func (c *Client) ElectionRecord(ctx context.Context, id string) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := c.ElectionRecordTo(ctx, id, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ElectionRecordTo streams a published election's record to w and returns
// its length. The node sends the length first, so a record cut short (the
// node failed halfway) is an error here, never a shorter record.
func (c *Client) ElectionRecordTo(ctx context.Context, id string, w io.Writer) (int64, error) {
	return c.electionRecordTo(ctx, id, "", w)
}

// ElectionRecordProvenTo is ElectionRecordTo for the version-5 record:
// every credential requester proven in the registry at the election's
// EligibleAt (docs/election-record.md, version 5).
func (c *Client) ElectionRecordProvenTo(ctx context.Context, id string, w io.Writer) (int64, error) {
	return c.electionRecordTo(ctx, id, "?registry=1", w)
}

func (c *Client) electionRecordTo(ctx context.Context, id, query string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/v1/elections/"+url.PathEscape(id)+"/record"+query, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, codes.Unavailable.Errorf("%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		return 0, codes.NotFound.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	n, err := io.Copy(w, resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return n, codes.Unavailable.Errorf("record of %s cut short after %d bytes: %v", id, n, err)
	}
	return n, nil
}
