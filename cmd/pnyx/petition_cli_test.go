package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
)

// TestCLIPetitionSearchAndReindex: the HQ administrator sets thresholds,
// raises a petition, agrees, answers it as secretary; a comment is posted;
// `pnyx search` finds it in Korean and in a mixed query; after the node
// stops, `pnyx reindex` rebuilds the index with a progress bar and the same
// search answers the same after a restart.
func TestCLIPetitionSearchAndReindex(t *testing.T) {
	home := t.TempDir()
	_, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-cli", P2PAddr: "tcp://127.0.0.1:0", RPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	start := func() *launch.Running {
		r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: launch.Quiet()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r.WaitForBlocks(ctx, 1)
		return r
	}
	r := start()
	api := r.APIURL
	run := func(want string, args ...string) string {
		t.Helper()
		out, err := pnyx(t, append([]string{"--home", home, "--api", api}, args...)...)
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("pnyx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	run("ok:", "petition", "params", "hq", "--pre", "1", "--threshold", "1", "--pre-days", "30", "--days", "30", "--answer-days", "30")
	run("created as a draft", "petition", "create", "--id", "cli-youth", "--chapter", "hq", "--category", "youth", "--title", "청년 주거 지원", "--body", "당원들의 요청: 청년 housing policy")
	run("ok:", "petition", "open", "cli-youth")
	run("ok:", "petition", "agree", "cli-youth")
	run("agreed to cli-youth: true", "petition", "agreed", "cli-youth")
	if out, err := pnyx(t, "--home", home, "--api", api, "petition", "agree", "cli-youth"); err == nil || !strings.Contains(err.Error(), "wrong_state") {
		t.Fatalf("agreement after the threshold: %v\n%s", err, out)
	}
	out := run("threshold_reached", "petition", "show", "cli-youth")
	if !strings.Contains(out, "1 agreements") {
		t.Fatalf("show:\n%s", out)
	}
	run("posted", "comment", "post", "cli-youth", "--id", "cli-c1", "--stance", "for", "--body", "당원이 직접 참여합니다 policy", "--parent", "", "--on-answer=false")
	me := regexp.MustCompile(`m[0-9a-f]{20}`).FindString(run("", "petition", "agreed", "cli-youth"))
	run("ok:", "role", "grant", me, "secretary", "hq")
	run("ok:", "petition", "answer", "cli-youth", "--body", "청년 주거 예산을 늘리겠습니다.")
	run("answered", "petition", "list", "--state", "answered")
	search := run("1 petitions, 1 comments", "search", "당원")
	run("1 petitions, 0 comments", "search", "청년", "policy", "--kind", "all", "--chapter", "hq", "--from", "2020-01-01")
	run("cli-c1", "petition", "comments", "cli-youth")

	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	out, err = pnyx(t, "--home", home, "reindex")
	if err != nil || !regexp.MustCompile(`reindexed \d+ blocks: 1 petitions, 1 comments`).MatchString(out) || !strings.Contains(out, "reindex blocks [") {
		t.Fatalf("reindex: %v\n%s", err, out)
	}
	r = start()
	defer r.Stop()
	api = r.APIURL
	again := run("1 petitions, 1 comments", "search", "당원")
	strip := regexp.MustCompile(`index at height \d+`)
	if strip.ReplaceAllString(again, "") != strip.ReplaceAllString(search, "") {
		t.Fatalf("after reindex:\n%s\nbefore:\n%s", again, search)
	}
}
