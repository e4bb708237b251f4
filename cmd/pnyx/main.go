// Command pnyx runs and drives the pnyx party chain: a permissioned CometBFT
// network that records assemblies, elections, petitions, member KPIs and
// membership tokens.
//
// newRootCmd below is the whole command tree. Each command is built by a
// constructor in the file of its subject (node_cmds.go, client_cmds.go,
// petition.go, assembly.go, election*.go, verify.go, bench.go, demo.go);
// a new command is one constructor there and one line here.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/launch"
)

// newRootCmd builds the pnyx command tree with its global flags, which set
// flagHome, flagAPI and flagKey.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "pnyx",
		Short:         "pnyx: the party's digital-democracy chain",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVar(&flagHome, "home", defaultHome(), "pnyx home directory (node data and key files; env PNYX_HOME)")
	f.StringVar(&flagAPI, "api", defaultAPI(), "URL of a pnyx node's API (env PNYX_API)")
	f.StringVar(&flagKey, "key", launch.AdminKeyName, "name of the signing key in HOME/keys")

	root.AddCommand(
		// A node on this machine.
		newInitCmd(), newStartCmd(), newTestnetCmd(), newNetworkCmd(), newConfigCmd(), newSnapshotCmd(), newReindexCmd(), newPeersCmd(),
		// Clients of a node's API (--api), signing with --key.
		newKeysCmd(), newStatusCmd(), newGenesisCmd(), newTxCmd(),
		newChapterCmd(), newRoleCmd(), newMemberCmd(), newTokenCmd(),
		newPetitionCmd(), newCommentCmd(), newModerateCmd(), newSearchCmd(),
		newAssemblyCmd(),
		newElectionCmd(),
		newKPICmd(),
		// Offline checks, benchmarks and the scripted demo.
		newVerifyCmd(),
		newBenchCmd(),
		newDemoCmd(),
	)
	return root
}

// newElectionCmd groups commands for election commissioners, trustees,
// issuers and voters (election.go), and the in-memory simulation
// (election_crypto.go).
func newElectionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "election",
		Short: "Run and verify party elections",
	}
	cmd.AddCommand(
		electionCreateCmd(), electionShowCmd(), electionCancelCmd(), electionConcludeCmd(),
		electionTrusteeCmd(), electionIssuerCmd(),
		electionRequestCmd(), electionCredentialsCmd(), electionVoteCmd(), electionTrackCmd(),
		electionRecordCmd(), electionSimulateCmd(),
	)
	return cmd
}

// newVerifyCmd groups the offline verifiers (verify.go): proofs, records,
// elections.
func newVerifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify proofs and records offline, without trusting the node that served them",
	}
	cmd.AddCommand(newVerifyProofCmd(), newVerifyRecordCmd(), newVerifyElectionCmd(), newVerifyOpeningCmd(), newVerifyKPICmd())
	return cmd
}

// defaultAPI is the node the client commands talk to: PNYX_API if set, so
// a shell (or the README's walkthrough, run by its test) can point every
// command at one node without repeating --api; else the local node.
func defaultAPI() string {
	if a := os.Getenv("PNYX_API"); a != "" {
		return a
	}
	return "http://" + launch.DefaultAPIAddr
}

func main() {
	if err := newRootCmd().Execute(); err != nil {
		// Errors from the chain or the API carry a stable code; show it.
		if c := codes.Of(err); c != codes.Internal {
			fmt.Fprintf(os.Stderr, "pnyx: error %d (%s): %s\n", c, c, codes.Message(err))
		} else {
			fmt.Fprintln(os.Stderr, "pnyx:", err)
		}
		os.Exit(1)
	}
}
