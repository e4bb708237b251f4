package scenario

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pnyx-party/pnyx/certificate"

	"github.com/pnyx-party/pnyx/modules/assembly"
)

// Variables for assembly records, whose finalization and errata the chair
// and the secretary co-sign:
//
//	$sha256(text)                  hex SHA-256 of text (minutes)
//	$recordhash(meeting)           the meeting's current record hash, read
//	                               from the API
//	$erratumhash(meeting,target,correction,reason)
//	                               the hash of the meeting's next erratum
//	                               with that content (no new minutes)
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
	"erratumhash": func(r *Runner, p []string) (string, bool) {
		if len(p) != 4 {
			return "", false
		}
		var rec struct {
			Meeting struct {
				Errata int `json:"errata"`
			} `json:"meeting"`
		}
		if err := r.read("", "/v1/assembly/meetings/"+p[0], &rec); err != nil {
			return fmt.Sprintf("<no erratum hash: %v>", err), true
		}
		h := hex.EncodeToString(assembly.ErratumHash(assembly.Erratum{Meeting: p[0], No: rec.Meeting.Errata + 1, Target: p[1], Correction: p[2], Reason: p[3]}))
		r.learn(h, "$erratumhash("+strings.Join(p, ",")+")")
		return h, true
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

// Steps for assembly records:
//
//	erratum SECRETARY MEETING chair=NAME
//	{"target":"motion:1","correction":"...","reason":"..."[,"signed":"..."]}
//
// files the next erratum to MEETING, co-signed by the chair NAME and the
// secretary over its hash (assembly.ErratumHash); with "signed" the
// co-signatures cover that correction instead, which the chain must refuse.
//
//	certificate MEETING MOTION
//
// fetches the motion's resolution certificate and verifies it offline
// against the target's trusted validators: its decision, attendance and
// errata, and that a sample of single-byte changes and an edited text each
// make it fail (a line says so if one does not). On a target without
// Proofs (the module tests' in-process runs) the step prints what the
// meeting record says and notes that it did not check a certificate.
var assemblyCmds = map[string]func(r *Runner, pos []string, args []Arg, input string) (string, error){
	"erratum":     (*Runner).erratum,
	"certificate": (*Runner).certificate,
}

func (r *Runner) erratum(pos []string, args []Arg, input string) (string, error) {
	chair := values(args, "chair")
	if len(pos) != 2 || len(chair) != 1 {
		return "", fmt.Errorf("want: erratum SECRETARY MEETING chair=NAME, with the erratum as input")
	}
	sec, mtg := pos[0], pos[1]
	var in struct {
		Target     string `json:"target"`
		Correction string `json:"correction"`
		Reason     string `json:"reason"`
		Signed     string `json:"signed"`
	}
	dec := json.NewDecoder(strings.NewReader(input))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return "", fmt.Errorf("erratum input: %v", err)
	}
	var rec struct {
		Meeting struct {
			Errata int `json:"errata"`
		} `json:"meeting"`
	}
	if err := r.read("", "/v1/assembly/meetings/"+mtg, &rec); err != nil {
		return outcome(err)
	}
	signed := in.Correction
	if in.Signed != "" {
		signed = in.Signed
	}
	h := assembly.ErratumHash(assembly.Erratum{Meeting: mtg, No: rec.Meeting.Errata + 1, Target: in.Target, Correction: signed, Reason: in.Reason})
	msg := assembly.CosignMessage(r.chainID, "erratum", mtg, h)
	return r.send(sec, assembly.TypeErratum, assembly.ErratumBody{Meeting: mtg, Target: in.Target, Correction: in.Correction, Reason: in.Reason, Chair: r.ID(chair[0]),
		ChairSig: hex.EncodeToString(ed25519.Sign(r.Key(chair[0]), msg)), SecretarySig: hex.EncodeToString(ed25519.Sign(r.Key(sec), msg))})
}

func (r *Runner) certificate(pos []string, _ []Arg, _ string) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want: certificate MEETING MOTION")
	}
	mtg, motion := pos[0], pos[1]
	if !r.t.Proofs {
		// What the certificate would state, read from the meeting record.
		r.notes = append(r.notes, "certificate of "+r.unsubst(mtg)+" motion "+motion+" not checked: this run asks the target for no proofs")
		var rec struct {
			Present int64 `json:"present"`
			Motions []struct {
				No       int    `json:"no"`
				Decision string `json:"decision"`
			} `json:"motions"`
			Errata []assembly.Erratum `json:"errata"`
		}
		if err := r.read("", "/v1/assembly/meetings/"+mtg, &rec); err != nil {
			return outcome(err)
		}
		decision := ""
		for _, m := range rec.Motions {
			if strconv.Itoa(m.No) == motion {
				decision = m.Decision
			}
		}
		lines := []string{"certificate verified", fmt.Sprintf("decision=%s present=%d errata=%d", decision, rec.Present, len(rec.Errata))}
		for _, e := range rec.Errata {
			lines = append(lines, fmt.Sprintf("erratum %d to %s", e.No, e.Target))
		}
		return strings.Join(lines, "\n"), nil
	}
	raw, err := r.c.GetRaw(r.ctx, "/v1/assembly/meetings/"+mtg+"/motions/"+motion+"/certificate", nil)
	if err != nil {
		return outcome(err)
	}
	c, err := certificate.Unmarshal(raw)
	if err != nil {
		return "", err
	}
	rd, err := certificate.Verify(c, r.t.Trusted)
	if err != nil {
		return "certificate rejected: " + err.Error(), nil
	}
	lines := []string{"certificate verified", fmt.Sprintf("decision=%s present=%d errata=%d", rd.Motion.Decision, rd.Present, len(rd.Errata))}
	for _, e := range rd.Errata {
		lines = append(lines, fmt.Sprintf("erratum %d to %s", e.No, e.Target))
		if !strings.Contains(rd.Text(), fmt.Sprintf("Erratum %d to %s", e.No, e.Target)) {
			lines = append(lines, "its text does not show the erratum")
		}
	}
	// Any single changed byte in its records, signatures or text makes it
	// fail: a sample of them, each keeping the JSON valid, none in a key
	// (see jsonKeyBytes).
	tried := 0
	inKey := jsonKeyBytes(raw)
	for i := range raw {
		if raw[i] < '0' || raw[i] > '9' && raw[i] < 'a' || raw[i] > 'f' || i%97 != 0 || inKey[i] {
			continue
		}
		bad := append([]byte(nil), raw...)
		if bad[i] == 'a' {
			bad[i] = 'b'
		} else {
			bad[i] = 'a'
		}
		bc, err := certificate.Unmarshal(bad)
		if err != nil {
			continue
		}
		tried++
		if _, err := certificate.Verify(bc, r.t.Trusted); err == nil {
			lines = append(lines, fmt.Sprintf("with byte %d changed it still verifies", i))
		}
	}
	if tried < 20 {
		lines = append(lines, fmt.Sprintf("only %d changed bytes tried", tried))
	}
	c.Text = strings.Replace(c.Text, "ADOPTED", "REJECTED", 1)
	if _, err := certificate.Verify(c, r.t.Trusted); err == nil {
		lines = append(lines, "with its text edited it still verifies")
	}
	return strings.Join(lines, "\n"), nil
}
