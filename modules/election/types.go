// Package election runs party elections on the chain: a k-of-n trustees'
// key ceremony, anonymous blind-signature credentials from m issuers,
// encrypted ballots with re-voting, a threshold tally, and the published
// election record (docs/election-record.md) that anyone can verify.
//
// The life of an election:
//
//	ceremony → issuing → voting → tallying → published
//	    └─────────┴─────────┴─────────┴──→ cancelled (with a reason code)
//
// "ceremony" lasts until every trustee has posted its HPKE key, its dealing,
// its check (complaints, possibly none) and, once the chain has computed
// the joint key, its acknowledgement, and every issuer has posted its RSA
// key. From then on the phase follows block time: issuing until the voting
// window opens (credential requests only inside the issuance window, which
// closes before voting unless the election allows overlap), voting inside
// the window, tallying after it until k valid decryption shares publish the
// result.
//
// Ballots are anonymous transactions (chain.App.RegisterAnonymous): the
// envelope's signer, nonce and signature are zero, the body is the ballot
// and nothing else, and what authorises it is the ballot's own credentials
// and one-time signature. Replay protection is the tracking code: a ballot
// whose bytes were seen before is refused.
//
// Verification happens once per node. CheckTx decodes the ballot and checks
// its credentials and one-time signature, and remembers the result by the
// ballot's hash; FinalizeBlock (BeginBlock, before any transaction executes)
// checks whatever CheckTx did not see and then batch-verifies the range and
// selection-limit proofs of every ballot of the block on all cores. Batches
// are fixed runs of ballot.BatchSize in block order and the batch weights
// come from a hash of the block's ballots, so the verdict on each ballot is
// the same on every node whatever its number of cores (and a failing batch
// is bisected down to the exact invalid ballots, so the verdict is in fact
// per-ballot validity: valid proofs satisfy the batch equation for any
// weights, and an invalid one passes only with probability 2^-128).
package election

import (
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/members"
)

// Codes of this module (the 400s).
var (
	CodeWrongPhase       = codes.Register(400, "election_wrong_phase")
	CodeNotEligible      = codes.Register(401, "election_not_eligible")
	CodeAlreadyRequested = codes.Register(402, "credential_already_requested")
	CodeCredential       = codes.Register(403, "credential_invalid")
	CodeBallotMalformed  = codes.Register(404, "ballot_malformed")
	CodeBallotProof      = codes.Register(405, "ballot_proof_invalid")
	CodeBallotSignature  = codes.Register(406, "ballot_signature_invalid")
	CodeShareInvalid     = codes.Register(407, "decryption_share_invalid")
	CodeDuplicateBallot  = codes.Register(408, "ballot_duplicate")
	CodeCeremony         = codes.Register(409, "ceremony_invalid")
	CodeBlindSignature   = codes.Register(410, "blind_signature_invalid")
	CodeRequestInvalid   = codes.Register(411, "credential_request_invalid")
	CodeRevoteLimit      = codes.Register(412, "ballot_revote_limit")
	CodeSpoilRefused     = codes.Register(413, "ballot_spoil_refused")
)

// Phases. Status holds ceremony, ready, published or cancelled; the phase
// of a ready election follows from block time.
const (
	PhaseCeremony  = "ceremony"
	PhaseReady     = "ready"
	PhaseIssuing   = "issuing"
	PhaseVoting    = "voting"
	PhaseTallying  = "tallying"
	PhasePublished = "published"
	PhaseCancelled = "cancelled"
)

// Cancellation reasons: numbers, not free text.
const (
	ReasonCeremonyFailed = 1 // fewer than k qualified dealers
	ReasonScheduleError  = 2
	ReasonCommission     = 3 // decided by the election commission
	ReasonCourtOrder     = 4
	ReasonOther          = 9
)

// ReasonNames names the cancellation reasons.
var ReasonNames = map[int]string{ReasonCeremonyFailed: "ceremony_failed", ReasonScheduleError: "schedule_error",
	ReasonCommission: "commission_decision", ReasonCourtOrder: "court_order", ReasonOther: "other"}

// Limits.
const (
	MaxIssueBatch   = 64 // blind signatures per issue transaction
	MaxTrustees     = 16
	MaxIssuers      = 4
	MaxElectionIDLn = 64
	// DefaultMaxRevotes is how many times one credential (one one-time
	// key) may re-vote when the election does not say: enough to change
	// one's mind, too few for anonymous spam.
	DefaultMaxRevotes = 10
	// MaxMaxRevotes bounds the parameter; the cap is checked by following
	// the chain of replaced ballots, one read per re-vote.
	MaxMaxRevotes = 100
)

