package main

import (
	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/internal/bench"
)

func newBenchSearchQualityCmd() *cobra.Command {
	var o bench.SearchQualityOptions
	cmd := &cobra.Command{
		Use:   "search-quality",
		Short: "Run the judged Korean search evaluation: recall, precision of the first page, zero-result queries",
		Long: `Indexes the evaluation passages as comments on one petition and runs the judged
queries as a member would: ranked by relevance, following "did you mean" when a
query finds nothing. Prints the queries that miss or rank a wrong passage on the
first page, figures per failure class of issue 16, and last the summary:
queries=… recall=… p_at_10=… zero_result=…

Files (testdata/search/README.md tells how they were written and judged):
passages: id<TAB>text; queries: class<TAB>query<TAB>intended<TAB>relevant ids.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.SearchQuality(cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Passages, "passages", "testdata/search/passages.tsv", "passages file")
	f.StringVar(&o.Queries, "queries", "testdata/search/queries.tsv", "judged queries file")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "print every query")
	return cmd
}
