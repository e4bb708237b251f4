package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// The assembly part of the demo: a supreme council meeting from scheduling
// to a finalized resolution, an erratum, and a certificate checked offline.
func assemblyDemoSteps() []demoStep {
	council := []string{"council-chair", "council-secretary", "councillor-1", "councillor-2", "councillor-3"}
	body := func(e *demoEnv) string { return "council-" + e.suffix }
	meeting := func(e *demoEnv) string { return body(e) + ".1" }
	cosign := func(e *demoEnv, kind string, hash []byte) (string, string, error) {
		chainID, err := e.c.ChainID(e.ctx)
		if err != nil {
			return "", "", err
		}
		msg := assembly.CosignMessage(chainID, kind, meeting(e), hash)
		return hex.EncodeToString(ed25519.Sign(e.key("council-chair"), msg)), hex.EncodeToString(ed25519.Sign(e.key("council-secretary"), msg)), nil
	}
	return []demoStep{
		demoStep{"HQ sets up a supreme council: a chair, a secretary and three councillors", func(e *demoEnv) error {
			var entries []members.ApproveEntry
			for _, p := range council {
				pub := hex.EncodeToString(e.key(p).Public().(ed25519.PublicKey))
				e.ids[p] = members.DeriveID(pub)
				entries = append(entries, members.ApproveEntry{PublicKey: pub, Chapter: "hq", Class: members.Responsible})
			}
			if err := e.send("admin", members.TypeApprove, members.ApproveBody{Entries: entries}); err != nil {
				return err
			}
			if err := e.send("admin", org.TypeGrantRole, org.RoleBody{Member: e.ids["council-secretary"], Role: org.Secretary, Chapter: "hq"}); err != nil {
				return err
			}
			if err := e.send("admin", assembly.TypeCreateBody, assembly.CreateBodyBody{ID: body(e), Chapter: "hq", Kind: assembly.KindSupremeCouncil, Name: "최고위원회", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}}); err != nil {
				return err
			}
			for _, p := range []string{"council-chair", "councillor-1", "councillor-2", "councillor-3"} {
				pos := assembly.Member
				if p == "council-chair" {
					pos = assembly.Chair
				}
				if err := e.send("admin", assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: body(e), Member: e.ids[p], Position: pos}); err != nil {
					return err
				}
			}
			return nil
		}},
		demoStep{"the secretary schedules and opens a meeting; three of four mandate holders check in", func(e *demoEnv) error {
			if err := e.send("council-secretary", assembly.TypeSchedule, assembly.ScheduleBody{Body: body(e), Title: "제1차 최고위원회의", ScheduledAt: 1_800_000_000,
				Agenda: []assembly.AgendaItem{{No: 1, Title: "청년 정책 결의"}, {No: 2, Title: "당사 이전"}}}); err != nil {
				return err
			}
			if err := e.send("council-secretary", assembly.TypeOpen, assembly.MeetingBody{Meeting: meeting(e)}); err != nil {
				return err
			}
			for _, p := range []string{"council-chair", "councillor-1", "councillor-2"} {
				if err := e.send(p, assembly.TypeCheckIn, assembly.MeetingBody{Meeting: meeting(e)}); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
			return nil
		}},
		demoStep{"with a quorum (3 of 4), one motion is adopted and one rejected", func(e *demoEnv) error {
			steps := []struct {
				typ  string
				body any
			}{
				{assembly.TypeMotion, assembly.MotionBody{Meeting: meeting(e), AgendaItem: 1, Title: "청년 공천 할당", Text: "차기 총선 공천의 30%를 청년에게 할당한다."}},
				{assembly.TypeDecide, assembly.DecideBody{Meeting: meeting(e), Motion: 1, Decision: assembly.Adopted, For: 3, Conclusions: "공천 규정 개정안을 다음 회의에 상정한다."}},
				{assembly.TypeMotion, assembly.MotionBody{Meeting: meeting(e), AgendaItem: 2, Title: "당사 이전", Text: "중앙당사를 이전한다."}},
				{assembly.TypeDecide, assembly.DecideBody{Meeting: meeting(e), Motion: 2, Decision: assembly.Rejected, For: 1, Against: 2}},
				{assembly.TypeClose, assembly.MeetingBody{Meeting: meeting(e)}},
			}
			for _, s := range steps {
				if err := e.send("council-secretary", s.typ, s.body); err != nil {
					return err
				}
			}
			return nil
		}},
		demoStep{"the minutes go on chain by content hash; chair and secretary co-sign to finalize", func(e *demoEnv) error {
			text := "제1차 최고위원회의 회의록\n1. 청년 공천 할당: 가결 (3:0)\n2. 당사 이전: 부결 (1:2)\n"
			sum := sha256.Sum256([]byte(text))
			if err := e.send("council-secretary", assembly.TypeMinutes, assembly.MinutesBody{Meeting: meeting(e), Hash: hex.EncodeToString(sum[:]), Size: len(text), Content: text}); err != nil {
				return err
			}
			var rec api.MeetingRecord
			if err := e.c.Get(e.ctx, "/v1/assembly/meetings/"+meeting(e), nil, &rec); err != nil {
				return err
			}
			hash, _ := hex.DecodeString(rec.RecordHash)
			cs, ss, err := cosign(e, "finalize", hash)
			if err != nil {
				return err
			}
			return e.send("council-secretary", assembly.TypeFinalize, assembly.FinalizeBody{Meeting: meeting(e), RecordHash: rec.RecordHash, Chair: e.ids["council-chair"], ChairSig: cs, SecretarySig: ss})
		}},
		demoStep{"a finalized record cannot be edited: a late decision is refused", func(e *demoEnv) error {
			return expectRejected(e.send("council-secretary", assembly.TypeDecide, assembly.DecideBody{Meeting: meeting(e), Motion: 2, Decision: assembly.Withdrawn}), assembly.CodeFinalized)
		}},
		demoStep{"a co-signed erratum corrects motion 1 without rewriting it", func(e *demoEnv) error {
			er := assembly.Erratum{Meeting: meeting(e), No: 1, Target: "motion:1", Correction: "표결: 찬성 3, 반대 0, 기권 0 (이의 없음)", Reason: "표결 결과 표기 정정"}
			cs, ss, err := cosign(e, "erratum", assembly.ErratumHash(er))
			if err != nil {
				return err
			}
			return e.send("council-secretary", assembly.TypeErratum, assembly.ErratumBody{Meeting: meeting(e), Target: er.Target, Correction: er.Correction, Reason: er.Reason, Chair: e.ids["council-chair"], ChairSig: cs, SecretarySig: ss})
		}},
		demoStep{"the resolution certificate verifies offline and shows its erratum", func(e *demoEnv) error {
			raw, err := e.c.GetRaw(e.ctx, "/v1/assembly/meetings/"+meeting(e)+"/motions/1/certificate", nil)
			if err != nil {
				return err
			}
			c, err := certificate.Unmarshal(raw)
			if err != nil {
				return err
			}
			r, err := certificate.Verify(c, nil)
			if err != nil {
				return err
			}
			if r.Motion.Decision != assembly.Adopted || len(r.Errata) != 1 {
				return fmt.Errorf("certificate says %s with %d errata", r.Motion.Decision, len(r.Errata))
			}
			c.Text += " "
			if _, err := certificate.Verify(c, nil); err == nil {
				return fmt.Errorf("an altered certificate verified")
			}
			return nil
		}},
	}
}