// Transaction types.
const (
	TypeCreate     = "election/create"
	TypeCancel     = "election/cancel"
	TypeTrusteeKey = "election/trustee-key"
	TypeDeal       = "election/deal"
	TypeCheck      = "election/check"
	TypeAnswer     = "election/answer"
	TypeAck        = "election/ack"
	TypeIssuerKey  = "election/issuer-key"
	TypeRequest    = "election/request"
	TypeIssue      = "election/issue"
	TypeBallot     = "election/ballot" // anonymous
	TypeSpoil      = "election/spoil"  // anonymous
	TypeDecrypt    = "election/decrypt"
	TypeConclude   = "election/conclude"
)

// ContestSpec is one contest of a CreateBody.
type ContestSpec struct {
	Title          string   `json:"title"`
	SelectionLimit uint32   `json:"selection_limit"`
	OptionLimit    uint32   `json:"option_limit"`
	Options        []string `json:"options"`
}

// Transaction bodies.
type (
	CreateBody struct {
		ID        string        `json:"id"`
		Chapter   string        `json:"chapter"`
		Class     members.Class `json:"class,omitempty"` // "" = every class
		Title     string        `json:"title"`
		Contests  []ContestSpec `json:"contests"`
		Trustees  []string      `json:"trustees"` // member IDs; trustee l is Trustees[l-1]
		Threshold int           `json:"threshold"`
		Issuers   []string      `json:"issuers"` // member IDs; issuer i is Issuers[i]
		// Schedule, Unix seconds of block time.
		IssueStart   int64 `json:"issue_start"`
		IssueEnd     int64 `json:"issue_end"`
		VoteStart    int64 `json:"vote_start"`
		VoteEnd      int64 `json:"vote_end"`
		AllowOverlap bool  `json:"allow_overlap,omitempty"`
		// MaxRevotes caps re-votes per one-time key (1..MaxMaxRevotes);
		// 0 means DefaultMaxRevotes.
		MaxRevotes int `json:"max_revotes,omitempty"`
		// CeremonyEnd (Unix seconds, block time) is when the key ceremony's
		// keys, dealings, checks and answers are due; after it the
		// ceremony can be concluded without the trustees who did not act
		// (TypeConclude). 0: no deadline, the ceremony waits for every
		// trustee and only a cancellation ends a stalled one.
		CeremonyEnd int64 `json:"ceremony_end,omitempty"`
		// RecordVersion is the election record this election exports:
		// 2 (or 0, the default), 3 or 4. Version 3 adds the height and time
		// of every request, answer and ballot (docs/election-record.md,
		// "Timeline"), which the chain then keeps in state; version 4 also
		// the issuers' blind signatures, which it keeps in any case.
		RecordVersion int `json:"record_version,omitempty"`
		// RequestEnd, if set, closes credential requests before issuance
		// ends (IssueStart < RequestEnd ≤ IssueEnd), so issuers have
		// [RequestEnd, IssueEnd) to answer the last requests: answers
		// close at IssueEnd, and without it a request made just before
		// IssueEnd could go unanswered. 0: requests close at IssueEnd.
		RequestEnd int64 `json:"request_end,omitempty"`
	}
	// ConcludeBody concludes a key ceremony past its deadline.
	ConcludeBody struct {
		Election string `json:"election"`
	}
	CancelBody struct {
		Election string `json:"election"`
		Reason   int    `json:"reason"`
	}
	TrusteeKeyBody struct {
		Election string `json:"election"`
		Key      string `json:"key"` // hex X25519 public key
	}
	DealBody struct {
		Election string `json:"election"`
		Dealing  string `json:"dealing"` // hex: k commitments ‖ k Schnorr ‖ n sealed shares
	}
	CheckBody struct {
		Election   string `json:"election"`
		Complaints []int  `json:"complaints"` // dealers whose share failed, ascending
	}
	AnswerBody struct {
		Election string `json:"election"`
		Accuser  int    `json:"accuser"`
		Share    string `json:"share"` // hex scalar
	}
	AckBody struct {
		Election string `json:"election"`
		Proof    string `json:"proof"` // hex R ‖ s
	}
	IssuerKeyBody struct {
		Election string `json:"election"`
		Key      string `json:"key"` // hex PKIX DER RSA key
	}
	RequestBody struct {
		Election   string   `json:"election"`
		Blinded    []string `json:"blinded"`    // hex, one per issuer
		Signatures []string `json:"signatures"` // hex Ed25519 by the member's key, one per issuer
	}
	IssueEntry struct {
		Request   uint64 `json:"request"`
		Signature string `json:"signature"` // hex blind signature
	}
	IssueBody struct {
		Election string       `json:"election"`
		Entries  []IssueEntry `json:"entries"`
	}
	// BallotBody is the whole of an anonymous ballot transaction.
	BallotBody struct {
		Ballot string `json:"ballot"` // base64 (standard, padded) of the ballot encoding
	}
	// SpoilBody publishes a Benaloh challenge: a ballot and its reveal.
	SpoilBody struct {
		Ballot string `json:"ballot"` // base64
		Reveal string `json:"reveal"` // base64 of ballot.EncodeReveal
	}
	DecryptBody struct {
		Election string `json:"election"`
		Share    string `json:"share"` // hex: for each aggregate ciphertext D ‖ a ‖ b ‖ v
	}
)

