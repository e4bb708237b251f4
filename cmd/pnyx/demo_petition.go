package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/petition"
)

// The petition part of the demo: a petition from draft to an official
// answer, with comments, a report that hides one, and searches in Korean and
// English.
func petitionDemoSteps() []demoStep {
	people := []string{"pet-secretary", "pet-moderator", "pet-kim", "pet-lee", "pet-park", "pet-choi"}
	pid := func(e *demoEnv) string { return "youth-housing-" + e.suffix }
	cid := func(e *demoEnv, n string) string { return n + "-" + e.suffix }
	searchIDs := func(e *demoEnv, kind string, q client.Query) ([]string, error) {
		q.Chapter = e.ch("pet")
		res, err := e.c.Search(e.ctx, kind, q)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, p := range res.Petitions {
			ids = append(ids, p.ID)
		}
		for _, c := range res.Comments {
			ids = append(ids, c.ID)
		}
		slices.Sort(ids)
		return ids, nil
	}
	found := func(e *demoEnv, kind string, q client.Query) []string {
		ids, err := searchIDs(e, kind, q)
		if err != nil {
			return []string{"error: " + err.Error()}
		}
		return ids
	}
	expect := func(got []string, want ...string) error {
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("found %v, expected %v", got, want)
		}
		return nil
	}
	return []demoStep{
		demoStep{"HQ opens a chapter for petitions with a secretary and a moderator, and sets its thresholds (2 pre-agreements, 3 to oblige an answer)", func(e *demoEnv) error {
			if err := e.send("admin", org.TypeCreateChapter, org.CreateChapterBody{ID: e.ch("pet"), Name: "청원 시연 시당", Parent: "hq"}); err != nil {
				return err
			}
			var entries []members.ApproveEntry
			for _, p := range people {
				pub := hex.EncodeToString(e.key(p).Public().(ed25519.PublicKey))
				e.ids[p] = members.DeriveID(pub)
				entries = append(entries, members.ApproveEntry{PublicKey: pub, Chapter: e.ch("pet"), Class: members.General})
			}
			if err := e.send("admin", members.TypeApprove, members.ApproveBody{Entries: entries}); err != nil {
				return err
			}
			if err := e.send("admin", org.TypeGrantRole, org.RoleBody{Member: e.ids["pet-secretary"], Role: org.Secretary, Chapter: e.ch("pet")}); err != nil {
				return err
			}
			if err := e.send("admin", org.TypeGrantRole, org.RoleBody{Member: e.ids["pet-moderator"], Role: org.Moderator, Chapter: e.ch("pet")}); err != nil {
				return err
			}
			return e.send("pet-secretary", petition.TypeSetParams, petition.SetParamsBody{Chapter: e.ch("pet"),
				Params: petition.Params{PreAgreements: 2, PreWindow: 30 * 86400, Threshold: 3, Window: 30 * 86400, AnswerDue: 30 * 86400}})
		}},
		demoStep{"Kim drafts a petition in Korean and English and opens it; two pre-agreements make it public", func(e *demoEnv) error {
			if err := e.send("pet-kim", petition.TypeCreate, petition.CreateBody{ID: pid(e), Chapter: e.ch("pet"), Category: "youth",
				Title: "청년 주거 지원 확대 (Expand youth housing support)", Body: "당원들의 요청으로 청년 주거 policy 확대를 제안합니다. Rents take half of young members' income."}); err != nil {
				return err
			}
			if err := e.send("pet-kim", petition.TypeOpen, petition.RefBody{Petition: pid(e)}); err != nil {
				return err
			}
			for _, p := range []string{"pet-kim", "pet-lee"} {
				if err := e.send(p, petition.TypeAgree, petition.RefBody{Petition: pid(e)}); err != nil {
					return err
				}
			}
			v, err := e.c.Petition(e.ctx, pid(e), false)
			if err != nil {
				return err
			}
			if v.Petition.State != petition.Collecting {
				return fmt.Errorf("state %s, expected collecting", v.Petition.State)
			}
			return nil
		}},
		demoStep{"Lee agrees a second time: refused (already_agreed)", func(e *demoEnv) error {
			return expectRejected(e.send("pet-lee", petition.TypeAgree, petition.RefBody{Petition: pid(e)}), petition.CodeAlreadyAgreed)
		}},
		demoStep{"Park's agreement reaches the threshold; the public sees 3 agreements, Park sees that he agreed", func(e *demoEnv) error {
			if err := e.send("pet-park", petition.TypeAgree, petition.RefBody{Petition: pid(e)}); err != nil {
				return err
			}
			v, err := e.c.Petition(e.ctx, pid(e), false)
			if err != nil {
				return err
			}
			if v.Petition.State != petition.ThresholdReached || v.Petition.Agreements != 3 {
				return fmt.Errorf("petition %s with %d agreements", v.Petition.State, v.Petition.Agreements)
			}
			a, err := e.c.Agreed(e.ctx, e.key("pet-park"), pid(e))
			if err != nil || !a.Agreed {
				return fmt.Errorf("park's agreement: %+v %v", a, err)
			}
			return nil
		}},
		demoStep{"members discuss in a thread three deep; a fourth level is refused (thread_too_deep)", func(e *demoEnv) error {
			posts := []struct{ who, id, parent, stance, body string }{
				{"pet-lee", "c1", "", petition.For, "당원이 직접 참여하는 주거 정책이 필요합니다."},
				{"pet-park", "c2", "c1", petition.Against, "Youth policy needs a funding plan first."},
				{"pet-choi", "c3", "c2", petition.Neutral, "청년 일자리 policy와 함께 봐야 합니다."},
				{"pet-choi", "ad", "", petition.Neutral, "싼 대출 광고 cheap loans click here"},
			}
			for _, p := range posts {
				parent := ""
				if p.parent != "" {
					parent = cid(e, p.parent)
				}
				if err := e.send(p.who, petition.TypeComment, petition.CommentBody{ID: cid(e, p.id), Petition: pid(e), Parent: parent, Stance: p.stance, Body: p.body}); err != nil {
					return err
				}
			}
			return expectRejected(e.send("pet-kim", petition.TypeComment, petition.CommentBody{ID: cid(e, "c4"), Petition: pid(e), Parent: cid(e, "c3"), Stance: petition.For, Body: "너무 깊은 답글"}), petition.CodeTooDeep)
		}},
		demoStep{"three members report the advertisement: it is hidden, served without its text and gone from search", func(e *demoEnv) error {
			if err := expect(found(e, "comments", client.Query{Text: "loans"})); err == nil {
				return fmt.Errorf("the advertisement is not searchable before the reports")
			}
			for _, p := range []string{"pet-kim", "pet-lee", "pet-park"} {
				if err := e.send(p, petition.TypeReport, petition.ReportBody{Comment: cid(e, "ad"), Reason: "spam"}); err != nil {
					return err
				}
			}
			if err := expectRejected(e.send("pet-kim", petition.TypeReport, petition.ReportBody{Comment: cid(e, "ad"), Reason: "offensive"}), petition.CodeAlreadyReport); err != nil {
				return err
			}
			v, err := e.c.Comment(e.ctx, cid(e, "ad"))
			if err != nil {
				return err
			}
			if !v.Comment.Hidden || v.Comment.Body != "" {
				return fmt.Errorf("hidden comment served: %+v", v.Comment)
			}
			return expect(found(e, "comments", client.Query{Text: "loans"}))
		}},
		demoStep{"the secretary answers officially; Lee comments on the answer", func(e *demoEnv) error {
			if err := expectRejected(e.send("pet-moderator", petition.TypeAnswer, petition.AnswerBody{Petition: pid(e), Body: "x"}), codes.Unauthorized); err != nil {
				return err
			}
			if err := e.send("pet-secretary", petition.TypeAnswer, petition.AnswerBody{Petition: pid(e), Body: "당은 청년 주거 예산을 두 배로 늘리겠습니다. We will double the youth housing budget."}); err != nil {
				return err
			}
			if err := e.send("pet-lee", petition.TypeComment, petition.CommentBody{ID: cid(e, "thanks"), Petition: pid(e), OnAnswer: true, Stance: petition.For, Body: "답변 감사합니다, a good budget answer."}); err != nil {
				return err
			}
			v, err := e.c.Petition(e.ctx, pid(e), false)
			if err != nil {
				return err
			}
			if v.Petition.State != petition.Answered {
				return fmt.Errorf("state %s, expected answered", v.Petition.State)
			}
			return nil
		}},
		demoStep{"search: 당원 finds 당원들의 and 당원이; 청년 policy (mixed); budget (English)", func(e *demoEnv) error {
			if err := expect(found(e, "all", client.Query{Text: "당원"}), pid(e), cid(e, "c1")); err != nil {
				return fmt.Errorf("당원: %w", err)
			}
			if err := expect(found(e, "comments", client.Query{Text: "청년 policy"}), cid(e, "c3")); err != nil {
				return fmt.Errorf("청년 policy: %w", err)
			}
			return expect(found(e, "all", client.Query{Text: "budget"}), pid(e), cid(e, "thanks"))
		}},
	}
}
