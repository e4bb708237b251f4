package wire

import "encoding/json"

// Ref points at the on-chain record a hit comes from, so it can be proven
// (GET the record with ?prove=true) and its text checked against the
// record's content hash.
type Ref struct {
	Key    string `json:"key"`    // state key of the record
	Height int64  `json:"height"` // block of the record's last change
	Tx     string `json:"tx"`     // hash of the transaction that created it
}

// Comment is a comment as the index serves it. Body is empty when the
// comment is hidden or deleted.
type Comment struct {
	ID        string `json:"id"`
	Petition  string `json:"petition"`
	Parent    string `json:"parent,omitempty"`
	Depth     int    `json:"depth"`
	OnAnswer  bool   `json:"on_answer,omitempty"`
	Author    string `json:"author"`
	Stance    string `json:"stance"`
	Body      string `json:"body"`
	Version   int    `json:"version"`
	Up        int64  `json:"up"`
	Down      int64  `json:"down"`
	Hidden    bool   `json:"hidden,omitempty"`
	Deleted   bool   `json:"deleted,omitempty"`
	CreatedAt int64  `json:"created_at"`
	EditedAt  int64  `json:"edited_at,omitempty"`
	Ref       Ref    `json:"ref"`
	// Snippet (search results only): an HTML-escaped excerpt with the
	// matched words in <mark>…</mark>.
	Snippet string `json:"snippet,omitempty"`
}

// Petition is a petition as the index serves it, in its effective state at
// the last indexed block's time. Title, Body and Answer are empty when it is
// hidden.
type Petition struct {
	ID           string `json:"id"`
	Chapter      string `json:"chapter"`
	Category     string `json:"category"`
	Author       string `json:"author"`
	State        string `json:"state"`
	Agreements   int64  `json:"agreements"`
	Deadline     int64  `json:"deadline,omitempty"`
	AnswerDue    int64  `json:"answer_due,omitempty"`
	Overdue      bool   `json:"overdue,omitempty"`
	Hidden       bool   `json:"hidden,omitempty"`
	Title        string `json:"title"`
	Body         string `json:"body"`
	Answer       string `json:"answer,omitempty"`
	AnsweredBy   string `json:"answered_by,omitempty"`
	AnsweredAt   int64  `json:"answered_at,omitempty"`
	AnsweredLate bool   `json:"answered_late,omitempty"`
	CreatedAt    int64  `json:"created_at"`
	Ref          Ref    `json:"ref"`
	// Snippet (search results only): an HTML-escaped excerpt of title,
	// body and answer with the matched words in <mark>…</mark>.
	Snippet string `json:"snippet,omitempty"`
}

// Version is one version of a comment's text.
type Version struct {
	Version int    `json:"version"`
	Body    string `json:"body"`
	At      int64  `json:"at"`
	Height  int64  `json:"height"`
	Tx      string `json:"tx"`
}

// ChapterCount is one chapter's share of a petition's agreements.
type ChapterCount struct {
	Chapter string `json:"chapter"`
	Count   int64  `json:"count"`
}

// PetitionPage is a page of petitions (GET /v1/petitions).
type PetitionPage struct {
	Height    int64      `json:"height"`
	Petitions []Petition `json:"petitions"`
	Next      string     `json:"next,omitempty"`
}

// CommentPage is a page of comments (GET /v1/petitions/{id}/comments).
type CommentPage struct {
	Height   int64     `json:"height"`
	Comments []Comment `json:"comments"`
	Next     string    `json:"next,omitempty"`
}

// SearchResult answers /v1/search: with kind=all both lists, each with its
// own cursor (page further with kind=petitions or kind=comments).
type SearchResult struct {
	Height        int64      `json:"height"`
	Petitions     []Petition `json:"petitions,omitempty"`
	PetitionsNext string     `json:"petitions_next,omitempty"`
	Comments      []Comment  `json:"comments,omitempty"`
	CommentsNext  string     `json:"comments_next,omitempty"`
	// DidYouMean is a corrected query from the index's own words when this
	// one found nothing (a one-letter typo).
	DidYouMean string `json:"did_you_mean,omitempty"`
}

// PetitionView answers GET /v1/petitions/{id}. Chain is the on-chain record
// (with its proof on request): its content_hash is
// petition.ContentHash("petition", title, body) of the text in Petition.
type PetitionView struct {
	Petition            Petition       `json:"petition"`
	Chain               Record         `json:"chain"`
	AgreementsByChapter []ChapterCount `json:"agreements_by_chapter"`
}

// CommentView answers GET /v1/comments/{id}.
type CommentView struct {
	Comment  Comment   `json:"comment"`
	Versions []Version `json:"versions"`
	Chain    Record    `json:"chain"`
}

// AgreementView answers whether the signer agreed. The agreement record is
// personal: only its member reads it.
type AgreementView struct {
	Petition string          `json:"petition"`
	Member   string          `json:"member"`
	Agreed   bool            `json:"agreed"`
	Chain    json.RawMessage `json:"chain,omitempty"`
}