// Election is the stored configuration and ceremony state (key el/e/ID).
type Election struct {
	ID           string        `json:"id"`
	ElectionID   string        `json:"election_id"` // hex, the 32 bytes in the manifest
	Chapter      string        `json:"chapter"`
	Class        members.Class `json:"class,omitempty"`
	Commissioner string        `json:"commissioner"`
	Manifest     string        `json:"manifest"` // hex of the manifest encoding
	ManifestHash string        `json:"manifest_hash"`
	Trustees     []string      `json:"trustees"`
	Threshold    int           `json:"threshold"`
	Issuers      []string      `json:"issuers"`
	IssueStart   int64         `json:"issue_start"`
	IssueEnd     int64         `json:"issue_end"`
	VoteStart    int64         `json:"vote_start"`
	VoteEnd      int64         `json:"vote_end"`
	AllowOverlap bool          `json:"allow_overlap"`
	// MaxRevotes caps re-votes per one-time key; 0 (absent, as in every
	// election created before the cap) means DefaultMaxRevotes.
	MaxRevotes int `json:"max_revotes,omitempty"`
	// CeremonyEnd is CreateBody.CeremonyEnd; AcksDue, set when the joint
	// key is computed in an election with a deadline, is when the
	// acknowledgements and issuer keys are due (the ceremony's length
	// again after the key, and not before CeremonyEnd).
	CeremonyEnd int64 `json:"ceremony_end,omitempty"`
	AcksDue     int64 `json:"acks_due,omitempty"`
	// RecordVersion is CreateBody.RecordVersion; 0 (every election
	// created before version 3) means 2.
	RecordVersion int `json:"record_version,omitempty"`
	// RequestEnd is CreateBody.RequestEnd (0: requests close at IssueEnd).
	RequestEnd int64  `json:"request_end,omitempty"`
	Status     string `json:"status"`
	Reason     int    `json:"reason,omitempty"`
	CreatedAt  int64  `json:"created_at"`
	CreatedAtH int64  `json:"created_height"`
	// The eligibility snapshot: the members active (of Class, if set) at a
	// chapter of Chapter's subtree in the registry as committed at block
	// EligibleAt, the block before creation; Eligible counts them.
	Eligible   uint64 `json:"eligible"`
	EligibleAt int64  `json:"eligible_at"`

	// Ceremony, by trustee index-1.
	HPKEKeys     []string    `json:"hpke_keys"`
	Dealt        []bool      `json:"dealt"`
	Checked      []bool      `json:"checked"`
	Complaints   []Complaint `json:"complaints"`
	Answers      []Answer    `json:"answers"`
	Qualified    []int       `json:"qualified,omitempty"`
	JointKey     string      `json:"joint_key,omitempty"`
	PublicShares []string    `json:"public_shares,omitempty"`
	CeremonyHash string      `json:"ceremony_hash,omitempty"`
	Acks         []string    `json:"acks"`
	IssuerKeys   []string    `json:"issuer_keys"`
	PublishedAt  int64       `json:"published_at,omitempty"`
}

// Complaint is trustee Accuser's complaint against Dealer.
type Complaint struct {
	Accuser int `json:"accuser"`
	Dealer  int `json:"dealer"`
}

// Answer is Dealer's reply, the share in the clear.
type Answer struct {
	Dealer  int    `json:"dealer"`
	Accuser int    `json:"accuser"`
	Share   string `json:"share"`
}

// Tally is the running count and encrypted aggregate (key el/ID/tally).
type Tally struct {
	Requests  uint64     `json:"requests"`
	Cast      uint64     `json:"cast"`
	Counted   uint64     `json:"counted"`
	Spoiled   uint64     `json:"spoiled"`
	Aggregate string     `json:"aggregate"` // hex alpha ‖ beta per ciphertext, contest by contest
	Shares    []int      `json:"shares"`    // trustees whose decryption share verified, ascending
	Results   [][]uint64 `json:"results,omitempty"`
}

