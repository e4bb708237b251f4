package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/wire"
)

// TestNetworkInitHomesReplicateBlobs: the homes `pnyx network init`
// writes, started with exactly the commands it prints, replicate
// documents — minutes uploaded to the validator hq and referenced by a
// committed transaction are served by the replica r1, which got them
// from its blob peer. The hosts are two loopback addresses (Linux routes
// all of 127/8 to lo) with free ports.
func TestNetworkInitHomesReplicateBlobs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pnyx as processes")
	}
	ports := nodetest.FreePorts(t, 3)
	for _, ip := range []string{"127.0.0.2", "127.0.0.3"} {
		l, err := net.Listen("tcp", ip+":"+strconv.Itoa(ports[2]))
		if err != nil {
			t.Skipf("loopback address %s unusable here: %v", ip, err)
		}
		l.Close()
	}
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, fmt.Appendf(nil, "hq validator 127.0.0.2:%d\nr1 replica 127.0.0.3:%d\n", ports[0], ports[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "net")
	printed, err := pnyx(t, "network", "init", hosts, "--out", out, "--chain-id", "pnyx-blobnet", "--api-url", "http://{ip}:"+strconv.Itoa(ports[2]))
	if err != nil {
		t.Fatalf("%v\n%s", err, printed)
	}
	api := map[string]string{}
	for _, line := range strings.Split(printed, "\n") {
		_, cmdline, ok := strings.Cut(line, "pnyx start ")
		if !ok {
			continue
		}
		args := append([]string{"start"}, strings.Fields(cmdline)...)
		name := filepath.Base(args[2]) // start --home HOME ...
		args = append(args, "--log-level", "none", "--rpc-addr", "off")
		cmd := pnyxCommand(args...)
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("%s printed:\n%s", name, log.String())
			}
		})
		for i, a := range args {
			if a == "--api-addr" {
				api[name] = "http://" + args[i+1]
			}
		}
	}
	if api["hq"] == "" || api["r1"] == "" {
		t.Fatalf("network init printed no start command with --api-addr for hq and r1:\n%s", printed)
	}
	if !strings.Contains(printed, "--blob-peer "+api["hq"]) {
		t.Fatalf("r1 is not told hq's API as its blob peer:\n%s", printed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	get := func(url string) (int, []byte) {
		res, err := http.Get(url)
		if err != nil {
			return 0, nil
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, body
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for ctx.Err() == nil {
			if ok() {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	waitFor("a first block on both nodes", func() bool {
		for _, u := range []string{api["hq"], api["r1"]} {
			var st wire.Status
			if status, body := get(u + "/v1/status"); status != 200 || json.Unmarshal(body, &st) != nil || st.Height < 1 {
				return false
			}
		}
		return true
	})

	admin, err := keys.Load(filepath.Join(out, "hq"), launch.AdminKeyName)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(api["hq"])
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
	minutes := []byte(strings.Repeat("전국위원회 회의록 — 예산안 심의.\n", 3000))
	sum := sha256.Sum256(minutes)
	hash := hex.EncodeToString(sum[:])
	if got, err := c.PutBlob(ctx, minutes, admin); err != nil || got != hash {
		t.Fatalf("upload to hq: %s %v", got, err)
	}
	if _, err := s.Send(ctx, assembly.TypeMinutes, assembly.MinutesBody{Meeting: "national-committee.1", Hash: hash, Size: len(minutes)}); err != nil {
		t.Fatal(err)
	}
	waitFor("r1 to serve the minutes uploaded to hq", func() bool {
		status, body := get(api["r1"] + "/v1/blobs/" + hash)
		return status == 200 && bytes.Equal(body, minutes)
	})
	if held, err := os.ReadFile(filepath.Join(out, "r1", "data", "blobs", hash)); err != nil || !bytes.Equal(held, minutes) {
		t.Fatalf("r1's blob store: %d bytes, %v", len(held), err)
	}
}
