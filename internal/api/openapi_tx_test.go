package api

import (
	"encoding/json"
	"testing"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
)

// The OpenAPI document lists every tx type the chain routes, from the same
// module specs, each with the schema of its body struct.
func TestOpenAPIListsEveryTxTypeWithItsBody(t *testing.T) {
	app := chain.New(store.OpenMemory(), modules.New(), chain.Options{})
	s := &Server{app: app}
	var doc struct {
		Txs []struct {
			Type      string         `json:"type"`
			Module    string         `json:"module"`
			Anonymous bool           `json:"anonymous"`
			Body      map[string]any `json:"body"`
		} `json:"x-pnyx-transactions"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(s.openAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, sp := range app.Specs() {
		want += len(sp.Routes)
	}
	if len(doc.Txs) != want || want < 60 {
		t.Fatalf("the document lists %d tx types, the chain routes %d", len(doc.Txs), want)
	}
	byType := map[string]int{}
	for i, tx := range doc.Txs {
		byType[tx.Type] = i
		if tx.Module == "" || tx.Body == nil {
			t.Errorf("%s: module %q body %v", tx.Type, tx.Module, tx.Body)
		}
	}
	approve := doc.Txs[byType["member/approve"]]
	ref, _ := approve.Body["$ref"].(string)
	name := ref[len("#/components/schemas/"):]
	if _, ok := doc.Components.Schemas[name].Properties["entries"]; !ok || approve.Module != "members" {
		t.Errorf("member/approve's body %s = %+v", name, doc.Components.Schemas[name])
	}
	if !doc.Txs[byType["election/ballot"]].Anonymous || doc.Txs[byType["token/burn"]].Anonymous {
		t.Error("only ballots travel without a signer")
	}
}
