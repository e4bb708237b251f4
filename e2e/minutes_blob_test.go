package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/wire"
)

// put uploads body to url, signed by key (package auth) unless key is nil:
// blob uploads are for active secretaries and admins.
func put(t *testing.T, tn *testNode, url string, body []byte, key ed25519.PrivateKey) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url, bytes.NewReader(body))
	if key != nil {
		chainID, err := tn.c.ChainID(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		auth.Sign(req, chainID, key, time.Now())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

// TestLargeMinutesGoThroughTheBlobStore: minutes over 64 KiB are uploaded by
// hash, referenced on chain by hash only, and served checked against it; a
// blob whose content does not match its name is refused.
func TestLargeMinutesGoThroughTheBlobStore(t *testing.T) {
	tn := startNode(t)
	ctx := ctxT(t)
	admin := tn.c.Signer(tn.admin)
	adminID := members.DeriveID(hex.EncodeToString(tn.admin.Public().(ed25519.PublicKey)))
	for _, s := range []struct {
		typ  string
		body any
	}{
		{org.TypeGrantRole, org.RoleBody{Member: adminID, Role: org.Secretary, Chapter: "hq"}},
		{assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "national-committee", Chapter: "hq", Kind: assembly.KindNationalCommittee, Name: "전국위원회", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}}},
		{assembly.TypeSchedule, assembly.ScheduleBody{Body: "national-committee", Title: "정기회의", ScheduledAt: 1_800_000_000, Agenda: []assembly.AgendaItem{{No: 1, Title: "예산"}}}},
		{assembly.TypeOpen, assembly.MeetingBody{Meeting: "national-committee.1"}},
	} {
		if _, err := admin.Send(ctx, s.typ, s.body); err != nil {
			t.Fatal(err)
		}
	}
	big := []byte(strings.Repeat("전국위원회 회의록 — 예산안 심의 내용.\n", 4000)) // ~200 KB
	sum := sha256.Sum256(big)
	hash := hex.EncodeToString(sum[:])

	// Unsigned, a blob is refused (finding 4 of issue 12).
	if status, body := put(t, tn, tn.r.APIURL+"/v1/blobs/"+hash, big, nil); status != http.StatusForbidden {
		t.Fatalf("unsigned upload: HTTP %d %s", status, body)
	}
	// A blob under the wrong name is refused.
	status, body := put(t, tn, tn.r.APIURL+"/v1/blobs/"+strings.Repeat("0", 64), big, tn.admin)
	var e wire.ErrorBody
	if json.Unmarshal(body, &e); status < 400 || e.Error.Code != assembly.CodeMinutesMismatch {
		t.Fatalf("mismatched blob: HTTP %d %s", status, body)
	}
	// Large minutes must not travel inline, and inline-sized ones must.
	_, err := admin.Send(ctx, assembly.TypeMinutes, assembly.MinutesBody{Meeting: "national-committee.1", Hash: hash, Size: 100})
	if codes.Of(err) != codes.InvalidArgument {
		t.Fatalf("small minutes without content: %v", err)
	}
	// The client's PutBlob signs; the admin is a secretary at hq.
	if got, err := tn.c.PutBlob(ctx, big, tn.admin); err != nil || got != hash {
		t.Fatalf("upload: %s %v", got, err)
	}
	if _, err := admin.Send(ctx, assembly.TypeMinutes, assembly.MinutesBody{Meeting: "national-committee.1", Hash: hash, Size: len(big)}); err != nil {
		t.Fatal(err)
	}
	status, got := getBody(t, tn.r.APIURL+"/v1/assembly/meetings/national-committee.1/minutes")
	if status != 200 || !bytes.Equal(got, big) {
		t.Fatalf("minutes: HTTP %d, %d bytes", status, len(got))
	}
}
