package node

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"
)

// TestNetworkHomesFromHostsFile: a hosts file of three validators, one
// behind a sentry, and an API replica, gives one genesis naming the three validators (not the
// sentry or the replica), each node listening on its own address, the hidden validator
// peering only with its sentry, the sentry keeping it private, and the
// others never dialling it.
func TestNetworkHomesFromHostsFile(t *testing.T) {
	hosts, err := ParseHosts(strings.NewReader(`
# name  role       address
hq      validator  10.9.0.1
seoul   validator  10.9.0.2:26666  power=20
busan   validator  10.9.0.3
seoul-s sentry     10.9.1.2        fronts=seoul
api     replica    10.9.2.1
`))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	homes, err := Network(out, hosts, NetworkOptions{ChainID: "net-test"})
	if err != nil {
		t.Fatal(err)
	}
	conf := map[string]*Config{}
	ids := map[string]string{}
	for i, h := range hosts {
		if homes[i] != filepath.Join(out, h.Name) {
			t.Fatalf("home %d is %s", i, homes[i])
		}
		c, err := LoadConfig(homes[i])
		if err != nil {
			t.Fatal(err)
		}
		conf[h.Name] = c
		if ids[h.Name], err = HomeNodeID(homes[i]); err != nil {
			t.Fatal(err)
		}
		if !c.FilterPeers || c.RPC.ListenAddress != "" {
			t.Errorf("%s: filter_peers %v, rpc %q", h.Name, c.FilterPeers, c.RPC.ListenAddress)
		}
	}
	if got := conf["seoul"].P2P.ListenAddress; got != "tcp://10.9.0.2:26666" {
		t.Errorf("seoul listens on %s", got)
	}
	peerNames := func(name string) []string {
		var names []string
		for _, p := range splitList(conf[name].P2P.PersistentPeers) {
			id, _, _ := strings.Cut(p, "@")
			for n, x := range ids {
				if x == id {
					names = append(names, n)
				}
			}
		}
		slices.Sort(names)
		return names
	}
	for name, want := range map[string][]string{
		"seoul":   {"seoul-s"},
		"seoul-s": {"api", "busan", "hq", "seoul"},
		"hq":      {"api", "busan", "seoul-s"},
		"busan":   {"api", "hq", "seoul-s"},
		"api":     {"busan", "hq", "seoul-s"},
	} {
		if got := peerNames(name); !slices.Equal(got, want) {
			t.Errorf("%s peers with %v, want %v", name, got, want)
		}
	}
	if conf["seoul-s"].P2P.PrivatePeerIDs != ids["seoul"] {
		t.Errorf("the sentry's private peers are %q, want seoul's ID", conf["seoul-s"].P2P.PrivatePeerIDs)
	}
	gen, err := loadGenesisForTest(conf["hq"])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range gen.Validators {
		names = append(names, v.Name)
		if v.Name == "seoul" && v.Power != 20 {
			t.Errorf("seoul's power is %d", v.Power)
		}
	}
	if !slices.Equal(names, []string{"hq", "seoul", "busan"}) {
		t.Errorf("genesis validators %v", names)
	}
}

// TestNetworkRefusesBadHosts: each mistake in a hosts file is refused
// with a message naming it, and nothing is written.
func TestNetworkRefusesBadHosts(t *testing.T) {
	for file, want := range map[string]string{
		"a validator 10.0.0.1\na validator 10.0.0.2":            "listed twice",
		"a validator 10.0.0.1\nb validator 10.0.0.1":            "share the address",
		"a validator 0.0.0.0":                                   "not an address other hosts can dial",
		"a validator 10.0.0.1\ns sentry 10.0.0.2 fronts=nobody": "not a validator",
		"s sentry 10.0.0.2":                                     "at least one validator",
		"a leader 10.0.0.1":                                     "role",
		"a validator 10.0.0.1\nr replica 10.0.0.2 fronts=a":     "a replica fronts no validator",
		"a validator 10.0.0.1 power=-1":                         "power",
		"a validator":                                           "want NAME ROLE ADDRESS",
	} {
		hosts, err := ParseHosts(strings.NewReader(file))
		if err == nil {
			out := t.TempDir()
			_, err = Network(out, hosts, NetworkOptions{ChainID: "x"})
			if m, _ := filepath.Glob(filepath.Join(out, "*")); len(m) != 0 && err != nil {
				t.Errorf("%q: refused but wrote %v", file, m)
			}
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error saying %q", file, err, want)
		}
	}
}

func loadGenesisForTest(c *Config) (*types.GenesisDoc, error) {
	return types.GenesisDocFromFile(c.GenesisFile())
}

// TestMultiValidatorHomesTimeouts (issue 12, finding 7): homes of a
// multi-validator network — network init's and testnet's — wait at most
// WANTimeoutPropose for a proposal and WANTimeoutVote after votes, not
// CometBFT's 3 s and 1 s, which made every height a dead validator should
// propose cost 4 s (one of four down: a fifth of the throughput). A
// single-validator home has no one to wait for and keeps CometBFT's.
func TestMultiValidatorHomesTimeouts(t *testing.T) {
	hosts := []Host{{Name: "a", Role: RoleValidator, IP: "10.9.0.1"}, {Name: "b", Role: RoleValidator, IP: "10.9.0.2"}}
	net, err := Network(t.TempDir(), hosts, NetworkOptions{ChainID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	test, err := Testnet(t.TempDir(), 2, TestnetOptions{ChainID: "t", P2PPorts: []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, home := range append(net, test...) {
		c, err := LoadConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		cc := c.Consensus
		if cc.TimeoutPropose != WANTimeoutPropose || cc.TimeoutPrevote != WANTimeoutVote || cc.TimeoutPrecommit != WANTimeoutVote {
			t.Errorf("%s: propose %v prevote %v precommit %v, want %v, %v, %v", home, cc.TimeoutPropose, cc.TimeoutPrevote, cc.TimeoutPrecommit,
				WANTimeoutPropose, WANTimeoutVote, WANTimeoutVote)
		}
		if WANTimeoutPropose > time.Second {
			t.Errorf("timeout_propose %v: a dead proposer costs it at every turn", WANTimeoutPropose)
		}
	}
}
