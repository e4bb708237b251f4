package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/progress"
	"github.com/pnyx-party/pnyx/modules/petition"
)

// newID makes a fresh petition or comment ID: a prefix and 12 random hex digits.
func newID(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// textArg reads text from a flag value, or from a file when it starts with @.
func textArg(v string) (string, error) {
	if strings.HasPrefix(v, "@") {
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	return v, nil
}

func parseModReason(s string) (int, error) {
	for code, name := range petition.ReasonNames {
		if name == s && code != petition.ReasonReports {
			return code, nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("reason %q: use spam, offensive, off_topic, defamation, privacy or other", s)
}

func newPetitionCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "petition", Short: "Raise, agree to, answer and read petitions"}
	ref := func(use, short, typ string) *cobra.Command {
		return &cobra.Command{Use: use + " ID", Short: short, Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			return s.send(typ, petition.RefBody{Petition: a[0]})
		})}
	}

	var chapter, category, title, body, id string
	create := &cobra.Command{Use: "create", Short: "Create a draft petition (--body @file reads a file)", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		text, err := textArg(body)
		if err != nil {
			return err
		}
		pid := id
		if pid == "" {
			pid = newID("p")
		}
		if err := s.send(petition.TypeCreate, petition.CreateBody{ID: pid, Chapter: chapter, Category: category, Title: title, Body: text}); err != nil {
			return err
		}
		fmt.Fprintf(s.cmd.OutOrStdout(), "petition %s created as a draft; open it with: pnyx petition open %s\n", pid, pid)
		return nil
	})}
	create.Flags().StringVar(&id, "id", "", "petition ID (default: random)")
	create.Flags().StringVar(&chapter, "chapter", "", "chapter whose members may agree")
	create.Flags().StringVar(&category, "category", "general", "category, e.g. youth, housing, party")
	create.Flags().StringVar(&title, "title", "", "title")
	create.Flags().StringVar(&body, "body", "", "text, or @FILE")

	var answerBody string
	answer := &cobra.Command{Use: "answer ID", Short: "Answer a petition that reached its threshold (secretary)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		text, err := textArg(answerBody)
		if err != nil {
			return err
		}
		return s.send(petition.TypeAnswer, petition.AnswerBody{Petition: a[0], Body: text})
	})}
	answer.Flags().StringVar(&answerBody, "body", "", "answer text, or @FILE")

	var pr petition.Params
	var preDays, days, answerDays float64
	params := &cobra.Command{Use: "params CHAPTER", Short: "Set the thresholds and windows for petitions in a chapter's scope (admin or secretary)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		pr.PreWindow, pr.Window, pr.AnswerDue = int64(preDays*86400), int64(days*86400), int64(answerDays*86400)
		return s.send(petition.TypeSetParams, petition.SetParamsBody{Chapter: a[0], Params: pr})
	})}
	params.Flags().Int64Var(&pr.PreAgreements, "pre", petition.DefaultParams.PreAgreements, "agreements that make a petition public")
	params.Flags().Float64Var(&preDays, "pre-days", 30, "days to collect the pre-agreements")
	params.Flags().Int64Var(&pr.Threshold, "threshold", petition.DefaultParams.Threshold, "agreements that oblige an answer")
	params.Flags().Float64Var(&days, "days", 30, "days to reach the threshold once public")
	params.Flags().Float64Var(&answerDays, "answer-days", 30, "days within which an answer is due")

	var proveOut string
	show := &cobra.Command{Use: "show ID", Short: "Show a petition, its on-chain record and agreement counts", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		v, err := s.c.Petition(s.ctx, a[0], proveOut != "")
		if err != nil {
			return err
		}
		out := s.cmd.OutOrStdout()
		printPetition(out, v.Petition, true)
		fmt.Fprintf(out, "  on chain: %s at height %d: %s\n", v.Chain.Key, v.Chain.Height, v.Chain.Record)
		for _, c := range v.AgreementsByChapter {
			fmt.Fprintf(out, "  agreements from %s: %d\n", c.Chapter, c.Count)
		}
		if proveOut != "" {
			if err := os.WriteFile(proveOut, v.Chain.Proof, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(out, "  proof written to %s (check with: pnyx verify proof %s)\n", proveOut, proveOut)
		}
		return nil
	})}
	show.Flags().StringVar(&proveOut, "prove", "", "write a proof of the on-chain record to this file")

	var lq client.Query
	list := &cobra.Command{Use: "list", Short: "List petitions, newest first", Args: cobra.NoArgs, RunE: run(func(s *session, _ []string) error {
		page, err := s.c.Petitions(s.ctx, lq)
		if err != nil {
			return err
		}
		for _, p := range page.Petitions {
			printPetition(s.cmd.OutOrStdout(), p, false)
		}
		if page.Next != "" {
			fmt.Fprintf(s.cmd.OutOrStdout(), "more: --cursor %s\n", page.Next)
		}
		return nil
	})}
	queryFlags(list, &lq, false)

	var cursor string
	var limit int
	comments := &cobra.Command{Use: "comments ID", Short: "Show a petition's comment thread", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		page, err := s.c.Thread(s.ctx, a[0], cursor, limit)
		if err != nil {
			return err
		}
		for _, c := range page.Comments {
			printComment(s.cmd.OutOrStdout(), c, strings.Repeat("  ", c.Depth-1))
		}
		if page.Next != "" {
			fmt.Fprintf(s.cmd.OutOrStdout(), "more: --cursor %s\n", page.Next)
		}
		return nil
	})}
	comments.Flags().StringVar(&cursor, "cursor", "", "cursor from the previous page")
	comments.Flags().IntVar(&limit, "limit", 50, "comments per page")

	agreed := &cobra.Command{Use: "agreed ID", Short: "Whether you (--key) agreed to a petition (a signed read)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		k, err := s.key()
		if err != nil {
			return err
		}
		v, err := s.c.Agreed(s.ctx, k, a[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(s.cmd.OutOrStdout(), "member %s agreed to %s: %v\n", v.Member, v.Petition, v.Agreed)
		return nil
	})}

	cmd.AddCommand(params, create, ref("open", "Open a draft for pre-agreements (author)", petition.TypeOpen),
		ref("agree", "Agree to a petition", petition.TypeAgree), ref("unagree", "Withdraw your agreement while collecting", petition.TypeUnagree),
		ref("withdraw", "Withdraw your petition (author)", petition.TypeWithdraw), answer, show, list, comments, agreed)
	return cmd
}

