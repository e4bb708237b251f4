package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/wire"
)

// A committed tx's result carries the events it emitted, in order, and
// leaves the field out when it emitted none.
func TestOutcomeCarriesEvents(t *testing.T) {
	o := node.TxOutcome{Hash: make([]byte, 32), Height: 7, Events: []abci.Event{
		{Type: "member.registered", Attributes: []abci.EventAttribute{{Key: "member", Value: "m1", Index: true}, {Key: "chapter", Value: "seoul"}}},
		{Type: "token.minted"},
	}}
	res := outcome(o)
	want := []wire.Event{
		{Type: "member.registered", Attributes: []wire.EventAttribute{{Key: "member", Value: "m1"}, {Key: "chapter", Value: "seoul"}}},
		{Type: "token.minted"},
	}
	got, _ := json.Marshal(res.Events)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Fatalf("events %s, want %s", got, wantJSON)
	}
	if res.Events[0].Attr("chapter") != "seoul" || res.Events[0].Attr("none") != "" {
		t.Fatalf("Attr: %+v", res.Events[0])
	}
	raw, _ := json.Marshal(outcome(node.TxOutcome{Hash: make([]byte, 32)}))
	if strings.Contains(string(raw), "events") {
		t.Fatalf("a tx without events answers %s", raw)
	}
}

// The route table is the one list of routes: no route twice, and each
// appears in the OpenAPI document with the response schema of its table
// entry, reflected from the wire types.
func TestRouteTableAndOpenAPI(t *testing.T) {
	s := &Server{}
	seen := map[string]bool{}
	for _, rt := range s.table() {
		k := rt.method + " " + rt.path
		if seen[k] {
			t.Errorf("route %s is listed twice", k)
		}
		seen[k] = true
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
				Required   []string                  `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(s.openAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for k := range seen {
		method, path, _ := strings.Cut(k, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("OpenAPI lacks %s", k)
		}
	}
	sch := doc.Components.Schemas
	for _, m := range regexp.MustCompile(`#/components/schemas/([\w.]+)`).FindAllStringSubmatch(string(s.openAPI()), -1) {
		if _, ok := sch[m[1]]; !ok {
			t.Errorf("$ref to %s, which the document does not define", m[1])
		}
	}
	for name, fields := range map[string][]string{
		"ErrorBody":    {"error"},
		"ErrorDetail":  {"code", "name", "message"},
		"TxResult":     {"hash", "stage", "code", "name", "log", "height", "events"},
		"Event":        {"type", "attributes"},
		"Record":       {"height", "key", "record", "proof"},
		"Status":       {"chain_id", "height", "app_hash"},
		"PetitionView": {"petition", "chain", "agreements_by_chapter"},
	} {
		for _, f := range fields {
			if _, ok := sch[name].Properties[f]; !ok {
				t.Errorf("schema %s lacks field %s: %v", name, f, sch[name].Properties)
			}
		}
	}
	if ev := sch["TxResult"].Properties["events"]; ev["type"] != "array" || ev["description"] == nil {
		t.Errorf("TxResult.events is %v, want a documented array", ev)
	}
	if strings.Join(sch["Record"].Required, ",") != "height,key,record" {
		t.Errorf("Record requires %v", sch["Record"].Required)
	}
	var tx struct {
		Responses map[string]struct {
			Content map[string]struct {
				Schema map[string]any `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	}
	json.Unmarshal(doc.Paths["/v1/txs/{hash}"]["get"], &tx)
	if ref := tx.Responses["200"].Content["application/json"].Schema["$ref"]; ref != "#/components/schemas/TxResult" {
		t.Errorf("GET /v1/txs/{hash} answers %v", ref)
	}
	if ref := tx.Responses["default"].Content["application/json"].Schema["$ref"]; ref != "#/components/schemas/ErrorBody" {
		t.Errorf("errors answer %v", ref)
	}
}
