package chain

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/petition"
)

// petitionWorld is a chain with Seoul and Busan, small thresholds at HQ, a
// secretary and a moderator for Seoul, and members by name.
type petitionWorld struct {
	*harness
	secretary, moderator ed25519.PrivateKey
	m                    map[string]ed25519.PrivateKey
}

var testParams = petition.Params{PreAgreements: 2, PreWindow: 24 * 3600, Threshold: 4, Window: 2 * 24 * 3600, AnswerDue: 24 * 3600}

func newPetitionWorld(t *testing.T) *petitionWorld {
	h := newHarness(t)
	w := &petitionWorld{harness: h, secretary: key("seoul-secretary"), moderator: key("seoul-moderator"), m: map[string]ed25519.PrivateKey{}}
	h.do(h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "서울특별시당", Parent: "hq"})
	h.do(h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul-mapo", Name: "마포구갑", Parent: "seoul"})
	h.do(h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "부산광역시당", Parent: "hq"})
	var entries []members.ApproveEntry
	add := func(name, chapter string) {
		k := key(name)
		w.m[name] = k
		entries = append(entries, members.ApproveEntry{PublicKey: pubHex(k), Chapter: chapter, Class: members.General})
	}
	for _, n := range []string{"kim", "lee", "park", "choi", "jung", "kang"} {
		add(n, "seoul-mapo")
	}
	add("yoon", "busan")
	entries = append(entries,
		members.ApproveEntry{PublicKey: pubHex(w.secretary), Chapter: "seoul", Class: members.Responsible},
		members.ApproveEntry{PublicKey: pubHex(w.moderator), Chapter: "seoul", Class: members.Responsible})
	h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: entries})
	h.do(h.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(w.secretary), Role: org.Secretary, Chapter: "seoul"})
	h.do(h.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(w.moderator), Role: org.Moderator, Chapter: "seoul"})
	h.do(h.admin, petition.TypeSetParams, petition.SetParamsBody{Chapter: "hq", Params: testParams})
	return w
}

func (w *petitionWorld) petition(id string) petition.Petition {
	p, ok := petition.Get(w.snap(), id)
	if !ok {
		w.t.Fatalf("petition %s missing", id)
	}
	return petition.Effective(p, w.now.Unix())
}

func (w *petitionWorld) comment(id string) petition.Comment {
	c, ok := petition.GetComment(w.snap(), id)
	if !ok {
		w.t.Fatalf("comment %s missing", id)
	}
	return c
}

// public creates and opens a petition and collects its pre-agreements.
func (w *petitionWorld) public(id string) {
	w.do(w.m["kim"], petition.TypeCreate, petition.CreateBody{ID: id, Chapter: "seoul", Category: "youth", Title: "청년 주거 지원 " + id, Body: "당원들의 의견을 모아 청년 housing policy를 제안합니다."})
	w.do(w.m["kim"], petition.TypeOpen, petition.RefBody{Petition: id})
	w.do(w.m["kim"], petition.TypeAgree, petition.RefBody{Petition: id})
	w.do(w.m["lee"], petition.TypeAgree, petition.RefBody{Petition: id})
}

