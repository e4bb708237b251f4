package launch_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// TestBlobsReachEveryNode (issue 12, build 3): minutes uploaded to node A's
// API and referenced by a committed assembly/minutes transaction end up on
// node B, which was told a forging peer and then A's API as its blob
// peers, byte for byte (the forged bytes refused): B serves
// them at /v1/blobs/HASH and as the meeting's minutes. Before package
// blobsync, B answered 404 for ever.
func TestBlobsReachEveryNode(t *testing.T) {
	ports := nodetest.FreePorts(t, 2)
	homes, admin, err := launch.Network(t.TempDir(), []node.Host{
		{Name: "hq", Role: node.RoleValidator, IP: "127.0.0.1", Port: ports[0]},
		{Name: "hq-s1", Role: node.RoleSentry, IP: "127.0.0.1", Port: ports[1], Fronts: "hq"},
	}, launch.NetworkOptions{NetworkOptions: node.NetworkOptions{ChainID: "pnyx-blobs"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := launch.Start(homes[0], launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	// B's first peer serves forged bytes for every blob: refused, and the
	// blob comes from A, the next peer.
	var forgedHits atomic.Int32
	forger := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forgedHits.Add(1)
		w.Write([]byte("forged minutes"))
	}))
	defer forger.Close()
	b, err := launch.Start(homes[1], launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy(), BlobPeers: []string{forger.URL, a.APIURL}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	waitHeight(t, a, 1, 30*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := client.New(a.APIURL)
	s := c.Signer(admin)
	adminID := members.DeriveID(hex.EncodeToString(admin.Public().(ed25519.PublicKey)))
	for _, tx := range []struct {
		typ  string
		body any
	}{
		{org.TypeGrantRole, org.RoleBody{Member: adminID, Role: org.Secretary, Chapter: "hq"}},
		{assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "national-committee", Chapter: "hq", Kind: assembly.KindNationalCommittee, Name: "전국위원회", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}}},
		{assembly.TypeSchedule, assembly.ScheduleBody{Body: "national-committee", Title: "정기회의", ScheduledAt: 1_800_000_000, Agenda: []assembly.AgendaItem{{No: 1, Title: "예산"}}}},
		{assembly.TypeOpen, assembly.MeetingBody{Meeting: "national-committee.1"}},
	} {
		if _, err := s.Send(ctx, tx.typ, tx.body); err != nil {
			t.Fatal(err)
		}
	}
	big := []byte(strings.Repeat("전국위원회 회의록 — 예산안 심의 내용.\n", 4000)) // ~200 KB
	sum := sha256.Sum256(big)
	hash := hex.EncodeToString(sum[:])
	if got, err := c.PutBlob(ctx, big, admin); err != nil || got != hash {
		t.Fatalf("upload on A: %s %v", got, err)
	}
	if _, err := s.Send(ctx, assembly.TypeMinutes, assembly.MinutesBody{Meeting: "national-committee.1", Hash: hash, Size: len(big)}); err != nil {
		t.Fatal(err)
	}
	waitHeight(t, b, a.Node.LatestHeight(), time.Minute)

	get := func(url string) (int, []byte) {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, body
	}
	// B has the block; the blob follows in the background (or at once when
	// a reader asks for it).
	var status int
	var body []byte
	for range 60 {
		if status, body = get(b.APIURL + "/v1/blobs/" + hash); status == 200 {
			break
		}
		time.Sleep(time.Second)
	}
	if status != 200 || !bytes.Equal(body, big) {
		t.Fatalf("B serves the blob: HTTP %d, %d bytes (want %d identical)", status, len(body), len(big))
	}
	if held, err := os.ReadFile(filepath.Join(homes[1], "data", "blobs", hash)); err != nil || !bytes.Equal(held, big) {
		t.Fatalf("B's blob store: %d bytes, %v", len(held), err)
	}
	if status, body = get(b.APIURL + "/v1/assembly/meetings/national-committee.1/minutes"); status != 200 || !bytes.Equal(body, big) {
		t.Fatalf("B's minutes: HTTP %d, %d bytes", status, len(body))
	}
	if forgedHits.Load() == 0 {
		t.Fatal("the forging peer was never asked")
	}
}
