package token

import (
	"encoding/json"
	"flag"
	"testing"

	"github.com/pnyx-party/pnyx/internal/golden"
	"github.com/pnyx-party/pnyx/modules/members"
)

var updateVectors = flag.Bool("update", false, "rewrite testdata/token/credential-status.json")

// credentialVector is one line of testdata/token/credential-status.json:
// the credential status a member status stands for.
type credentialVector struct {
	MemberStatus     members.Status `json:"member_status"`
	CredentialStatus string         `json:"credential_status"`
}

// TestCredentialStatusVectors holds CredentialOf and the portal's
// credentialStatus (web/src/lib/api.ts, checked against the same file by
// web/test/vectors.test.ts) to one mapping: the member record is all the
// card shows, and both sides must name its standing alike.
func TestCredentialStatusVectors(t *testing.T) {
	var list []credentialVector
	for _, s := range []members.Status{members.Active, members.Suspended, members.Withdrawn, members.Expelled} {
		c := CredentialOf(members.Member{ID: "m00", Status: s})
		if c.Status == "" {
			t.Fatalf("member status %q stands for no credential status", s)
		}
		list = append(list, credentialVector{s, c.Status})
	}
	want, _ := json.MarshalIndent(list, "", "  ")
	want = append(want, '\n')
	golden.Check(t, "../../testdata/token/credential-status.json", want, *updateVectors,
		"CredentialOf changed: run go test ./modules/token -run TestCredentialStatusVectors -update, then make web/src/lib/api.ts's credentialStatus agree")
}
