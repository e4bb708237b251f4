package api

import (
	"bytes"
	"strings"

	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/modules/token"
)

// personalPrefixes are the store key prefixes of records that the API
// serves only on a signed read by the member or an official with scope:
// member records and the chapter membership index, credentials, balances,
// and who agreed to a petition or voted on or reported a comment.
var personalPrefixes = [][]byte{
	members.MemberKey(""),
	[]byte("mem/ch/"), // members.InChapter's index, which is not exported
	token.CredentialKey(""),
	token.BalanceKey(""),
	agreementPrefix(),
	[]byte("pet/vote/"),
	[]byte("pet/rep/"),
}

// agreementPrefix is petition.AgreementKey without its petition and member.
func agreementPrefix() []byte {
	k := string(petition.AgreementKey("", ""))
	return []byte(strings.TrimSuffix(k, "/"))
}

// PersonalKey reports whether key holds (or indexes) a personal record.
// Anything that reads the store for someone other than the API must refuse
// such keys unless it checks the reader the way the API does; CometBFT's
// abci_query cannot, so pnyx refuses them there (package launch).
func PersonalKey(key []byte) bool {
	for _, p := range personalPrefixes {
		if bytes.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