func queryFlags(cmd *cobra.Command, q *client.Query, comments bool) {
	f := cmd.Flags()
	f.StringVar(&q.Chapter, "chapter", "", "only this chapter and the chapters below it")
	f.StringVar(&q.Category, "category", "", "only this category")
	f.StringVar(&q.Author, "author", "", "only this author (member ID)")
	f.StringVar(&q.State, "state", "", "only petitions in this state ("+strings.Join(petition.States, ", ")+")")
	f.StringVar(&q.Sort, "sort", "", "newest (default) or relevance (needs --petition, --chapter or a date range)")
	f.IntVar(&q.Limit, "limit", 20, "results per page")
	f.StringVar(&q.Cursor, "cursor", "", "cursor from the previous page")
	f.Var(dayFlag{&q.From, false}, "from", "created on or after this day (YYYY-MM-DD, KST) or Unix second")
	f.Var(dayFlag{&q.To, true}, "to", "created on or before this day (YYYY-MM-DD, KST) or Unix second")
	if comments {
		f.StringVar(&q.Petition, "petition", "", "only comments on this petition")
		f.StringVar(&q.Stance, "stance", "", "only comments with this stance (for, neutral, against)")
	}
}

func printPetition(w io.Writer, p index.Petition, full bool) {
	flags := ""
	if p.Overdue {
		flags += " OVERDUE"
	}
	if p.AnsweredLate {
		flags += " answered-late"
	}
	if p.Hidden {
		flags += " HIDDEN"
	}
	fmt.Fprintf(w, "%s [%s%s] %d agreements, %s/%s, %s — %s\n", p.ID, p.State, flags, p.Agreements, p.Chapter, p.Category,
		time.Unix(p.CreatedAt, 0).In(kstZone).Format("2006-01-02"), p.Title)
	if full {
		fmt.Fprintf(w, "  %s\n", p.Body)
		if p.Answer != "" {
			fmt.Fprintf(w, "  answer by %s: %s\n", p.AnsweredBy, p.Answer)
		}
	}
}

