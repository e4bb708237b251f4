package main

import (
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/node"
)

// `pnyx tx types` and `pnyx tx send` read the module specs: every type is
// listed with its body, and a body is sent only in its canonical form.
func TestCLITxTypesAndSend(t *testing.T) {
	out, err := pnyx(t, "tx", "types")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"chapter/create", "{id, name, parent}", "election/ballot", "(anonymous)", "token/burn"} {
		if !strings.Contains(out, want) {
			t.Errorf("tx types lacks %q:\n%s", want, out)
		}
	}

	home, r := startNode(t, "pnyx-cli-tx", node.Options{})
	api := r.APIURL
	out, err = pnyx(t, "--home", home, "--api", api, "tx", "send", "chapter/create", `{"parent":"hq","id":"busan","name":"부산광역시당"}`)
	if err != nil || !strings.Contains(out, "ok: chapter/create committed") {
		t.Fatalf("tx send: %v\n%s", err, out)
	}
	out, err = pnyx(t, "--home", home, "--api", api, "chapter", "list")
	if err != nil || !strings.Contains(out, "busan") {
		t.Fatalf("chapter list after tx send: %v\n%s", err, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"chapter/create", `{"id":"x","name":"X","parent":"hq","extra":1}`}, `unknown field "extra"`},
		{[]string{"nope/x", `{}`}, "no module handles tx type"},
		{[]string{"election/ballot", `{}`}, "anonymous"},
	} {
		if _, err := pnyx(t, append([]string{"--home", home, "--api", api, "tx", "send"}, tc.args...)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tx send %v: %v, want %q", tc.args, err, tc.want)
		}
	}
	// The chain still refuses what its rules refuse, with its stable code.
	_, err = pnyx(t, "--home", home, "--api", api, "tx", "send", "chapter/create", `{"id":"busan","name":"부산","parent":"hq"}`)
	if codes.Of(err) != codes.AlreadyExists {
		t.Fatalf("second chapter/create busan: %v, want already_exists", err)
	}
}
