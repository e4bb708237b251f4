package scenario

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pnyx-party/pnyx/modules/assembly"
)

// Variables for assembly records, whose finalization and errata the chair
// and the secretary co-sign:
//
//	$sha256(text)                  hex SHA-256 of text (minutes)
//	$recordhash(meeting)           the meeting's current record hash, read
//	                               from the API
//	$cosig(name,kind,meeting,hash) name's co-signature (kind "finalize" or
//	                               "erratum") over hash, hex
//
// Variables nest: $cosig(choi,finalize,m$sfx.1,$recordhash(m$sfx.1)).
var assemblyVars = map[string]func(r *Runner, p []string) (string, bool){
	"sha256": func(r *Runner, p []string) (string, bool) {
		if len(p) != 1 {
			return "", false
		}
		h := sha256.Sum256([]byte(p[0]))
		return hex.EncodeToString(h[:]), true
	},
	"recordhash": func(r *Runner, p []string) (string, bool) {
		if len(p) != 1 {
			return "", false
		}
		var rec struct {
			RecordHash string `json:"record_hash"`
		}
		if err := r.read("", "/v1/assembly/meetings/"+p[0], &rec); err != nil {
			return fmt.Sprintf("<no record hash: %v>", err), true
		}
		r.learn(rec.RecordHash, "$recordhash("+p[0]+")")
		return rec.RecordHash, true
	},
	"cosig": func(r *Runner, p []string) (string, bool) {
		if len(p) != 4 {
			return "", false
		}
		h, err := hex.DecodeString(p[3])
		if err != nil {
			return "<bad hash>", true
		}
		return hex.EncodeToString(ed25519.Sign(r.Key(p[0]), assembly.CosignMessage(r.chainID, p[1], p[2], h))), true
	},
}
