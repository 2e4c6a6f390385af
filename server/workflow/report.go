package workflow

import (
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/reports"
)

// ReportQuery is what a report asks for: a chat group ("" = every group of the user) and the
// first and last day, as typed (YYYY-MM-DD, RFC 3339 or Unix ms; "" = the last 7 days).
type ReportQuery struct {
	Group    string
	From, To string
}

// Report answers the indicators of the user's chat groups over a period. Days are counted in
// the groups' time zone (reports.Service.Location; UTC while chat groups have none, or when
// the groups asked for differ); the answer names it in time_zone.
func (d *Desk) Report(userID string, q ReportQuery) (reports.Summary, error) {
	if d.reports == nil {
		return reports.Summary{}, helpdesk.Refuse(helpdesk.ErrNotFound, "error.report_unavailable")
	}
	groups := d.AgentGroups(userID)
	if q.Group != "" {
		if _, ok := d.Settings().Group(q.Group); !ok {
			return reports.Summary{}, helpdesk.Refuse(helpdesk.ErrNotFound, "error.report_group", "Group", q.Group)
		}
		if !d.IsAgent(userID, q.Group) {
			return reports.Summary{}, helpdesk.Refuse(ErrForbidden, "error.not_group_agent")
		}
		groups = []string{q.Group}
	}
	loc := d.reportLocation(groups)
	today := d.Now().In(loc)
	to, err := parseDay(q.To, today, loc)
	if err != nil {
		return reports.Summary{}, err
	}
	from, err := parseDay(q.From, to.AddDate(0, 0, -6), loc)
	if err != nil {
		return reports.Summary{}, err
	}
	sum, err := d.reports.Sum(groups, reports.Period{From: from, To: to})
	if err != nil {
		return reports.Summary{}, err
	}
	names := map[string]string{}
	out := reports.Summarize(sum, func(id string) string { return d.cachedName(names, id) })
	out.From, out.To, out.Group, out.TimeZone = from.Format(reports.DayFormat), to.Format(reports.DayFormat), q.Group, loc.String()
	return out, nil
}

// reportLocation is the time zone of the groups' days: theirs when they share one, else UTC.
func (d *Desk) reportLocation(groups []string) *time.Location {
	var loc *time.Location
	for _, g := range groups {
		l := d.reports.LocationOf(g)
		if loc != nil && l.String() != loc.String() {
			return time.UTC
		}
		loc = l
	}
	if loc == nil {
		return time.UTC
	}
	return loc
}

// BackfillIndicators adds the conversations closed before the indicators existed.
func (d *Desk) BackfillIndicators() (int, error) {
	if d.reports == nil {
		return 0, nil
	}
	closed, err := d.conversations.List(helpdesk.StateClosed)
	if err != nil {
		return 0, err
	}
	return d.reports.Backfill(closed)
}

// ReportDays is the report of the last days days, today included.
func (d *Desk) ReportDays(userID string, days int) (reports.Summary, error) {
	if days < 1 || days > reports.MaxDays {
		return reports.Summary{}, helpdesk.Refuse(helpdesk.ErrInvalid, "error.report_days", "Max", reports.MaxDays)
	}
	if d.reports == nil {
		return reports.Summary{}, helpdesk.Refuse(helpdesk.ErrNotFound, "error.report_unavailable")
	}
	today := d.Now().In(d.reportLocation(d.AgentGroups(userID)))
	return d.Report(userID, ReportQuery{From: today.AddDate(0, 0, 1-days).Format(reports.DayFormat), To: today.Format(reports.DayFormat)})
}

// parseDay reads a day as a date, an RFC 3339 time or Unix milliseconds; "" is def.
func parseDay(s string, def time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	if t, err := time.ParseInLocation(reports.DayFormat, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms).In(loc), nil
	}
	return time.Time{}, helpdesk.Refuse(helpdesk.ErrInvalid, "error.report_date", "Date", s)
}
