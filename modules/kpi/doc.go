// Package kpi keeps the party's key performance indicators on chain: rule
// sets adopted by assembly decisions, facts that the chain produces itself
// or that an accountable attestor signs, periods on KST boundaries, private
// member scorecards, public chapter rankings, appeals decided by a motion,
// and point rewards minted by protocol rule.
//
// # Rules
//
// A rule set (RuleSet) is a list of scorecards, each for one kind of
// subject (a member or a chapter), each a list of rules whose weights sum to
// 10,000 basis points. A rule names the fact types it counts, a filter, a
// scope, an aggregation (count, sum, distinct days, distinct months, ratio
// with a minimum denominator, consecutive-period streak, yes/no), a target,
// a scoring (linear capped at the target, or bands) and its weight. All
// rules of a set share its period kind (month, quarter, half, year), since a
// scorecard is evaluated per period and its weights must add up within one.
//
// A rule set reaches the chain in two steps. A secretary at the root chapter
// proposes it (kpi/propose): the proposal is stored under its ID and never
// changes. A body of the root chapter (convention, national committee or
// supreme council) adopts a motion whose text names it ("kpi:<id>"), the
// meeting is finalized with its co-signatures, and kpi/adopt cites that
// motion. The chain checks the meeting is finalized, the motion adopted and
// decided after the proposal was made; only then the set becomes the next
// version. So every change of the rules is itself a certified decision.
//
// Never retroactive: a version takes effect from a period that has not yet
// begun, and a period is evaluated under the version in force when it
// opened. Versions take effect in order of adoption.
//
// # What is never counted, and why
//
// A rule that counts any of these is refused (code kpi_forbidden_fact):
//
//   - whether or how someone voted, or requested election credentials: the
//     ballot is secret, and a score that rewards turnout tells the scorer who
//     took part; a credential request is the last step before a ballot.
//   - which petitions someone agreed to: that is a political opinion, which
//     Korea's Personal Information Protection Act (PIPA, art. 23) treats as
//     sensitive data; a party may not grade members on it.
//   - raw comment counts: they reward spam, not contribution.
//
// The vocabulary of fact types is closed (FactTypes); a rule naming any type
// that mentions votes, ballots, credentials, agreements or comments gets the
// code above, any other unknown type invalid_argument.
//
// # Facts
//
// Facts come from two places. The chain's own modules report them inside
// the block through narrow interfaces (assembly.FactSink: a member checked
// in, counted apart from the secretary's paper register, a meeting
// finalized N days after it closed, mandates granted and ended, from which
// mandate days are computed; petition.FactSink: a chapter's petition
// answered on time or late; members.Hooks: recruits joining and leaving,
// from which "still active after M months" is computed) — never through
// ABCI events, which are not provable. These hooks write nothing
// until a rule set is adopted (facts: until one is in force), so blocks
// recorded before the module existed replay to the same state. The first
// adoption copies the mandates held by then, so a mandate granted before
// any rules existed counts its days too.
//
// kpi_attestors post the rest (dues months, education, volunteer hours,
// press coverage, pledge progress) in batches of up to 500 with an evidence
// hash each. Nobody attests their own facts; a chapter's facts, and those of
// a member heading a chapter (admin exactly there), come from an attestor of
// the parent chapter; a batch feeding a rule that weighs more than its
// scorecard's threshold waits for a second attestor (maker–checker). A
// retraction carries a reason code and deletes nothing.
//
// Each fact updates a counter per (subject, rule, period) in O(1); scores are
// computed from the counters and the rule when read. A subject's counters
// for a period and its first facts are one record, so a fact costs one tree
// write (record.go explains the layout, codec.go the binary form). A member scorecard is a
// personal record (signed read, like balances); chapter scorecards and
// rankings are public. A member's standing shows only through a per-chapter
// histogram published in buckets of at least 10 members.
//
// # Periods
//
//	open → grace → closed → appeals → final
//
// judged from block time: facts are accepted while the period is open and
// during its grace days; after that the period waits for kpi/close, which
// stores the chapter rankings (a few hundred chapters; nothing per member)
// and opens the appeals window; kpi/finalize after the window ranks again
// with any corrections and makes the period final. Then the rewards are
// minted by rule: the band each member's score reaches mints its points into
// the membership token. Minting three million balances in the final block
// would stall it, so kpi/mint-rewards (anyone may send it) mints the
// registry a page at a time — 4,096 pages by member ID, each about N/4,096
// members, about 2,000 members per tx — until it reports done; nobody has to
// claim. kpi/claim still lets a member take theirs before the pages reach
// them; either way a member is minted once.
//
// # Appeals
//
// In the appeals window a subject files an appeal naming the rule and the
// disputed or missing fact, with an evidence hash. The rule set's appeals
// body decides it by an adopted motion of a finalized meeting whose text
// reads "kpi-appeal:<id>=<outcome>": upheld (the score stands), corrected
// (facts added or retracted, scores recomputed) or voided (the rule no
// longer counts for this subject; the other weights are renormalized).
// After final, a correction follows the errata pattern of assembly records:
// kpi/erratum, decided the same way ("kpi-erratum:<id>"), states the
// corrected reading beside the final score and rewrites nothing.
package kpi