func TestPetitionExpiryAndWithdrawal(t *testing.T) {
	w := newPetitionWorld(t)
	kim := w.m["kim"]
	// Pre-agreement window passes with one agreement: expired, lazily.
	w.do(kim, petition.TypeCreate, petition.CreateBody{ID: "quiet-one", Chapter: "seoul", Category: "party", Title: "조용한 청원", Body: "본문"})
	w.do(kim, petition.TypeOpen, petition.RefBody{Petition: "quiet-one"})
	w.do(kim, petition.TypeAgree, petition.RefBody{Petition: "quiet-one"})
	w.now = w.now.Add(24 * time.Hour)
	w.block()
	if p := w.petition("quiet-one"); p.State != petition.Expired {
		t.Fatalf("after the pre-agreement window: %+v", p)
	}
	w.rejectDo(w.m["lee"], petition.TypeAgree, petition.RefBody{Petition: "quiet-one"}, codes.Expired)
	w.rejectDo(kim, petition.TypeWithdraw, petition.RefBody{Petition: "quiet-one"}, codes.Expired)

	// A public petition that misses its threshold window expires too.
	w.public("slow-one")
	w.now = w.now.Add(2*24*time.Hour + time.Minute)
	w.block()
	if p := w.petition("slow-one"); p.State != petition.Expired || p.ClosedAt != p.PublicAt+testParams.Window {
		t.Fatalf("after the collection window: %+v", p)
	}
	w.rejectDo(w.m["jung"], petition.TypeComment, petition.CommentBody{ID: "late-comment", Petition: "slow-one", Stance: petition.Neutral, Body: "늦었네요"}, codes.Expired)

	// The author withdraws a collecting petition; then nothing more happens to it.
	w.public("changed-mind")
	w.rejectDo(w.m["lee"], petition.TypeWithdraw, petition.RefBody{Petition: "changed-mind"}, petition.CodeNotAuthor)
	w.do(kim, petition.TypeWithdraw, petition.RefBody{Petition: "changed-mind"})
	if p := w.petition("changed-mind"); p.State != petition.Withdrawn {
		t.Fatalf("withdrawn = %+v", p)
	}
	w.rejectDo(w.m["park"], petition.TypeAgree, petition.RefBody{Petition: "changed-mind"}, codes.WrongState)
	w.rejectDo(kim, petition.TypeOpen, petition.RefBody{Petition: "changed-mind"}, codes.WrongState)
}

