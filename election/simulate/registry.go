package simulate

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/internal/store"
)

// registry makes up the member registry a version-5 record proves its
// requesters in: a chapter "simulated" with one sub-chapter, every
// requester an active member at one of the two, and as many other members
// as it takes to reach the eligibility count, in a state store committed
// once (version 1, the record's registry height). The records have the
// chain's layout and JSON (mem/m/ID, org/ch/ID), so the verifier checks
// them as it checks a real chain's.
func registry(rec *record.Record, seed [32]byte) (*record.Registry, []record.ProvenEntry, error) {
	type chapter struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Parent string `json:"parent,omitempty"`
		Level  string `json:"level"`
	}
	type member struct {
		ID        string `json:"id"`
		PublicKey string `json:"public_key"`
		Chapter   string `json:"chapter"`
		Class     string `json:"class"`
		Status    string `json:"status"`
	}
	root := rec.Eligibility.Chapter
	chapters := []chapter{{ID: root, Name: "Simulated", Level: "national"},
		{ID: root + "-1", Name: "Simulated branch", Parent: root, Level: "regional"}}
	kv := store.OpenMemory()
	defer kv.Close()
	put := func(key string, v any) {
		b, _ := json.Marshal(v)
		kv.Set([]byte(key), b)
	}
	for _, c := range chapters {
		put("org/ch/"+c.ID, c)
	}
	add := func(pub []byte, chapter, status string) string {
		sum := sha256.Sum256([]byte("pnyx/member-id/v1\x00" + hex.EncodeToString(pub)))
		id := "m" + hex.EncodeToString(sum[:10])
		put("mem/m/"+id, member{ID: id, PublicKey: hex.EncodeToString(pub), Chapter: chapter,
			Class: "general", Status: status})
		return id
	}
	log := rec.IssuanceLogs[0]
	ids := make([]string, len(log))
	for j, e := range log {
		ids[j] = add(e.Member, chapters[j%2].ID, "active")
	}
	rnd := stream(seed, "registry", 0)
	for i := uint64(len(log)); i < rec.Eligibility.Count; i++ {
		pub, _, err := ed25519.GenerateKey(rnd)
		if err != nil {
			return nil, nil, err
		}
		add(pub, chapters[i%2].ID, "active")
	}
	// Two records the verifier must not accept as a requester's, for tests:
	// a suspended member and an active one of another chapter.
	put("org/ch/elsewhere", chapter{ID: "elsewhere", Name: "Elsewhere", Level: "national"})
	var others []string
	for k, c := range []struct{ chapter, status string }{{root, "suspended"}, {"elsewhere", "active"}} {
		pub, _, err := ed25519.GenerateKey(stream(seed, "registry-other", k))
		if err != nil {
			return nil, nil, err
		}
		others = append(others, add(pub, c.chapter, c.status))
	}
	if _, v, err := kv.Commit(); err != nil || uint64(v) != rec.Eligibility.RegistryHeight {
		return nil, nil, fmt.Errorf("simulate: registry committed as version %d (%v), want %d", v, err, rec.Eligibility.RegistryHeight)
	}
	snap, err := kv.Snapshot(int64(rec.Eligibility.RegistryHeight))
	if err != nil {
		return nil, nil, err
	}
	prove := func(key string) (record.ProvenEntry, error) {
		v, p, err := snap.Prove([]byte(key))
		if err != nil {
			return record.ProvenEntry{}, err
		}
		raw, err := p.Marshal()
		return record.ProvenEntry{Key: []byte(key), Value: v, Proof: raw}, err
	}
	reg := &record.Registry{AppHash: snap.Hash()}
	for _, c := range chapters {
		e, err := prove("org/ch/" + c.ID)
		if err != nil {
			return nil, nil, err
		}
		reg.Chapters = append(reg.Chapters, e)
	}
	for _, id := range ids {
		e, err := prove("mem/m/" + id)
		if err != nil {
			return nil, nil, err
		}
		reg.Members = append(reg.Members, e)
	}
	var ineligible []record.ProvenEntry
	for _, id := range others {
		e, err := prove("mem/m/" + id)
		if err != nil {
			return nil, nil, err
		}
		ineligible = append(ineligible, e)
	}
	return reg, ineligible, nil
}
