package e2e

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

// TestSupremeCouncilCertificate: on a real node a supreme council meets,
// members check in to a quorum, one motion is adopted and one rejected, the
// minutes are recorded, the chair and the secretary finalize, an erratum is
// filed; the resolution certificate verifies offline against the genesis
// validators, shows the erratum, and fails with any single byte changed.
func TestSupremeCouncilCertificate(t *testing.T) {
	tn := startNode(t)
	ctx := ctxT(t)
	admin := tn.c.Signer(tn.admin)
	must := func(_ wire.TxResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	signer := map[string]*client.Signer{}
	id := map[string]string{}
	people := []string{"chair", "secretary", "c1", "c2", "c3", "c4"}
	var entries []members.ApproveEntry
	for _, p := range people {
		k := seedKey("council-" + p)
		signer[p] = tn.c.Signer(k)
		pub := hex.EncodeToString(k.Public().(ed25519.PublicKey))
		id[p] = members.DeriveID(pub)
		entries = append(entries, members.ApproveEntry{PublicKey: pub, Chapter: "hq", Class: members.Responsible})
	}
	must(admin.Send(ctx, members.TypeApprove, members.ApproveBody{Entries: entries}))
	must(admin.Send(ctx, org.TypeGrantRole, org.RoleBody{Member: id["secretary"], Role: org.Secretary, Chapter: "hq"}))
	must(admin.Send(ctx, assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "supreme-council", Chapter: "hq", Kind: assembly.KindSupremeCouncil, Name: "최고위원회", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}}))
	for _, p := range []string{"chair", "c1", "c2", "c3", "c4"} {
		pos := assembly.Member
		if p == "chair" {
			pos = assembly.Chair
		}
		must(admin.Send(ctx, assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: "supreme-council", Member: id[p], Position: pos}))
	}
	sec := signer["secretary"]
	must(sec.Send(ctx, assembly.TypeSchedule, assembly.ScheduleBody{Body: "supreme-council", Title: "제1차 최고위원회의", ScheduledAt: 1_800_000_000,
		Agenda: []assembly.AgendaItem{{No: 1, Title: "청년 정책"}, {No: 2, Title: "당사 이전"}}}))
	const mtg = "supreme-council.1"
	must(sec.Send(ctx, assembly.TypeOpen, assembly.MeetingBody{Meeting: mtg}))
	for _, p := range []string{"chair", "c1", "c2"} {
		must(signer[p].Send(ctx, assembly.TypeCheckIn, assembly.MeetingBody{Meeting: mtg}))
	}
	must(sec.Send(ctx, assembly.TypeMotion, assembly.MotionBody{Meeting: mtg, AgendaItem: 1, Title: "청년 공천 할당", Text: "차기 공천의 30%를 청년에게 할당한다."}))
	must(sec.Send(ctx, assembly.TypeDecide, assembly.DecideBody{Meeting: mtg, Motion: 1, Decision: assembly.Adopted, For: 3}))
	must(sec.Send(ctx, assembly.TypeMotion, assembly.MotionBody{Meeting: mtg, AgendaItem: 2, Title: "당사 이전", Text: "중앙당사를 이전한다."}))
	must(sec.Send(ctx, assembly.TypeDecide, assembly.DecideBody{Meeting: mtg, Motion: 2, Decision: assembly.Rejected, For: 1, Against: 2}))
	must(sec.Send(ctx, assembly.TypeClose, assembly.MeetingBody{Meeting: mtg}))
	minutes := "제1차 최고위원회의 회의록\n안건 1 가결, 안건 2 부결.\n"
	sum := sha256.Sum256([]byte(minutes))
	must(sec.Send(ctx, assembly.TypeMinutes, assembly.MinutesBody{Meeting: mtg, Hash: hex.EncodeToString(sum[:]), Size: len(minutes), Content: minutes}))

	cosign := func(kind string, hash []byte) (string, string) {
		msg := assembly.CosignMessage("pnyx-e2e", kind, mtg, hash)
		return hex.EncodeToString(ed25519.Sign(signer["chair"].Key, msg)), hex.EncodeToString(ed25519.Sign(sec.Key, msg))
	}
	var rec api.MeetingRecord
	if err := tn.c.Get(ctx, "/v1/assembly/meetings/"+mtg, nil, &rec); err != nil {
		t.Fatal(err)
	}
	hash, _ := hex.DecodeString(rec.RecordHash)
	cs, ss := cosign("finalize", hash)
	must(sec.Send(ctx, assembly.TypeFinalize, assembly.FinalizeBody{Meeting: mtg, RecordHash: rec.RecordHash, Chair: id["chair"], ChairSig: cs, SecretarySig: ss}))
	e := assembly.Erratum{Meeting: mtg, No: 1, Target: "motion:1", Correction: "표결: 찬성 3, 반대 0, 기권 0 (이의 없음)", Reason: "표결 방식 기재 누락"}
	cs, ss = cosign("erratum", assembly.ErratumHash(e))
	must(sec.Send(ctx, assembly.TypeErratum, assembly.ErratumBody{Meeting: mtg, Target: e.Target, Correction: e.Correction, Reason: e.Reason, Chair: id["chair"], ChairSig: cs, SecretarySig: ss}))

	// The minutes come back as recorded, with their hash.
	status, body := getBody(t, tn.r.APIURL+"/v1/assembly/meetings/"+mtg+"/minutes")
	if status != 200 || string(body) != minutes {
		t.Fatalf("minutes: HTTP %d %q", status, body)
	}

	raw, err := tn.c.GetRaw(ctx, "/v1/assembly/meetings/"+mtg+"/motions/1/certificate", nil)
	if err != nil {
		t.Fatal(err)
	}
	trusted, _ := proof.TrustedFromGenesis(tn.r.Node.Genesis())
	c, err := certificate.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	r, err := certificate.Verify(c, trusted)
	if err != nil {
		t.Fatalf("certificate does not verify: %v", err)
	}
	if r.Motion.Decision != assembly.Adopted || r.Present != 3 || len(r.Errata) != 1 || !strings.Contains(r.Text(), "Erratum 1 to motion:1") {
		t.Fatalf("certificate reads %+v\n%s", r.Motion, r.Text())
	}

	// Any single changed byte in the certificate's records, signatures or
	// text makes it fail.
	mutations := 0
	for i := range raw {
		if raw[i] < '0' || raw[i] > '9' && raw[i] < 'a' || raw[i] > 'f' {
			continue // flip only hex/base64-ish characters, which keep the JSON valid
		}
		if i%97 != 0 {
			continue // sample: every byte would take minutes
		}
		bad := append([]byte(nil), raw...)
		if bad[i] == 'a' {
			bad[i] = 'b'
		} else {
			bad[i] = 'a'
		}
		bc, err := certificate.Unmarshal(bad)
		if err != nil {
			continue // no longer a certificate at all: rejected
		}
		if _, err := certificate.Verify(bc, trusted); err == nil {
			t.Fatalf("a certificate with byte %d changed (%q -> %q) still verifies", i, raw[i], bad[i])
		}
		mutations++
	}
	if mutations < 20 {
		t.Fatalf("only %d mutations tried", mutations)
	}
	// And the text cannot be edited on its own.
	c.Text = strings.Replace(c.Text, "ADOPTED", "REJECTED", 1)
	if _, err := certificate.Verify(c, trusted); err == nil {
		t.Fatal("a certificate whose text was edited verifies")
	}
}