// TestPetitionRejections: each listed rejection with its code, state unchanged
// (rejectDo compares a dump of the whole state).
func TestPetitionRejections(t *testing.T) {
	w := newPetitionWorld(t)
	w.public("p-rejections")
	ref := petition.RefBody{Petition: "p-rejections"}

	// A second agreement.
	w.rejectDo(w.m["kim"], petition.TypeAgree, ref, petition.CodeAlreadyAgreed)
	// Agreement by a suspended member.
	w.do(w.admin, members.TypeSuspend, members.StatusBody{Member: idOf(w.m["kang"]), Reason: members.ReasonDuesUnpaid})
	w.rejectDo(w.m["kang"], petition.TypeAgree, ref, petition.CodeNotEligible)
	// Agreement from outside the petition's scope (Busan on a Seoul petition).
	w.rejectDo(w.m["yoon"], petition.TypeAgree, ref, petition.CodeNotEligible)
	// A key that is no member.
	w.rejectDo(key("stranger"), petition.TypeAgree, ref, codes.UnknownSigner)
	// Withdrawing an agreement never given.
	w.rejectDo(w.m["park"], petition.TypeUnagree, ref, petition.CodeNotAgreed)

	// A comment deeper than 3.
	post := func(who, id, parent string) petition.CommentBody {
		return petition.CommentBody{ID: id, Petition: "p-rejections", Parent: parent, Stance: petition.Neutral, Body: "댓글 " + id + " by " + who}
	}
	w.do(w.m["lee"], petition.TypeComment, post("lee", "d1", ""))
	w.do(w.m["park"], petition.TypeComment, post("park", "d2", "d1"))
	w.do(w.m["choi"], petition.TypeComment, post("choi", "d3", "d2"))
	if c := w.comment("d3"); c.Depth != 3 {
		t.Fatalf("depth = %d", c.Depth)
	}
	w.rejectDo(w.m["jung"], petition.TypeComment, post("jung", "d4", "d3"), petition.CodeTooDeep)
	// Bad input: stance, empty body, bad ID, unknown parent, a taken ID.
	w.rejectDo(w.m["jung"], petition.TypeComment, petition.CommentBody{ID: "x-stance", Petition: "p-rejections", Stance: "maybe", Body: "x"}, codes.InvalidArgument)
	w.rejectDo(w.m["jung"], petition.TypeComment, petition.CommentBody{ID: "x-empty", Petition: "p-rejections", Stance: petition.For, Body: ""}, codes.InvalidArgument)
	w.rejectDo(w.m["jung"], petition.TypeComment, petition.CommentBody{ID: "X!", Petition: "p-rejections", Stance: petition.For, Body: "x"}, codes.InvalidArgument)
	w.rejectDo(w.m["jung"], petition.TypeComment, post("jung", "x-orphan", "no-such-comment"), codes.NotFound)
	w.rejectDo(w.m["jung"], petition.TypeComment, post("jung", "d1", ""), codes.AlreadyExists)
	w.rejectDo(w.m["jung"], petition.TypeComment, petition.CommentBody{ID: "x-answer", Petition: "p-rejections", OnAnswer: true, Stance: petition.For, Body: "x"}, codes.WrongState)

	// A comment by a blocked member; blocking needs the moderator role.
	blk := petition.BlockBody{Member: idOf(w.m["jung"]), Chapter: "seoul", Reason: petition.ReasonOffensive}
	w.rejectDo(w.secretary, petition.TypeBlock, blk, codes.Unauthorized)
	w.do(w.moderator, petition.TypeBlock, blk)
	w.rejectDo(w.moderator, petition.TypeBlock, blk, petition.CodeAlreadyState)
	w.rejectDo(w.m["jung"], petition.TypeComment, post("jung", "blocked-1", ""), petition.CodeBlocked)
	w.do(w.moderator, petition.TypeUnblock, blk)
	w.do(w.m["jung"], petition.TypeComment, post("jung", "unblocked-1", ""))

	// A second report by the same member; one's own comment is not reported.
	w.do(w.m["kim"], petition.TypeReport, petition.ReportBody{Comment: "d1", Reason: "spam"})
	w.rejectDo(w.m["kim"], petition.TypeReport, petition.ReportBody{Comment: "d1", Reason: "offensive"}, petition.CodeAlreadyReport)
	w.rejectDo(w.m["lee"], petition.TypeReport, petition.ReportBody{Comment: "d1", Reason: "spam"}, codes.InvalidArgument)
	w.rejectDo(w.m["park"], petition.TypeReport, petition.ReportBody{Comment: "d1", Reason: "boring"}, codes.InvalidArgument)

	// Votes: one per member; changing is allowed, repeating is not.
	w.do(w.m["kim"], petition.TypeVote, petition.VoteBody{Comment: "d2", Vote: petition.VoteUp})
	w.rejectDo(w.m["kim"], petition.TypeVote, petition.VoteBody{Comment: "d2", Vote: petition.VoteUp}, petition.CodeAlreadyVoted)
	w.do(w.m["kim"], petition.TypeVote, petition.VoteBody{Comment: "d2", Vote: petition.VoteDown})
	w.do(w.m["lee"], petition.TypeVote, petition.VoteBody{Comment: "d2", Vote: petition.VoteDown})
	if c := w.comment("d2"); c.Up != 0 || c.Down != 2 {
		t.Fatalf("votes = %d up %d down", c.Up, c.Down)
	}
	w.rejectDo(w.m["park"], petition.TypeVote, petition.VoteBody{Comment: "d2", Vote: petition.VoteUp}, codes.InvalidArgument)

	// Edits keep the history; only the author edits.
	w.rejectDo(w.m["kim"], petition.TypeEdit, petition.EditBody{Comment: "d1", Body: "hijack"}, petition.CodeNotAuthor)
	w.do(w.m["lee"], petition.TypeEdit, petition.EditBody{Comment: "d1", Body: "고친 댓글"})
	if c, hs := w.comment("d1"), petition.VersionHashes(w.snap(), "d1"); c.Version != 2 || len(hs) != 2 || hs[1] != petition.ContentHash("comment", "", "고친 댓글") || hs[0] != petition.ContentHash("comment", "", "댓글 d1 by lee") {
		t.Fatalf("edit history: %+v %v", c, hs)
	}
	// Soft delete by the author; then no edits, votes or reports.
	w.do(w.m["choi"], petition.TypeDelete, petition.CommentRefBody{Comment: "d3"})
	w.rejectDo(w.m["choi"], petition.TypeEdit, petition.EditBody{Comment: "d3", Body: "again"}, petition.CodeContentDeleted)
	w.rejectDo(w.m["kim"], petition.TypeVote, petition.VoteBody{Comment: "d3", Vote: petition.VoteUp}, petition.CodeContentDeleted)

	// An answer by someone without the role, and in the wrong state.
	ans := petition.AnswerBody{Petition: "p-rejections", Body: "답변"}
	w.rejectDo(w.m["kim"], petition.TypeAnswer, ans, codes.Unauthorized)
	w.rejectDo(w.secretary, petition.TypeAnswer, ans, codes.WrongState)
	// Params need admin or secretary and sane values.
	w.rejectDo(w.m["kim"], petition.TypeSetParams, petition.SetParamsBody{Chapter: "seoul", Params: testParams}, codes.Unauthorized)
	w.rejectDo(w.secretary, petition.TypeSetParams, petition.SetParamsBody{Chapter: "seoul", Params: petition.Params{PreAgreements: 5, PreWindow: 10, Threshold: 1, Window: 60, AnswerDue: 0}}, codes.InvalidArgument)
	// Creating: duplicate ID, unknown chapter, out of scope, bad category.
	good := petition.CreateBody{ID: "p-rejections", Chapter: "seoul", Category: "youth", Title: "t", Body: "b"}
	w.rejectDo(w.m["kim"], petition.TypeCreate, good, codes.AlreadyExists)
	good.ID = "p-new"
	bad := good
	bad.Chapter = "nowhere"
	w.rejectDo(w.m["kim"], petition.TypeCreate, bad, codes.NotFound)
	bad = good
	bad.Chapter = "busan"
	w.rejectDo(w.m["kim"], petition.TypeCreate, bad, petition.CodeNotEligible)
	bad = good
	bad.Category = "Youth Policy"
	w.rejectDo(w.m["kim"], petition.TypeCreate, bad, codes.InvalidArgument)
	bad = good
	bad.Title = " padded"
	w.rejectDo(w.m["kim"], petition.TypeCreate, bad, codes.InvalidArgument)
}

