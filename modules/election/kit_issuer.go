package election

// The issuer's kit: its key body and the blind signatures that answer
// members' credential requests.

import (
	"encoding/hex"
	"fmt"

	"github.com/pnyx-party/pnyx/election/credential"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

// IssueBodyFor signs requests (from state) as issuer i.
func IssueBodyFor(kv store.Reader, e *Election, is *credential.Issuer, i int, seqs []uint64) (IssueBody, error) {
	b := IssueBody{Election: e.ID}
	for _, seq := range seqs {
		r, ok := GetRequest(kv, e.ID, seq)
		if !ok {
			return b, fmt.Errorf("no request %d", seq)
		}
		key, _ := hex.DecodeString(r.Key)
		bl, _ := hex.DecodeString(r.Blinded[i])
		sg, _ := hex.DecodeString(r.Signatures[i])
		sig, err := is.Sign(&credential.Request{ElectionID: e.EID(), Issuer: uint32(i), Member: key, Blinded: bl, Signature: sg})
		if err != nil {
			return b, fmt.Errorf("request %d: %w", seq, err)
		}
		b.Entries = append(b.Entries, IssueEntry{Request: seq, Signature: hex.EncodeToString(sig)})
	}
	return b, nil
}

// IssuerKeyBodyFor publishes issuer key pk.
func IssuerKeyBodyFor(id string, is *credential.Issuer) IssuerKeyBody {
	return IssuerKeyBody{Election: id, Key: hex.EncodeToString(credential.EncodeKey(is.PublicKey()))}
}

// Unanswered lists requests issuer i has not answered yet, at most limit.
func Unanswered(kv store.Reader, e *Election, i int, limit int) []uint64 {
	t, ok := GetTally(kv, e.ID)
	if !ok {
		return nil
	}
	var out []uint64
	for seq := uint64(0); seq < t.Requests && len(out) < limit; seq++ {
		if kv.Get(BlindSigKey(e.ID, seq, i)) == nil {
			out = append(out, seq)
		}
	}
	return out
}
