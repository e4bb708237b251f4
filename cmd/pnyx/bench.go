package main

import (
	"crypto/rand"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/election/simulate"

	"github.com/pnyx-party/pnyx/internal/bench"
)

// The `pnyx bench` commands parse flags and run package bench; each ends
// with one key=value summary line.

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run benchmarks; each prints a final key=value summary line",
	}
	cmd.AddCommand(newBenchTxCmd(), newBenchAssemblyCmd(), newBenchElectionCmd(), newBenchSearchCmd(), newBenchSearchQualityCmd(), newBenchVerifyCmd(), newBenchKPICmd(), newBenchRegistryCmd(), newBenchStoreCmd())
	return cmd
}

func newBenchTxCmd() *cobra.Command {
	var o bench.TxOptions
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Committed signed tx/s of one node through the API, next to a trivial-app baseline",
		Long: `Starts a fresh single-validator pnyx node in a temporary home, signs up one
member per tx (registrar approvals of 500 keys each), pre-signs one
token/burn of 1 point per member (untimed; every member has its own key, so
no tx waits for another's nonce), then submits them all to the HTTP API from
--workers goroutines without waiting for commits — POST /v1/txs/batch with
--batch txs per request (client.SubmitBatch), or POST /v1/txs per tx with
--batch 1 (client.Submit) — and times from the first submission until the
last of them is committed.

The baseline repeats the measurement on a second node with CometBFT's
trivial counter app (node/nodetest.CounterApp): same config.toml, same
node options, same API handler code and client, txs of the same size.

Progress goes to stderr. The last line is the summary:
  committed_tx_per_s=N baseline_tx_per_s=N ratio=R`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.Tx(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().IntVar(&o.Txs, "txs", 20000, "number of signed txs to submit (one member each)")
	cmd.Flags().IntVar(&o.BaselineTxs, "baseline-txs", 0, "txs for the baseline (default 5 x --txs: the trivial app is that much faster, and a run of a block or two would time block boundaries, not throughput)")
	cmd.Flags().IntVar(&o.Workers, "workers", 8, "concurrent submitting goroutines (HTTP connections)")
	cmd.Flags().IntVar(&o.Batch, "batch", 100, "txs per HTTP request: 1 posts each to POST /v1/txs, more use POST /v1/txs/batch (client.SubmitBatch)")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the temporary homes and print where they are")
	cmd.Flags().BoolVar(&o.NoBaseline, "no-baseline", false, "skip the trivial-app baseline (ratio is then 0)")
	cmd.Flags().DurationVar(&o.TimeoutCommit, "timeout-commit", 0, "override timeout_commit for both nodes (default: pnyx's, from config.toml)")
	cmd.Flags().StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the timed phases to this file")
	return cmd
}

func newBenchAssemblyCmd() *cobra.Command {
	var o bench.AssemblyOptions
	cmd := &cobra.Command{
		Use:   "assembly",
		Short: "Record a national convention with N member check-ins; checkins/s and finalization time",
		Long: `Starts a fresh single-validator node, signs up N delegates, opens a national
convention (open attendance, quorum base N), pre-signs one check-in per
delegate with the delegate's own key (untimed), submits them through the API
(POST /v1/txs/batch) and times until the last is committed; then closes the
meeting and times the co-signed finalization from submission to commit.

The last line is the summary:
  attendees=N checkins_per_s=N finalize_ms=N`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.Assembly(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().IntVar(&o.Attendees, "attendees", 10000, "number of delegates checking in")
	cmd.Flags().IntVar(&o.Workers, "workers", 4, "concurrent submitting goroutines")
	cmd.Flags().IntVar(&o.Batch, "batch", 250, "check-ins per HTTP request (POST /v1/txs/batch)")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the temporary home")
	return cmd
}

func newBenchElectionCmd() *cobra.Command {
	var o bench.ElectionOptions
	cmd := &cobra.Command{
		Use:   "election",
		Short: "Committed ballots/s of one node through the API",
		Long: `Starts a fresh single-validator node in a temporary home, runs an election's
key ceremony (3 trustees, 2 of 3) with 2 issuers, pre-generates --voters
credentials (signed directly by the issuers: issuance is not what is timed) and
encrypted ballots for a choose-one contest of --options options (untimed, all
cores), then submits every ballot through POST /v1/txs from --workers
goroutines, each waiting for its ballot's commit, and times from the first
submission to the last commit. Every ballot is verified once by the node:
credentials and one-time signature in the API's Preverify, proofs in batch in
FinalizeBlock on all cores.

The last line is the summary:
  voters=N committed_ballots_per_s=N p50_commit_ms=N p95_commit_ms=N

With --issuance it runs the election end to end with the real issuance path
instead, and times each phase: the registry (--voters members in 500-entry
approvals), the members' blind credential requests, each issuer answering
from the node's pending index (signing on every core, --in-flight issue txs
waiting), the voters unblinding their answers read from the chain and
casting ballots, the trustees' decryption once voting closes (--vote-window
after creation; the wait is not timed), the record's export and its
verification. It also measures the RSA signing floor (blind signatures/s of
one core × cores). The last line is
  voters=N registry_s=… requests_s=… issuance_s=… issuer1_sigs_per_s=… rsa_floor_sigs_per_s=… ballots_s=… tally_s=… verify_s=… …`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.Election(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().IntVar(&o.Voters, "voters", 2000, "ballots to cast (one voter each)")
	cmd.Flags().IntVar(&o.Options, "options", 10, "options of the choose-one contest")
	cmd.Flags().IntVar(&o.Workers, "workers", 256, "concurrent submitting goroutines, each waiting for its commit")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the temporary home")
	cmd.Flags().StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the timed phase to this file")
	cmd.Flags().BoolVar(&o.Issuance, "issuance", false, "the whole election with the real issuance path (blind requests, issuers answering from the chain), each phase timed")
	cmd.Flags().DurationVar(&o.VoteWindow, "vote-window", 0, "with --issuance: voting closes this long after the election is created (default 2m + 16ms a voter)")
	cmd.Flags().IntVar(&o.InFlight, "in-flight", 8, "with --issuance: issue transactions in flight per issuer")
	return cmd
}

func newBenchSearchCmd() *cobra.Command {
	var o bench.SearchOptions
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Load N generated comments through the indexer and time a fixed mix of searches",
		Long: `Generates a deterministic corpus of mixed Korean/English petitions and comments
(package index/corpus), feeds it through the indexer block by block exactly as
committed blocks arrive, then runs a fixed mix of single-word, multi-word,
mixed-script and filtered queries (20 results a page) for several rounds after
one warm-up round. The last line is the summary:
comments=… index_per_s=… p50_ms=… p95_ms=… p99_ms=…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.Search(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Comments, "comments", 100_000, "comments to index")
	f.IntVar(&o.Petitions, "petitions", 0, "petitions (default comments/500, at least 20)")
	f.IntVar(&o.PerBlock, "per-block", 2000, "comments per block")
	f.Uint64Var(&o.Seed, "seed", 1, "corpus seed")
	f.IntVar(&o.Rounds, "rounds", 20, "measured rounds over the query mix")
	f.StringVar(&o.Dir, "dir", "", "directory for the index (default: a temporary one)")
	f.BoolVar(&o.Keep, "keep", false, "keep the index afterwards")
	return cmd
}

func newBenchVerifyCmd() *cobra.Command {
	var bc simulate.BenchConfig
	var out string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Benchmark election ballot verification: batched against naive",
		Long: `Simulates an election with --ballots voters in a choose-one contest of
--options options, then times on one core: batch verification (decode,
credentials, one-time signature, proofs in one multi-scalar multiplication per
256 ballots), naive verification (each proof on its own) and encryption; and
the whole record verified end to end on all cores. The last line is the
key=value summary.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rand.Read(bc.Seed[:])
			bc.Progress = stageProgress(cmd.ErrOrStderr())
			res, err := simulate.Bench(bc)
			if err != nil {
				return err
			}
			if out != "" {
				if err := os.WriteFile(out, res.Record, 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.Line())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&bc.Ballots, "ballots", 2000, "ballots (one per voter)")
	f.IntVar(&bc.Options, "options", 10, "options in the choose-one contest")
	f.IntVar(&bc.Issuers, "issuers", 2, "credential issuers (one RSA-2048 credential each per ballot)")
	f.IntVar(&bc.Sample, "sample", 2048, "ballots timed on one core")
	f.StringVar(&out, "record-out", "", "also write the simulated record to this file")
	return cmd
}

func newBenchKPICmd() *cobra.Command {
	var o bench.KPIOptions
	cmd := &cobra.Command{
		Use:   "kpi",
		Short: "KPI facts per second, the close of a period and scorecard reads over a registry of N members",
		Long: `Runs the application block by block in-process (no consensus; a store on
disk in a temporary home): 270 chapters, --members members, a rule set
adopted by a finalized council decision, then --facts facts in February 2030
(a third from a convention's paper register, the rest posted by attestors in
batches of 500, volunteer hours checked by a second attestor), closes the
period in one block and reads --reads member scorecards as the API computes
them; then makes the period final and mints its rewards (--rewards).

With --home the registry and the adopted rule set are kept in that
directory: the first run builds them (with --build-for, over several runs
that each stop in time and resume), and every run posts its facts on a copy
(hard links to LevelDB's tables), so the kept registry stays ready.

facts_per_s is facts over the time of the blocks that carried them;
close_ms is the close block (rankings of 253 constituencies, nothing per
member); scorecard_p95_ms the 95th percentile of a scorecard read.
Progress goes to stderr. The last line is the summary:
  members=N facts_per_s=N close_ms=N scorecard_p95_ms=N`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.KPI(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().IntVar(&o.Members, "members", 100000, "members in the registry")
	cmd.Flags().IntVar(&o.Facts, "facts", 0, "facts to post (default: one per member)")
	cmd.Flags().IntVar(&o.Reads, "reads", 1000, "scorecards to read")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the temporary home and print where it is")
	cmd.Flags().StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the fact blocks to this file")
	cmd.Flags().StringVar(&o.Store, "store", "", "store options nodes=N,blockcache=MB,blocksize=KB,fastindex=on|off,seekcompaction=on|off,commit=async|sync (default: $PNYX_STORE, else the store's defaults)")
	cmd.Flags().StringVar(&o.Home, "home", "", "keep the registry in this directory: built once (resumed by the next run if --build-for stops it), each run's period on a copy")
	cmd.Flags().DurationVar(&o.BuildFor, "build-for", 0, "stop building the registry after this long (0: no limit); run again with the same --home to continue")
	cmd.Flags().BoolVar(&o.BuildOnly, "build-only", false, "with --home: build (or finish building) the registry and stop")
	cmd.Flags().StringVar(&o.Rewards, "rewards", "all", "after final: all (mint every page, check every member), first (one mint tx), none")
	return cmd
}

func newBenchStoreCmd() *cobra.Command {
	var o bench.StoreOptions
	cmd := &cobra.Command{
		Use:   "store",
		Short: "The state tree alone: the registry's writes straight into a store on disk",
		Long: `Writes --members members' keys into a fresh store on disk (the options of
$PNYX_STORE), --per-block members per version: each member's record at a
random place of the tree and its chapter index entry appended, as a
registration writes them, without the application, consensus or the API.
It shows what the state tree costs per member as it grows, apart from
everything else bench registry measures. With --facts F it then writes F
KPI facts, each its subject's tally at a random place, as bench kpi's
blocks do, and times them apart. tools/treebench runs the same writes on
another tree implementation; equal roots mean equal trees.

Progress goes to stderr. The last line is the summary:
  members=N members_per_s=N cpu_us_per_member_first=X cpu_us_per_member_last=X [facts=N facts_per_s=N cpu_us_per_fact_first=X cpu_us_per_fact_last=X] rss_mb=N disk_mb=N root=HEX`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.Store(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().IntVar(&o.Members, "members", 1000000, "members whose keys are written")
	cmd.Flags().IntVar(&o.PerBlock, "per-block", 1600, "members per version (a registry import's blocks hold about 1,600)")
	cmd.Flags().IntVar(&o.Facts, "facts", 0, "KPI facts to write after the members, each its subject's tally (timed apart)")
	cmd.Flags().IntVar(&o.FactsPerBlock, "facts-per-block", 10000, "facts per version (bench kpi's blocks hold 10,000)")
	return cmd
}