// CredentialRequest is one logged request (key el/ID/rq/SEQ).
type CredentialRequest struct {
	Seq        uint64   `json:"seq"`
	Member     string   `json:"member"`
	Key        string   `json:"key"` // the member's Ed25519 key that signed
	Blinded    []string `json:"blinded"`
	Signatures []string `json:"signatures"`
	// Height and Time of the block that logged the request, kept for
	// record version 3 only.
	Height int64 `json:"height,omitempty"`
	Time   int64 `json:"time,omitempty"`
}

// CastBallot is one accepted ballot's entry in the ballot box (key
// el/ID/b/SEQ). The ballot's bytes are not repeated in state: they are in
// the ballot tx of block Height, every node keeps them in its block store,
// and Tracking (SHA-256 over them, see ballot.TrackingCodeOf) pins them, so
// a proof of this entry proves them too (BallotsFromBlocks fetches them).
// State keeps only what later blocks need: the one-time key, under which a
// re-vote replaces this ballot, and the encrypted selections, which the
// replacement subtracts from the aggregate. Ballots are the bulk of an
// election's data, and storing each twice more in the Merkle tree (a leaf
// and iavl's fast index) cost about a quarter of the node's time.
type CastBallot struct {
	Seq        uint64 `json:"seq"`
	Height     int64  `json:"height"`
	Tracking   string `json:"tracking"`     // hex SHA-256 tracking code
	Replaces   int64  `json:"replaces"`     // seq of the ballot it replaced, or -1
	OneTimeKey string `json:"one_time_key"` // hex
	// Selections are the ballot's ciphertexts, base64 of alpha ‖ beta per
	// option, contests in manifest order (the aggregate's layout).
	Selections string `json:"selections"`
	// Time is the block's time, kept for record version 3 only.
	Time int64 `json:"time,omitempty"`
}

// SpoiledBallot is one Benaloh challenge (key el/ID/s/SEQ).
type SpoiledBallot struct {
	Seq      uint64 `json:"seq"`
	Tracking string `json:"tracking"`
	Ballot   string `json:"ballot"`
	Reveal   string `json:"reveal"`
	// Height and Time of the block, kept for record version 3 only.
	Height int64 `json:"height,omitempty"`
	Time   int64 `json:"time,omitempty"`
}

// Keys.
func ElectionKey(id string) []byte       { return []byte("el/e/" + id) }
func TallyKey(id string) []byte          { return []byte("el/" + id + "/tally") }
func eidKey(eid string) []byte           { return []byte("el/eid/" + eid) }
func dealingKey(id string, l int) []byte { return []byte("el/" + id + "/deal/" + pad(uint64(l))) }

// DealingKey is where trustee l's dealing is stored.
func DealingKey(id string, l int) []byte { return dealingKey(id, l) }
func RequestKey(id string, seq uint64) []byte {
	return []byte("el/" + id + "/rq/" + pad(seq))
}
func requestByMember(id, member string) []byte { return []byte("el/" + id + "/rm/" + member) }
func BlindSigKey(id string, seq uint64, issuer int) []byte {
	return []byte("el/" + id + "/bs/" + pad(seq) + "/" + pad(uint64(issuer)))
}

// AnswerTimeKey holds, for record version 3, the height and time (u64
// each, big-endian) of the block in which issuer answered request seq.
func AnswerTimeKey(id string, seq uint64, issuer int) []byte {
	return []byte("el/" + id + "/ba/" + pad(seq) + "/" + pad(uint64(issuer)))
}
func BallotKey(id string, seq uint64) []byte  { return []byte("el/" + id + "/b/" + pad(seq)) }
func SpoiledKey(id string, seq uint64) []byte { return []byte("el/" + id + "/s/" + pad(seq)) }
func otkKey(id, otk string) []byte            { return []byte("el/" + id + "/otk/" + otk) }

// TrackingKey indexes a tracking code (hex) to "b/SEQ" or "s/SEQ".
func TrackingKey(id, code string) []byte          { return []byte("el/" + id + "/t/" + code) }
func DecryptionKey(id string, l int) []byte       { return []byte("el/" + id + "/dec/" + pad(uint64(l))) }
func pad(n uint64) string                         { return padN(n) }
func RequestByMemberKey(id, member string) []byte { return requestByMember(id, member) }
