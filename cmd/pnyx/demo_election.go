package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/wire"
)

// The election part of the demo: a chapter chair election with a key
// ceremony, anonymous credentials, votes, a re-vote, a spoiled ballot, a
// tally with one trustee absent, and the record verified.
func electionDemoSteps() []demoStep {
	const nVoters = 5
	var (
		seeds   [3][32]byte
		issuers []*credential.Issuer
		voters  []*election.Voter
		creds   [][][]byte
		track   string
	)
	id := func(e *demoEnv) string { return "chair-" + e.suffix }
	get := func(e *demoEnv) (*election.Election, error) {
		el, ok := election.Get(e.c.ElectionState(e.ctx), id(e))
		if !ok {
			return nil, fmt.Errorf("election %s not found", id(e))
		}
		return el, nil
	}
	blockTime := func(e *demoEnv) int64 {
		var st struct {
			BlockTime time.Time `json:"block_time"`
		}
		e.c.Get(e.ctx, "/v1/status", nil, &st)
		return st.BlockTime.Unix()
	}
	waitBlockTime := func(e *demoEnv, ts int64) error {
		for blockTime(e) < ts {
			if time.Now().Unix() > ts {
				// A quiet chain makes empty blocks rarely; a transaction
				// moves block time on.
				if err := e.send("commissioner", token.TypeBurn, token.BurnBody{Amount: 1}); err != nil {
					return err
				}
			}
			select {
			case <-e.ctx.Done():
				return e.ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		return nil
	}
	trusteeSteps := func(e *demoEnv, l int) error {
		for {
			el, err := get(e)
			if err != nil {
				return err
			}
			st := e.c.ElectionState(e.ctx)
			typ, body, _, err := election.TrusteeStep(st, el, seeds[l-1], l, blockTime(e))
			if err != nil {
				return err
			}
			if typ == "" {
				return nil
			}
			if err := e.send(fmt.Sprintf("trustee-%d", l), typ, body); err != nil {
				return err
			}
		}
	}
	return []demoStep{
		demoStep{"an election commissioner creates a chair election for a new chapter: 3 trustees (2 of 3), 2 credential issuers, 5 eligible members", func(e *demoEnv) error {
			if err := e.send("admin", org.TypeCreateChapter, org.CreateChapterBody{ID: e.ch("mapo"), Name: "마포구 당원협의회", Parent: "hq"}); err != nil {
				return err
			}
			var entries []members.ApproveEntry
			officials := []string{"commissioner", "trustee-1", "trustee-2", "trustee-3", "issuer-1", "issuer-2"}
			for _, p := range officials {
				pub := hex.EncodeToString(e.key(p).Public().(ed25519.PublicKey))
				e.ids[p] = members.DeriveID(pub)
				entries = append(entries, members.ApproveEntry{PublicKey: pub, Chapter: "hq", Class: members.Responsible})
			}
			for i := range nVoters {
				p := fmt.Sprintf("mapo-voter-%d", i)
				pub := hex.EncodeToString(e.key(p).Public().(ed25519.PublicKey))
				e.ids[p] = members.DeriveID(pub)
				entries = append(entries, members.ApproveEntry{PublicKey: pub, Chapter: e.ch("mapo"), Class: members.Responsible})
			}
			if err := e.send("admin", members.TypeApprove, members.ApproveBody{Entries: entries}); err != nil {
				return err
			}
			roles := map[string]org.Role{"commissioner": org.ElectionCommissioner, "trustee-1": org.Trustee, "trustee-2": org.Trustee,
				"trustee-3": org.Trustee, "issuer-1": org.CredentialIssuer, "issuer-2": org.CredentialIssuer}
			for _, p := range officials {
				if err := e.send("admin", org.TypeGrantRole, org.RoleBody{Member: e.ids[p], Role: roles[p], Chapter: "hq"}); err != nil {
					return err
				}
			}
			now := blockTime(e)
			return e.send("commissioner", election.TypeCreate, election.CreateBody{ID: id(e), Chapter: e.ch("mapo"), Class: members.Responsible,
				Title: "마포구 당원협의회 위원장 선거", Contests: []election.ContestSpec{{Title: "위원장", SelectionLimit: 1, OptionLimit: 1, Options: []string{"김민지", "이서준", "박하은"}}},
				Trustees: []string{e.ids["trustee-1"], e.ids["trustee-2"], e.ids["trustee-3"]}, Threshold: 2,
				Issuers: []string{e.ids["issuer-1"], e.ids["issuer-2"]}, IssueStart: now, IssueEnd: now + 25, VoteStart: now + 25, VoteEnd: now + 40})
		}},
		demoStep{"key ceremony: each trustee posts a key, a Feldman dealing, a check and an acknowledgement; issuers post RSA keys", func(e *demoEnv) error {
			for i := range seeds {
				seeds[i] = election.NewSeed()
			}
			for round := 0; round < 6; round++ {
				for l := 1; l <= 3; l++ {
					if err := trusteeSteps(e, l); err != nil {
						return fmt.Errorf("trustee %d: %w", l, err)
					}
				}
			}
			issuers = nil
			for i, sk := range demoIssuerKeys() {
				is, err := credential.NewIssuer(sk)
				if err != nil {
					return err
				}
				issuers = append(issuers, is)
				if err := e.send(fmt.Sprintf("issuer-%d", i+1), election.TypeIssuerKey, election.IssuerKeyBodyFor(id(e), is)); err != nil {
					return err
				}
			}
			el, err := get(e)
			if err != nil {
				return err
			}
			if el.Status != election.PhaseReady {
				return fmt.Errorf("election is %s after the ceremony", el.Status)
			}
			fmt.Printf("      joint key %s…, %d eligible members\n", el.JointKey[:16], el.Eligible)
			return nil
		}},
		demoStep{"members request blind credentials; the issuers sign blindly; an ineligible official is refused", func(e *demoEnv) error {
			el, err := get(e)
			if err != nil {
				return err
			}
			probe, _ := election.NewVoter(election.NewSeed())
			pb, _ := probe.Request(el, e.key("commissioner"))
			if err := expectRejected(e.send("commissioner", election.TypeRequest, pb), election.CodeNotEligible); err != nil {
				return err
			}
			voters, creds = nil, nil
			for i := range nVoters {
				v, err := election.NewVoter(election.NewSeed())
				if err != nil {
					return err
				}
				body, err := v.Request(el, e.key(fmt.Sprintf("mapo-voter-%d", i)))
				if err != nil {
					return err
				}
				if err := e.send(fmt.Sprintf("mapo-voter-%d", i), election.TypeRequest, body); err != nil {
					return err
				}
				voters = append(voters, v)
			}
			st := e.c.ElectionState(e.ctx)
			for i, is := range issuers {
				b, err := election.IssueBodyFor(st, el, is, i, election.Unanswered(st, el, i, election.MaxIssueBatch))
				if err != nil {
					return err
				}
				if err := e.send(fmt.Sprintf("issuer-%d", i+1), election.TypeIssue, b); err != nil {
					return err
				}
			}
			for i, v := range voters {
				who := fmt.Sprintf("mapo-voter-%d", i)
				seq, _ := election.RequestOf(st, id(e), e.ids[who])
				c, err := v.Credentials(st, el, e.key(who), seq)
				if err != nil {
					return err
				}
				creds = append(creds, c)
			}
			return nil
		}},
		demoStep{"voting opens: five anonymous ballots, one re-vote (the last counts), one spoiled ballot checked; a tracking code proven", func(e *demoEnv) error {
			el, err := get(e)
			if err != nil {
				return err
			}
			fmt.Printf("      waiting for the voting window (block time %d)…\n", el.VoteStart)
			if err := waitBlockTime(e, el.VoteStart); err != nil {
				return err
			}
			c, err := election.PublicContext(el)
			if err != nil {
				return err
			}
			chainID, _ := e.c.ChainID(e.ctx)
			cast := func(i, choice int, spoil bool) (string, error) {
				sel := [][]uint32{make([]uint32, 3)}
				sel[0][choice] = 1
				b, rv, err := voters[i].Encrypt(c, creds[i], sel)
				if err != nil {
					return "", err
				}
				raw := election.BallotTx(chainID, b)
				if spoil {
					raw = election.SpoilTx(chainID, b, rv)
				}
				_, err = e.c.Submit(e.ctx, raw, true)
				tc := b.TrackingCode()
				return hex.EncodeToString(tc[:]), err
			}
			for i, ch := range []int{0, 1, 2, 2, 1} {
				tc, err := cast(i, ch, false)
				if err != nil {
					return err
				}
				if i == 4 {
					track = tc
				}
			}
			if _, err := cast(4, 0, false); err != nil { // voter 4 changes their mind: 이서준 → 김민지
				return err
			}
			if _, err := cast(2, 2, true); err != nil { // voter 2 challenges the device
				return err
			}
			var ans wire.TrackingAnswer
			if err := e.c.Get(e.ctx, "/v1/elections/"+id(e)+"/tracking/"+track+"?prove=1", nil, &ans); err != nil {
				return err
			}
			fmt.Printf("      tracking code %s…: %s, replaced by a re-vote: %v, inclusion proof %d bytes\n", track[:20], ans.Kind, ans.Replaced, len(ans.Proof))
			return nil
		}},
		demoStep{"voting closes; trustees 2 and 3 post decryption shares (trustee 1 absent); the chain publishes the result", func(e *demoEnv) error {
			el, err := get(e)
			if err != nil {
				return err
			}
			if err := waitBlockTime(e, el.VoteEnd); err != nil {
				return err
			}
			for _, l := range []int{2, 3} {
				if err := trusteeSteps(e, l); err != nil {
					return err
				}
			}
			t, _ := election.GetTally(e.c.ElectionState(e.ctx), id(e))
			if t == nil || t.Results == nil {
				return fmt.Errorf("no result published")
			}
			if fmt.Sprint(t.Results[0]) != "[2 1 2]" {
				return fmt.Errorf("results %v, intended [2 1 2]", t.Results[0])
			}
			fmt.Printf("      김민지 %d, 이서준 %d, 박하은 %d (cast %d, counted %d, spoiled %d)\n", t.Results[0][0], t.Results[0][1], t.Results[0][2], t.Cast, t.Counted, t.Spoiled)
			return nil
		}},
		demoStep{"the election record is exported from the chain and verified; a tampered copy fails", func(e *demoEnv) error {
			data, err := e.c.ElectionRecord(e.ctx, id(e))
			if err != nil {
				return err
			}
			rep := record.VerifyBytes(data, record.Options{})
			if !rep.OK() {
				return fmt.Errorf("record fails %v", rep.Failed())
			}
			for _, c := range rep.Checks {
				if c.Name == record.CheckSchedule || c.Name == record.CheckCounts {
					fmt.Printf("      %s: %s\n", c.Name, c.Detail)
				}
			}
			rec, _ := record.Decode(data)
			rec.Results[0][0]++
			if rep := record.VerifyBytes(rec.Encode(), record.Options{}); rep.OK() {
				return fmt.Errorf("a tampered record verifies")
			} else {
				fmt.Printf("      %d-byte record verifies; with one count changed it fails %v\n", len(data), rep.Failed())
			}
			return nil
		}},
	}
}

var (
	demoRSAOnce sync.Once
	demoRSA     []*rsa.PrivateKey
)

// demoIssuerKeys makes the two issuers' RSA-2048 keys once per process
// (key generation takes a second or two each).
func demoIssuerKeys() []*rsa.PrivateKey {
	demoRSAOnce.Do(func() {
		for range 2 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			demoRSA = append(demoRSA, k)
		}
	})
	return demoRSA
}
