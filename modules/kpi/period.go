package kpi

import (
	"fmt"
	"strconv"
	"time"

	"github.com/pnyx-party/pnyx/codes"
)

// KST is Korea Standard Time, UTC+9 all year (Korea has no daylight saving),
// so a fixed zone computes the same boundaries on every validator without a
// time zone database.
var KST = time.FixedZone("KST", 9*3600)

// Period kinds.
const (
	Month   = "month"
	Quarter = "quarter"
	Half    = "half"
	Year    = "year"
)

var periodKinds = []string{Month, Quarter, Half, Year}

// Span is a period: its ID, kind and bounds in Unix seconds, [Start, End).
type Span struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
}

func monthsOf(kind string) int {
	switch kind {
	case Month:
		return 1
	case Quarter:
		return 3
	case Half:
		return 6
	case Year:
		return 12
	}
	return 0
}

// spanOf builds the span of kind starting at month m (1-based) of year y.
func spanOf(kind string, y, m int) Span {
	start := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, KST)
	end := start.AddDate(0, monthsOf(kind), 0)
	var id string
	switch kind {
	case Month:
		id = fmt.Sprintf("%04d-%02d", y, m)
	case Quarter:
		id = fmt.Sprintf("%04d-Q%d", y, (m-1)/3+1)
	case Half:
		id = fmt.Sprintf("%04d-H%d", y, (m-1)/6+1)
	case Year:
		id = fmt.Sprintf("%04d", y)
	}
	return Span{ID: id, Kind: kind, Start: start.Unix(), End: end.Unix()}
}

// ParsePeriod reads a period ID: "2026-04" (month), "2026-Q2", "2026-H1",
// "2026" (year).
func ParsePeriod(id string) (Span, error) {
	bad := codes.InvalidArgument.Errorf("period %q is none of YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY", id)
	if len(id) < 4 {
		return Span{}, bad
	}
	y, err := strconv.Atoi(id[:4])
	if err != nil || y < 2000 || y > 2999 || strconv.Itoa(y) != id[:4] {
		return Span{}, bad
	}
	rest := id[4:]
	switch {
	case rest == "":
		return spanOf(Year, y, 1), nil
	case len(rest) == 3 && rest[0] == '-' && rest[1] == 'Q' && rest[2] >= '1' && rest[2] <= '4':
		return spanOf(Quarter, y, int(rest[2]-'1')*3+1), nil
	case len(rest) == 3 && rest[0] == '-' && rest[1] == 'H' && (rest[2] == '1' || rest[2] == '2'):
		return spanOf(Half, y, int(rest[2]-'1')*6+1), nil
	case len(rest) == 3 && rest[0] == '-':
		m, err := strconv.Atoi(rest[1:])
		if err != nil || m < 1 || m > 12 || fmt.Sprintf("%02d", m) != rest[1:] {
			return Span{}, bad
		}
		return spanOf(Month, y, m), nil
	}
	return Span{}, bad
}

// PeriodAt is the period of kind containing Unix time t.
func PeriodAt(kind string, t int64) Span {
	lt := time.Unix(t, 0).In(KST)
	n := monthsOf(kind)
	m := (int(lt.Month())-1)/n*n + 1
	return spanOf(kind, lt.Year(), m)
}

// Prev is the period before s.
func (s Span) Prev() Span { return PeriodAt(s.Kind, s.Start-1) }

// Day is t's KST day as YYYYMMDD.
func Day(t int64) int64 {
	lt := time.Unix(t, 0).In(KST)
	return int64(lt.Year()*10000 + int(lt.Month())*100 + lt.Day())
}

// parseDay reads YYYY-MM-DD as a KST day.
func parseDay(s string) (int64, int64, error) {
	t, err := time.ParseInLocation("2006-01-02", s, KST)
	if err != nil {
		return 0, 0, codes.InvalidArgument.Errorf("day %q is not YYYY-MM-DD", s)
	}
	return Day(t.Unix()), t.Unix(), nil
}

// monthIndex counts months since year 0 in KST, for cohorts.
func monthIndex(t int64) int {
	lt := time.Unix(t, 0).In(KST)
	return lt.Year()*12 + int(lt.Month()) - 1
}

// monthsBetween is the whole months elapsed from a to b (KST calendar).
func monthsBetween(a, b int64) int {
	ta, tb := time.Unix(a, 0).In(KST), time.Unix(b, 0).In(KST)
	n := monthIndex(b) - monthIndex(a)
	// Not yet a whole month if b's day and time of month come before a's.
	if ta.AddDate(0, n, 0).After(tb) {
		n--
	}
	return n
}

// State is a period's state at Unix time now, given its stored record.
func State(s Span, rs RuleSet, rec PeriodRecord, now int64) string {
	switch {
	case rec.FinalAt != 0:
		return StateFinal
	case rec.ClosedAt != 0:
		return StateAppeals
	case now < s.Start:
		return StateFuture
	case now < s.End:
		return StateOpen
	case now < graceEnd(s, rs):
		return StateGrace
	}
	return StateClosed
}

func graceEnd(s Span, rs RuleSet) int64 { return s.End + int64(rs.GraceDays)*86400 }