var kstZone = time.FixedZone("KST", 9*3600)

// dayFlag reads a day in KST (YYYY-MM-DD) or Unix seconds into *t; with
// end, a day means its last second.
type dayFlag struct {
	t   *int64
	end bool
}

func (d dayFlag) String() string {
	if d.t == nil || *d.t == 0 {
		return ""
	}
	return strconv.FormatInt(*d.t, 10)
}

func (d dayFlag) Type() string { return "day" }

func (d dayFlag) Set(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		*d.t = n
		return nil
	}
	day, err := time.ParseInLocation("2006-01-02", v, kstZone)
	if err != nil {
		return fmt.Errorf("%q is neither YYYY-MM-DD nor Unix seconds", v)
	}
	if d.end {
		day = day.Add(24*time.Hour - time.Second)
	}
	*d.t = day.Unix()
	return nil
}

func printComment(w io.Writer, c index.Comment, indent string) {
	body := c.Body
	switch {
	case c.Hidden:
		body = "[hidden by moderation]"
	case c.Deleted:
		body = "[deleted by its author]"
	}
	edited := ""
	if c.OnAnswer && c.Depth == 1 {
		edited = " (on the answer)"
	}
	if c.Version > 1 {
		edited += fmt.Sprintf(" (edited, v%d)", c.Version)
	}
	fmt.Fprintf(w, "%s%s %s +%d/-%d %s%s: %s\n", indent, c.ID, c.Stance, c.Up, c.Down, time.Unix(c.CreatedAt, 0).In(kstZone).Format("2006-01-02 15:04"), edited, body)
}

func newCommentCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "comment", Short: "Comment on petitions and answers, vote, report"}
	var id, parent, stance, body string
	var onAnswer bool
	post := &cobra.Command{Use: "post PETITION", Short: "Post a comment (--parent to reply, --on-answer for the official answer)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		text, err := textArg(body)
		if err != nil {
			return err
		}
		cid := id
		if cid == "" {
			cid = newID("c")
		}
		if err := s.send(petition.TypeComment, petition.CommentBody{ID: cid, Petition: a[0], Parent: parent, OnAnswer: onAnswer, Stance: stance, Body: text}); err != nil {
			return err
		}
		fmt.Fprintf(s.cmd.OutOrStdout(), "comment %s posted\n", cid)
		return nil
	})}
	post.Flags().StringVar(&id, "id", "", "comment ID (default: random)")
	post.Flags().StringVar(&parent, "parent", "", "comment to reply to")
	post.Flags().BoolVar(&onAnswer, "on-answer", false, "comment on the official answer")
	post.Flags().StringVar(&stance, "stance", petition.Neutral, "for, neutral or against")
	post.Flags().StringVar(&body, "body", "", "text, or @FILE")

	var editBody string
	edit := &cobra.Command{Use: "edit COMMENT", Short: "Edit your comment (the history is kept)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		text, err := textArg(editBody)
		if err != nil {
			return err
		}
		return s.send(petition.TypeEdit, petition.EditBody{Comment: a[0], Body: text})
	})}
	edit.Flags().StringVar(&editBody, "body", "", "new text, or @FILE")

	show := &cobra.Command{Use: "show COMMENT", Short: "Show a comment with its edit history", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
		v, err := s.c.Comment(s.ctx, a[0])
		if err != nil {
			return err
		}
		out := s.cmd.OutOrStdout()
		printComment(out, v.Comment, "")
		for _, ver := range v.Versions {
			fmt.Fprintf(out, "  v%d at height %d: %s\n", ver.Version, ver.Height, ver.Body)
		}
		fmt.Fprintf(out, "  on chain: %s at height %d: %s\n", v.Chain.Key, v.Chain.Height, v.Chain.Record)
		return nil
	})}
	cmd.AddCommand(post, edit, show,
		&cobra.Command{Use: "delete COMMENT", Short: "Delete your comment (soft: its hash stays on chain)", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			return s.send(petition.TypeDelete, petition.CommentRefBody{Comment: a[0]})
		})},
		&cobra.Command{Use: "vote COMMENT up|down|none", Short: "Vote on a comment", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			return s.send(petition.TypeVote, petition.VoteBody{Comment: a[0], Vote: a[1]})
		})},
		&cobra.Command{Use: "report COMMENT spam|offensive|off_topic", Short: "Report a comment (3 distinct reports hide it)", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			return s.send(petition.TypeReport, petition.ReportBody{Comment: a[0], Reason: a[1]})
		})},
	)
	return cmd
}

func newModerateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "moderate", Short: "Hide, unhide and block (moderator)"}
	var reason, chapter string
	hide := func(use, typ string) *cobra.Command {
		c := &cobra.Command{Use: use + " petition|comment ID", Short: use + " a petition or a comment", Args: cobra.ExactArgs(2), RunE: run(func(s *session, a []string) error {
			r, err := parseModReason(reason)
			if err != nil {
				return err
			}
			return s.send(typ, petition.HideBody{Kind: a[0], ID: a[1], Reason: r})
		})}
		c.Flags().StringVar(&reason, "reason", "other", "spam, offensive, off_topic, defamation, privacy or other")
		return c
	}
	block := func(use, typ string) *cobra.Command {
		c := &cobra.Command{Use: use + " MEMBER", Short: use + " a member from commenting in a chapter's subtree", Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			r := 0
			if typ == petition.TypeBlock {
				var err error
				if r, err = parseModReason(reason); err != nil {
					return err
				}
			}
			return s.send(typ, petition.BlockBody{Member: a[0], Chapter: chapter, Reason: r})
		})}
		c.Flags().StringVar(&chapter, "chapter", "", "chapter")
		if typ == petition.TypeBlock {
			c.Flags().StringVar(&reason, "reason", "other", "spam, offensive, off_topic, defamation, privacy or other")
		}
		return c
	}
	cmd.AddCommand(hide("hide", petition.TypeHide), hide("unhide", petition.TypeUnhide), block("block", petition.TypeBlock), block("unblock", petition.TypeUnblock))
	return cmd
}

func newSearchCmd() *cobra.Command {
	var q client.Query
	var kind string
	cmd := &cobra.Command{Use: "search WORDS...", Short: "Search petitions and comments in Korean and English", RunE: run(func(s *session, a []string) error {
		q.Text = strings.Join(a, " ")
		res, err := s.c.Search(s.ctx, kind, q)
		if err != nil {
			return err
		}
		out := s.cmd.OutOrStdout()
		for _, p := range res.Petitions {
			fmt.Fprint(out, "petition ")
			printPetition(out, p, false)
		}
		if res.PetitionsNext != "" {
			fmt.Fprintf(out, "more petitions: --kind petitions --cursor %s\n", res.PetitionsNext)
		}
		for _, c := range res.Comments {
			fmt.Fprintf(out, "comment on %s: ", c.Petition)
			printComment(out, c, "")
		}
		if res.CommentsNext != "" {
			fmt.Fprintf(out, "more comments: --kind comments --cursor %s\n", res.CommentsNext)
		}
		fmt.Fprintf(out, "%d petitions, %d comments (index at height %d)\n", len(res.Petitions), len(res.Comments), res.Height)
		return nil
	})}
	cmd.Flags().StringVar(&kind, "kind", "all", "all, petitions or comments")
	queryFlags(cmd, &q, true)
	return cmd
}

func newReindexCmd() *cobra.Command {
	return &cobra.Command{Use: "reindex", Short: "Delete and rebuild the search index from the stored blocks (stop the node first)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			var bar *progress.Bar
			x, err := launch.Reindex(flagHome, func(h, last int64) {
				if bar == nil {
					bar = progress.New(cmd.ErrOrStderr(), "reindex blocks", int(last))
				}
				bar.Set(int(h))
			})
			if bar != nil {
				bar.Done()
			}
			if err != nil {
				return err
			}
			defer x.Close()
			p, c, err := x.Counts()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "reindexed %d blocks: %d petitions, %d comments in %s (%s)\n", x.Height(), p, c, time.Since(start).Round(time.Millisecond), x.Path())
			return nil
		}}
}
