package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
)

// AssemblyOptions shape `pnyx bench assembly`.
type AssemblyOptions struct {
	Attendees int  // delegates checking in
	Workers   int  // concurrent submitting goroutines
	Batch     int  // check-ins per HTTP request
	Keep      bool // keep the temporary home
}

// Assembly records a national convention with o.Attendees check-ins and
// times the check-ins and the co-signed finalization (see `pnyx bench
// assembly --help`). Results go to out, ending in the summary line
//
//	attendees=N checkins_per_s=N finalize_ms=N
//
// and progress to progress.
func Assembly(ctx context.Context, out, progress io.Writer, ao AssemblyOptions) error {
	n, o := ao.Attendees, TxOptions{Workers: ao.Workers, Batch: ao.Batch, Keep: ao.Keep}
	if n < 1 {
		return fmt.Errorf("--attendees must be positive")
	}
	home, err := os.MkdirTemp("", "pnyx-bench-assembly-")
	if err != nil {
		return err
	}
	if o.Keep {
		fmt.Fprintln(out, "home:", home)
	} else {
		defer os.RemoveAll(home)
	}
	r, c, adminKey, err := startBenchNode(ctx, home, launch.Quiet())
	if err != nil {
		return err
	}
	defer r.Stop()
	admin := c.Signer(adminKey)
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return err
	}

	// The convention: HQ's admin acts as secretary, a chair holds the chair mandate.
	start := time.Now()
	chair := benchKey(-1)
	chairID := members.DeriveID(hex.EncodeToString(chair.Public().(ed25519.PublicKey)))
	adminID := members.DeriveID(hex.EncodeToString(adminKey.Public().(ed25519.PublicKey)))
	delegates := make([]ed25519.PrivateKey, n)
	for k := range delegates {
		delegates[k] = benchKey(k)
	}
	fmt.Fprintf(progress, "bench assembly: signing up %d delegates\n", n)
	if err := signUpMembers(ctx, c, admin, append([]ed25519.PrivateKey{chair}, delegates...), "hq"); err != nil {
		return err
	}
	const mtg = "national-convention.1"
	for _, s := range []struct {
		typ  string
		body any
	}{
		{org.TypeGrantRole, org.RoleBody{Member: adminID, Role: org.Secretary, Chapter: "hq"}},
		{assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "national-convention", Chapter: "hq", Kind: assembly.KindNationalConvention, Name: "전당대회", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}, OpenAttendance: true}},
		{assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: "national-convention", Member: chairID, Position: assembly.Chair}},
		{assembly.TypeSchedule, assembly.ScheduleBody{Body: "national-convention", Title: "전당대회", ScheduledAt: time.Now().Unix(), Agenda: []assembly.AgendaItem{{No: 1, Title: "당대표 선출"}}, ExpectedAttendees: int64(n)}},
		{assembly.TypeOpen, assembly.MeetingBody{Meeting: mtg}},
	} {
		if _, err := admin.Send(ctx, s.typ, s.body); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "setup: %d delegates and an open convention in %.1fs\n", n, time.Since(start).Seconds())

	// One check-in per delegate, signed by the delegate, untimed.
	txs := make([][]byte, n)
	for k, key := range delegates {
		env := &tx.Envelope{ChainID: chainID, Type: assembly.TypeCheckIn}
		if err := env.SetBody(assembly.MeetingBody{Meeting: mtg}); err != nil {
			return err
		}
		env.Sign(key)
		txs[k] = env.Encode()
	}
	if err := r.WaitForBlocks(ctx, r.Node.LatestHeight()+1); err != nil {
		return err
	}
	res, err := measure(ctx, progress, "assembly", r.Node, c, txs, o)
	if err != nil {
		return err
	}
	if res.Failed > 0 {
		return fmt.Errorf("bench assembly: %d check-ins failed", res.Failed)
	}
	fmt.Fprintf(out, "check-ins: %s\n", res)

	// Close, then the co-signed finalization, timed from submission to commit.
	if _, err := admin.Send(ctx, assembly.TypeClose, assembly.MeetingBody{Meeting: mtg}); err != nil {
		return err
	}
	var rec api.MeetingRecord
	if err := c.Get(ctx, "/v1/assembly/meetings/"+mtg, nil, &rec); err != nil {
		return err
	}
	if rec.Present != int64(n) || rec.Meeting.QuorumAtClose == nil || !rec.Meeting.QuorumAtClose.Met {
		return fmt.Errorf("bench assembly: %d present (quorum %+v), want %d", rec.Present, rec.Meeting.QuorumAtClose, n)
	}
	hash, _ := hex.DecodeString(rec.RecordHash)
	msg := assembly.CosignMessage(chainID, "finalize", mtg, hash)
	finStart := time.Now()
	if _, err := admin.Send(ctx, assembly.TypeFinalize, assembly.FinalizeBody{Meeting: mtg, RecordHash: rec.RecordHash, Chair: chairID,
		ChairSig: hex.EncodeToString(ed25519.Sign(chair, msg)), SecretarySig: hex.EncodeToString(ed25519.Sign(adminKey, msg))}); err != nil {
		return err
	}
	finalize := time.Since(finStart)
	fmt.Fprintf(out, "finalize: committed %.0f ms after submission (includes waiting for the next block)\n", float64(finalize.Microseconds())/1000)
	fmt.Fprintf(out, "attendees=%d checkins_per_s=%d finalize_ms=%d\n", n, int(res.perSec()+0.5), finalize.Milliseconds())
	return nil
}