// TestModerationPaths: reports hide a comment after three distinct
// reporters; a moderator unhides it with a reason, hides it directly, and
// hides and unhides a whole petition.
func TestModerationPaths(t *testing.T) {
	w := newPetitionWorld(t)
	w.public("p-mod")
	w.do(w.m["park"], petition.TypeComment, petition.CommentBody{ID: "rude", Petition: "p-mod", Stance: petition.Against, Body: "광고 spam 링크"})
	for i, n := range []string{"kim", "lee"} {
		w.do(w.m[n], petition.TypeReport, petition.ReportBody{Comment: "rude", Reason: "spam"})
		if c := w.comment("rude"); c.Hidden || c.Reports != int64(i+1) {
			t.Fatalf("hidden after %d reports: %+v", i+1, c)
		}
	}
	w.do(w.m["choi"], petition.TypeReport, petition.ReportBody{Comment: "rude", Reason: "offensive"})
	if c := w.comment("rude"); !c.Hidden || c.HiddenReason != petition.ReasonReports {
		t.Fatalf("after 3 reports: %+v", c)
	}
	// Hidden: no replies, votes or edits; the chain keeps its hash.
	w.rejectDo(w.m["jung"], petition.TypeComment, petition.CommentBody{ID: "reply-rude", Petition: "p-mod", Parent: "rude", Stance: petition.Neutral, Body: "x"}, codes.WrongState)
	w.rejectDo(w.m["jung"], petition.TypeVote, petition.VoteBody{Comment: "rude", Vote: petition.VoteUp}, petition.CodeContentHidden)
	w.rejectDo(w.m["park"], petition.TypeEdit, petition.EditBody{Comment: "rude", Body: "sorry"}, petition.CodeContentHidden)
	if c := w.comment("rude"); c.ContentHash != petition.ContentHash("comment", "", "광고 spam 링크") {
		t.Fatal("hash lost")
	}
	// Unhiding needs a moderator in scope and a reason code.
	un := petition.HideBody{Kind: petition.KindComment, ID: "rude", Reason: petition.ReasonOther}
	w.rejectDo(w.m["kim"], petition.TypeUnhide, un, codes.Unauthorized)
	w.rejectDo(w.moderator, petition.TypeUnhide, petition.HideBody{Kind: petition.KindComment, ID: "rude", Reason: 42}, codes.InvalidArgument)
	w.do(w.moderator, petition.TypeUnhide, un)
	w.rejectDo(w.moderator, petition.TypeUnhide, un, petition.CodeAlreadyState)
	if c := w.comment("rude"); c.Hidden || c.ReportsCleared != 3 {
		t.Fatalf("after unhide: %+v", c)
	}
	// The earlier reports are set aside: one new report does not re-hide.
	w.do(w.m["jung"], petition.TypeReport, petition.ReportBody{Comment: "rude", Reason: "off_topic"})
	if c := w.comment("rude"); c.Hidden {
		t.Fatal("re-hidden by one report after unhide")
	}
	// Direct hide by the moderator.
	w.do(w.moderator, petition.TypeHide, petition.HideBody{Kind: petition.KindComment, ID: "rude", Reason: petition.ReasonDefamation})
	if c := w.comment("rude"); !c.Hidden || c.HiddenReason != petition.ReasonDefamation {
		t.Fatalf("after hide: %+v", c)
	}
	// A whole petition: hidden petitions take no agreements or comments.
	w.do(w.moderator, petition.TypeHide, petition.HideBody{Kind: petition.KindPetition, ID: "p-mod", Reason: petition.ReasonPrivacy})
	w.rejectDo(w.m["park"], petition.TypeAgree, petition.RefBody{Petition: "p-mod"}, petition.CodeContentHidden)
	w.rejectDo(w.m["park"], petition.TypeComment, petition.CommentBody{ID: "on-hidden", Petition: "p-mod", Stance: petition.For, Body: "x"}, petition.CodeContentHidden)
	w.do(w.moderator, petition.TypeUnhide, petition.HideBody{Kind: petition.KindPetition, ID: "p-mod", Reason: petition.ReasonOther})
	w.do(w.m["park"], petition.TypeAgree, petition.RefBody{Petition: "p-mod"})
	// A Seoul moderator has no say over Busan.
	w.do(w.m["yoon"], petition.TypeCreate, petition.CreateBody{ID: "p-busan", Chapter: "busan", Category: "local", Title: "부산", Body: "부산 청원"})
	w.rejectDo(w.moderator, petition.TypeHide, petition.HideBody{Kind: petition.KindPetition, ID: "p-busan", Reason: petition.ReasonSpam}, codes.Unauthorized)
}

// TestParamsAreScopedAndNotRetroactive: a chapter's params apply to
// petitions created under it afterwards, and never to older ones.
func TestParamsAreScopedAndNotRetroactive(t *testing.T) {
	w := newPetitionWorld(t)
	w.public("before-change")
	seoul := petition.Params{PreAgreements: 1, PreWindow: 3600, Threshold: 100, Window: 7200, AnswerDue: 3600}
	w.do(w.secretary, petition.TypeSetParams, petition.SetParamsBody{Chapter: "seoul", Params: seoul})
	w.do(w.m["kim"], petition.TypeCreate, petition.CreateBody{ID: "after-change", Chapter: "seoul-mapo", Category: "local", Title: "마포 청원", Body: "b"})
	if p := w.petition("after-change"); p.Params != seoul {
		t.Fatalf("new petition params %+v", p.Params)
	}
	if p := w.petition("before-change"); p.Params != testParams {
		t.Fatalf("old petition params changed: %+v", p.Params)
	}
	if p := petition.ParamsFor(w.snap(), "busan"); p != testParams {
		t.Fatalf("busan params %+v", p)
	}
}
