package api

import (
	"net/http"

	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/wire"
)

// route describes one endpoint, for the mux and for the OpenAPI document.
type route struct {
	method, path, summary string
	// signed reads need a request signed per package auth; provable ones
	// take ?prove=1.
	signed, provable bool
	// out is a value of the JSON answer's type, from which the OpenAPI
	// document reflects its schema; nil for answers that are not one JSON
	// shape (binary, text, or a shape given by a module's records).
	out     any
	handler func(w http.ResponseWriter, r *http.Request) error
}

// table is every route the API serves, in the order the OpenAPI document
// lists them: the one place to read (or change) the API's surface.
func (s *Server) table() []route {
	rec := wire.Record{}
	// The officials' console's reads (console.go) follow the rest.
	return append([]route{
		// Node and transactions.
		{"GET", "/v1/status", "Node and chain status", false, false, wire.Status{}, s.status},
		{"GET", "/v1/genesis", "The network's genesis.json, byte for byte: check its SHA-256 against the one HQ publishes before trusting the validators it names (`pnyx genesis fetch --sha256`)", false, false, nil, s.genesis},
		{"GET", "/v1/health", "healthy, catching_up, halted or diverged, with the reason; HTTP 200 only when healthy. A diverged node answers every other route with 503", false, false, wire.Health{}, s.health},
		{"POST", "/v1/txs", "Submit a signed transaction: JSON {tx: base64, wait}, or the raw tx as application/octet-stream with ?wait=1; with wait, answer once it commits, with the events it emitted", false, false, wire.TxResult{}, s.submitTx},
		{"POST", "/v1/txs/batch", "Submit up to 1000 signed transactions in one request, without waiting; one result each", false, false, wire.SubmitBatchResponse{}, s.submitBatch},
		{"GET", "/v1/txs/{hash}", "Look up a committed transaction by hash, with the events it emitted", false, false, wire.TxResult{}, s.getTx},
		{"GET", "/v1/accounts/{key}", "Next nonce of a key and the member it belongs to", false, false, wire.Account{}, s.account},
		{"GET", "/v1/anchors/{height}", "Header {height} with its signatures, the validator set that signed it and the handoffs to it from genesis: what a compact proof of state {height}-1 (a card's QR code, entries only) needs to be checked", false, false, nil, s.anchor},

		// Chapters, members and party points (reads.go).
		{"GET", "/v1/chapters", "The chapter tree", false, false, nil, s.chapters},
		{"GET", "/v1/chapters/{id}", "One chapter", false, true, rec, s.chapter},
		{"GET", "/v1/chapters/{id}/roles", "Roles granted at a chapter", false, false, nil, s.chapterRoles},
		{"GET", "/v1/chapters/{id}/members", "Members registered at a chapter (officials with scope)", true, false, nil, s.chapterMembers},
		{"GET", "/v1/members/{id}", "A member record (the member or an official with scope)", true, true, rec, s.member},
		{"GET", "/v1/members/{id}/roles", "Roles a member holds", false, false, nil, s.memberRoles},
		// The credential's standing and the points are kept in the member
		// record (package token says why): these two answer with it.
		{"GET", "/v1/members/{id}/credential", "A member's membership credential: the member record, whose status and join it is", true, true, rec, s.member},
		{"GET", "/v1/members/{id}/balance", "A member's party points: the member record, whose points they are", true, true, rec, s.member},
		{"GET", "/v1/token/supply", "Total, minted and burned party points", false, true, rec, s.supply},

		// Petitions and comments, from the search index (petitions.go).
		{"GET", "/v1/petitions", "List or search petitions (?q=&chapter=&category=&state=&author=&from=&to=&sort=newest|relevance&limit=&cursor=)", false, false, wire.PetitionPage{}, s.listPetitions},
		{"GET", "/v1/petitions/{id}", "A petition: its text from the index, its on-chain record (content hash) and agreement counts by chapter", false, true, wire.PetitionView{}, s.getPetition},
		{"GET", "/v1/petitions/{id}/comments", "A petition's comment thread in thread order (?cursor=&limit=)", false, false, wire.CommentPage{}, s.petitionThread},
		{"GET", "/v1/petitions/{id}/agreement", "Whether the signer of the request agreed to the petition", true, true, wire.AgreementView{}, s.myAgreement},
		{"GET", "/v1/comments/{id}", "A comment with its edit history and its on-chain record", false, true, wire.CommentView{}, s.getComment},
		{"GET", "/v1/search", "Search petitions and comments in Korean and English (?q=&kind=all|petitions|comments&petition=&chapter=&category=&author=&stance=&state=&from=&to=&sort=&limit=&cursor=)", false, false, wire.SearchResult{}, s.search},

		// Assembly records and documents (assembly.go).
		{"GET", "/v1/assembly/bodies", "Bodies attached to a chapter (?chapter=)", false, false, nil, s.bodies},
		{"GET", "/v1/assembly/bodies/{id}", "One body with its quorum rule", false, true, rec, s.body},
		{"GET", "/v1/assembly/meetings", "Meetings of a chapter in a date range (?chapter=&from=&to=, dates YYYY-MM-DD or Unix seconds)", false, false, nil, s.meetings},
		{"GET", "/v1/assembly/meetings/{id}", "A meeting's full record: meeting, attendance count, motions, errata, record hash", false, true, MeetingRecord{}, s.meetingRecord},
		{"GET", "/v1/assembly/meetings/{id}/attendance", "Members checked in to a meeting (?after=&limit=)", false, false, nil, s.attendance},
		{"GET", "/v1/assembly/meetings/{id}/minutes", "The minutes document, checked against its hash (?erratum=N for a corrected version)", false, false, nil, s.minutes},
		{"GET", "/v1/assembly/meetings/{id}/motions/{no}/certificate", "A resolution certificate that `pnyx verify record` checks offline", false, false, nil, s.certificate},
		{"PUT", "/v1/blobs/{hash}", "Store a document by its SHA-256 (minutes over 64 KiB); signed by an active secretary or admin, at most 16 MiB, within an hourly budget per uploader", true, false, nil, s.putBlob},
		{"GET", "/v1/blobs/{hash}", "Read a stored document", false, false, nil, s.getBlob},

		// Elections (election.go). Election reads are public: the election
		// record is meant to be checked by anyone. Nothing there takes or
		// logs who asks; ballots are submitted through POST /v1/txs like
		// any transaction and the API logs no client addresses.
		{"GET", "/v1/elections", "Elections newest first; with ?chapter=X those a member of X could vote in (held at X or an ancestor)", false, false, ElectionList{}, s.electionList},
		{"GET", "/v1/elections/{id}", "An election: manifest, trustees, issuers, schedule, ceremony, phase", false, true, rec, s.electionGet},
		{"GET", "/v1/elections/{id}/tally", "Running counts, encrypted aggregate and, once published, the results", false, true, rec, s.electionTally},
		{"GET", "/v1/elections/{id}/tracking/{code}", "Look up a ballot by its tracking code (hex SHA-256), with ?prove=1 an inclusion proof", false, true, wire.TrackingAnswer{}, s.electionTracking},
		{"GET", "/v1/elections/{id}/ballots", "The ballot box: cast ballots in chain order (?after=SEQ&limit=N, at most 500)", false, false, BallotPage{}, s.electionBallots},
		{"GET", "/v1/elections/{id}/requests", "Credential requests issuer ?issuer=I has not answered, from request ?from=SEQ on (?limit=N, at most 2048; follow next), with what the issuer signs; ?prove=1 proves each request on chain (issuance.go)", false, true, pendingPageShape, s.electionPendingRequests},
		{"GET", "/v1/elections/{id}/record", "The election record (docs/election-record.md), binary, once published; ?registry=1 writes version 5, every requester proven in the registry at EligibleAt", false, false, nil, s.electionRecord},
		{"GET", "/v1/election-state/{key...}", "Raw value of an election state key (el/…), hex, with ?prove=1 its proof", false, true, wire.StateValue{}, s.electionState},

		// KPIs (kpi.go): rule sets, periods and chapter results are public;
		// a member's scorecard and appeals are signed reads.
		{"GET", "/v1/kpi/versions", "Adopted KPI rule set versions, each with the decision behind it", false, false, nil, s.kpiVersions},
		{"GET", "/v1/kpi/versions/{n}", "One adopted KPI rule set version", false, true, rec, s.kpiVersion},
		{"GET", "/v1/kpi/proposals/{id}", "A proposed KPI rule set (immutable) and its hash", false, true, rec, s.kpiProposal},
		{"GET", "/v1/kpi/periods/{period}", "A KPI period (2026-04, 2026-Q2, 2026-H1, 2026): bounds, version, state", false, false, kpi.PeriodView{}, s.kpiPeriod},
		{"GET", "/v1/kpi/periods/{period}/rankings/{scorecard}", "A chapter scorecard's ranking, stored at close and at final", false, true, rec, s.kpiRanking},
		{"GET", "/v1/kpi/periods/{period}/histograms/{scorecard}/{chapter}", "A chapter's member score histogram, in buckets of at least 10 members", false, false, KPIHistogram{}, s.kpiHistogram},
		{"GET", "/v1/kpi/periods/{period}/scorecards/{scorecard}/members/{id}", "A member's scorecard (the member or an official with scope); with ?prove=1 a proof of every record its score is computed from, for `pnyx verify kpi`", true, true, KPICard{}, s.kpiMemberCard},
		{"GET", "/v1/kpi/periods/{period}/scorecards/{scorecard}/chapters/{id}", "A chapter's scorecard; with ?prove=1 a proof of every record its score is computed from", false, true, KPICard{}, s.kpiChapterCard},
		{"GET", "/v1/kpi/appeals/{id}", "A KPI appeal and its decision (a member's: the member or an official with scope)", false, true, rec, s.kpiAppeal},
	}, s.consoleRoutes()...)
}
