// Command pnyx runs and drives the pnyx party chain: a permissioned CometBFT
// network that records assemblies, elections, petitions, member KPIs and
// membership tokens.
//
// Every subcommand lives in its own file and attaches itself to one of the
// parent commands declared here (rootCmd, verifyCmd, benchCmd, electionCmd)
// from an init function, so features can be added without touching this file.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/codes"
)

var rootCmd = &cobra.Command{
	Use:           "pnyx",
	Short:         "pnyx: the party's digital-democracy chain",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// verifyCmd groups the offline verifiers: proofs, records, elections.
var verifyCmd = &cobra.Command{
	Use:   "verify",
	Short: "Verify proofs and records offline, without trusting the node that served them",
}

// electionCmd groups commands for election commissioners, trustees, issuers
// and voters.
var electionCmd = &cobra.Command{
	Use:   "election",
	Short: "Run and verify party elections",
}

func init() {
	rootCmd.AddCommand(verifyCmd, newBenchCmd(), electionCmd, newDemoCmd())
}

func main() {
	if err := rootCmd.Execute(); err != nil {
		// Errors from the chain or the API carry a stable code; show it.
		if c := codes.Of(err); c != codes.Internal {
			fmt.Fprintf(os.Stderr, "pnyx: error %d (%s): %s\n", c, c, codes.Message(err))
		} else {
			fmt.Fprintln(os.Stderr, "pnyx:", err)
		}
		os.Exit(1)
	}
}
