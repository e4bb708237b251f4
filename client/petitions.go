package client

import (
	"context"
	"crypto/ed25519"
	"net/url"
	"strconv"

	"github.com/pnyx-party/pnyx/wire"
)

// Query is a search or a listing of petitions and comments, sent as URL
// parameters; zero fields are left out. Text may be empty for a filtered
// listing. The node checks the combination and answers a bad one with
// codes.BadRequest.
type Query struct {
	Text     string // words to find, Korean or English
	Petition string // comments of one petition
	Chapter  string // the chapter and its subtree
	Category string
	Author   string
	Stance   string // comments only: for, neutral, against
	State    string // petitions only: the effective state
	From     int64  // created at or after (Unix seconds)
	To       int64  // created at or before
	// Sort is "newest" (default) or "relevance"; relevance needs a scope:
	// a petition, a chapter or a date range.
	Sort   string
	Limit  int
	Cursor string
}

// values encodes a search query as URL parameters.
func values(q Query) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Text)
	set("petition", q.Petition)
	set("chapter", q.Chapter)
	set("category", q.Category)
	set("author", q.Author)
	set("stance", q.Stance)
	set("state", q.State)
	set("sort", q.Sort)
	set("cursor", q.Cursor)
	if q.From != 0 {
		v.Set("from", strconv.FormatInt(q.From, 10))
	}
	if q.To != 0 {
		v.Set("to", strconv.FormatInt(q.To, 10))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// Search searches petitions and comments; kind is "all" (or ""),
// "petitions" or "comments".
func (c *Client) Search(ctx context.Context, kind string, q Query) (wire.SearchResult, error) {
	v := values(q)
	if kind != "" {
		v.Set("kind", kind)
	}
	var out wire.SearchResult
	err := c.Get(ctx, "/v1/search?"+v.Encode(), nil, &out)
	return out, err
}

// Petitions lists or searches petitions.
func (c *Client) Petitions(ctx context.Context, q Query) (wire.PetitionPage, error) {
	var out wire.PetitionPage
	err := c.Get(ctx, "/v1/petitions?"+values(q).Encode(), nil, &out)
	return out, err
}

// Petition reads one petition with its on-chain record (and proof with prove).
func (c *Client) Petition(ctx context.Context, id string, prove bool) (wire.PetitionView, error) {
	var out wire.PetitionView
	path := "/v1/petitions/" + url.PathEscape(id)
	if prove {
		path += "?prove=1"
	}
	err := c.Get(ctx, path, nil, &out)
	return out, err
}

// Thread reads one page of a petition's comment thread.
func (c *Client) Thread(ctx context.Context, petition, cursor string, limit int) (wire.CommentPage, error) {
	v := url.Values{}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if limit != 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var out wire.CommentPage
	err := c.Get(ctx, "/v1/petitions/"+url.PathEscape(petition)+"/comments?"+v.Encode(), nil, &out)
	return out, err
}

// Comment reads one comment with its edit history and on-chain record.
func (c *Client) Comment(ctx context.Context, id string) (wire.CommentView, error) {
	var out wire.CommentView
	err := c.Get(ctx, "/v1/comments/"+url.PathEscape(id), nil, &out)
	return out, err
}

// Agreed asks, signed by key, whether key's member agreed to petition.
func (c *Client) Agreed(ctx context.Context, key ed25519.PrivateKey, petition string) (wire.AgreementView, error) {
	var out wire.AgreementView
	err := c.Get(ctx, "/v1/petitions/"+url.PathEscape(petition)+"/agreement", key, &out)
	return out, err
}
