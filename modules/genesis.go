package modules

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/modules/validator"
)

// Genesis is the pnyx part of genesis.json (its app_state).
type Genesis struct {
	// RootChapter is the central party.
	RootChapter RootChapter `json:"root_chapter"`
	// Admins are hex Ed25519 keys of the HQ administrators. Each becomes a
	// member of the root chapter holding the admin role there.
	Admins []string `json:"admins"`
	// Token sets the signup grant and whether points may be transferred.
	Token token.Params `json:"token"`
	// EnrollmentTTLSeconds is how long a one-time enrollment code is valid.
	EnrollmentTTLSeconds int64 `json:"enrollment_ttl_seconds"`
	// Validators repeats genesis.json's validators, so the validator module
	// knows the set it changes (package validator). Optional: without it,
	// validators can be added and re-weighted by transaction, not removed.
	Validators []validator.GenesisValidator `json:"validators,omitempty"`
}

// RootChapter names the root of the chapter tree.
type RootChapter struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// DefaultGenesis returns the genesis of a new chain administered by admin.
func DefaultGenesis(adminKeyHex string) Genesis {
	return Genesis{
		RootChapter:          RootChapter{ID: "hq", Name: "Central Party 중앙당"},
		Admins:               []string{adminKeyHex},
		Token:                token.Params{SignupGrant: 100, TransfersEnabled: false},
		EnrollmentTTLSeconds: members.DefaultEnrollmentTTL,
	}
}

// Validate checks a genesis before a chain starts from it.
func (g Genesis) Validate() error {
	if !org.ValidChapterID(g.RootChapter.ID) {
		return fmt.Errorf("genesis: root chapter ID %q is invalid", g.RootChapter.ID)
	}
	if len(g.Admins) == 0 {
		return fmt.Errorf("genesis: at least one admin key is needed")
	}
	for _, a := range g.Admins {
		if b, err := hex.DecodeString(a); err != nil || len(b) != 32 {
			return fmt.Errorf("genesis: admin key %q is not 64 hex digits", a)
		}
	}
	if err := validator.ValidateGenesis(g.Validators); err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	if g.EnrollmentTTLSeconds <= 0 {
		return fmt.Errorf("genesis: enrollment_ttl_seconds must be positive")
	}
	return nil
}

// MarshalGenesis encodes g for genesis.json's app_state.
func MarshalGenesis(g Genesis) (json.RawMessage, error) { return json.MarshalIndent(g, "", "  ") }
