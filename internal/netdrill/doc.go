// Package netdrill runs pnyx's fault drills over real separate hosts: Linux
// network namespaces joined by veth links to a bridge, each with its own IP
// address, one pnyx process per host, and a load client in a namespace of
// its own. It needs root and iproute2 (ip, tc); Available says why not.
//
// A drill runs a bounded load of signed transactions (each worker an HQ
// administrator creating chapters, one tx at a time, waiting for commit)
// while it does something to the network — kill -9 a validator and restart
// it, cut one host's link and heal it, cut two (the chain must halt without
// 2/3 and resume when healed), add delay and loss on one link (netem, or
// where the kernel lacks it a userspace link emulator: Lab.Impair), keep one
// validator down, kill a validator's only sentry and restart it, kill and
// restart every node; and, in TestValidatorDrill, add a fifth validator
// by transaction and remove it again — and then checks:
//
//   - every transaction a node acknowledged as committed is found on every
//     running node (GET /v1/txs/{hash}, the durable tx lookup): lost=0;
//   - after stopping the nodes, the app hash each node's own application
//     computed is equal on every node at every height they share
//     (node.StoredAppHashes): divergent_heights=0.
//
// Each drill's Report prints as one line,
//
//	drill=kill9 acknowledged=212 lost=0 divergent_heights=0 heights=96 recover_ms=1840
//
// Use it from a test (TestDrills, which re-executes the test binary as the
// node process) or from `pnyx network drill`, which runs `pnyx start`:
//
//	c, err := netdrill.NewCluster(dir, netdrill.Options{Validators: 4, Sentry: true, NodeArgv: argv})
//	defer c.Close()
//	reports, err := c.RunDrills(ctx, netdrill.AllDrills, os.Stdout)
//
// Measure and MeasureFlood are the figures `pnyx network bench` prints:
// committed tx/s and commit latency with validators down, and the other
// members' commit and read latency without and then with one signer
// flooding a node (a cluster made with Options.Flood; StartFlood).
//
// Traffic never leaves the lab: the bridge lives in a namespace of its own
// and this process reaches the nodes by opening its sockets inside the
// client's namespace (Lab.Dialer).
package netdrill
