package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pnyx-party/pnyx/internal/node"
)

// DefaultPeerAPI is the API URL network init gives each host's blob
// peers when --api-url is not set: the API on the host's own address, as
// the printed start commands then make it listen.
const DefaultPeerAPI = "http://{ip}:26680"

// BlobPeersFile is the file network init writes in each home: an
// EnvironmentFile for deploy/systemd/pnyx.service (copy it to
// /etc/default/pnyx), naming the host's address and its blob peers.
const BlobPeersFile = "pnyx.default"

// peerAPI fills an --api-url template for host h.
func peerAPI(tmpl string, h node.Host) string {
	ip := h.IP
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]" // an IPv6 literal in a URL
	}
	return strings.NewReplacer("{name}", h.Name, "{ip}", ip).Replace(tmpl)
}

// blobPeers picks each host's blob peers (pnyx start --blob-peer): the
// other nodes' APIs it fetches documents from, asked in order. Every node
// holds every document, so any node will do; a validator behind sentries
// asks its own sentries first, and no one but them asks it (last), since
// its API is not for the outside. The rest are the next hosts in the file's order,
// wrapping around, so that 18 nodes do not all ask HQ first. n bounds each
// list (0: no blob peers).
func blobPeers(hosts []node.Host, n int, tmpl string) [][]string {
	fronted := map[string]bool{}
	for _, h := range hosts {
		if h.Role == node.RoleSentry && h.Fronts != "" {
			fronted[h.Fronts] = true
		}
	}
	out := make([][]string, len(hosts))
	for i, h := range hosts {
		if n <= 0 {
			continue
		}
		var peers []string
		if fronted[h.Name] {
			for _, s := range hosts {
				if s.Role == node.RoleSentry && s.Fronts == h.Name && len(peers) < n {
					peers = append(peers, peerAPI(tmpl, s))
				}
			}
		}
		for k := 1; k < len(hosts) && len(peers) < n; k++ {
			p := hosts[(i+k)%len(hosts)]
			if fronted[p.Name] || (p.Role == node.RoleSentry && p.Fronts == h.Name) {
				continue
			}
			peers = append(peers, peerAPI(tmpl, p))
		}
		if h.Role == node.RoleSentry && fronted[h.Fronts] && len(peers) < n {
			for _, v := range hosts {
				if v.Name == h.Fronts {
					peers = append(peers, peerAPI(tmpl, v)) // its own validator, last
				}
			}
		}
		out[i] = peers
	}
	return out
}

// writeBlobPeers writes home's BlobPeersFile.
func writeBlobPeers(home string, h node.Host, peers []string) error {
	var flags []string
	for _, p := range peers {
		flags = append(flags, "--blob-peer "+p)
	}
	body := fmt.Sprintf("# Written by pnyx network init for host %s: copy to /etc/default/pnyx\n# (deploy/systemd/pnyx.service). Blob peers are other nodes' APIs this node\n# fetches the documents it lacks from, asked in order.\nPNYX_P2P_IP=%s\nPNYX_BLOB_PEERS=%s\n", h.Name, h.IP, strings.Join(flags, " "))
	return os.WriteFile(filepath.Join(home, BlobPeersFile), []byte(body), 0o644)
}
