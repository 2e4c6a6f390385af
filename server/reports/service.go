package reports

import (
	"math"
	"sort"
	"time"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// DayFormat names a day in keys and in the API.
const DayFormat = "2006-01-02"

// MaxDays bounds a report's period: a request reads one key per day and chat group.
const MaxDays = 366

// Service records and reads the per-day indicators.
type Service struct {
	KV store.KV
	// Location is the time zone a chat group's days are counted in; nil (or a nil answer)
	// means UTC. Chat groups have no time zone setting yet, so the plugin counts in UTC.
	Location func(group string) *time.Location
}

// LocationOf is the time zone group's days are counted in.
func (s *Service) LocationOf(group string) *time.Location { return s.loc(group) }

// Backfill adds conversations closed before the indicators existed (a once-per-cluster
// migration); those already counted are skipped by their claims, so a rerun adds nothing.
func (s *Service) Backfill(closed []*helpdesk.Conversation) (int, error) {
	n := 0
	for _, c := range closed {
		if c.State != helpdesk.StateClosed {
			continue
		}
		if err := s.Closed(c); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Service) loc(group string) *time.Location {
	if s.Location != nil {
		if l := s.Location(group); l != nil {
			return l
		}
	}
	return time.UTC
}

// Closed adds a closed conversation to the day it was created on, once: a close completed again
// by the repair job, or on another node, finds the claim taken. (A node that dies between the
// claim and the addition leaves that one conversation out; counting it twice would be worse.)
// The conversation is counted on its creation day, so its wait, handling and CSAT share a day.
func (s *Service) Closed(conv *helpdesk.Conversation) error {
	if conv == nil || conv.CreatedAt == 0 {
		return nil
	}
	won, err := store.Insert(s.KV, store.ReportCountedKey(conv.ID), conv.ClosedAt, 0)
	if err != nil || !won {
		return err
	}
	created := time.UnixMilli(conv.CreatedAt).In(s.loc(conv.Group))
	t := Totals{Conversations: 1}
	if conv.AttendedAt > 0 {
		t.Attended = 1
		t.WaitMS = nonNegative(conv.AttendedAt - conv.CreatedAt)
		closed := conv.ClosedAt
		if closed == 0 {
			closed = conv.ClosingAt
		}
		t.HandleMS = nonNegative(closed - conv.AttendedAt)
		if conv.FirstResponseAt > 0 {
			t.FirstN, t.FirstMS = 1, nonNegative(conv.FirstResponseAt-conv.AttendedAt)
		}
	}
	err = s.update(conv.Group, created, func(d *Day) {
		d.add(t)
		d.Hours[created.Hour()]++
		if conv.AgentID != "" {
			d.agent(conv.AgentID).add(t)
		}
	})
	if err != nil {
		// Not added: free the claim so the repair job's close or the backfill can add it.
		_ = s.KV.Delete(store.ReportCountedKey(conv.ID))
	}
	return err
}

// AddCSAT adds a satisfaction score (1 to 3) given to agentID's conversation of group; day is
// any instant of the day the conversation is counted on (its creation), so the score joins its
// conversation's day.
func (s *Service) AddCSAT(group string, day time.Time, agentID string, score int) error {
	if score < 1 || score > 3 {
		return errors.Wrapf(helpdesk.ErrInvalid, "satisfaction score %d is not 1, 2 or 3", score)
	}
	t := Totals{CSATSum: score, CSATCount: 1}
	return s.update(group, day.In(s.loc(group)), func(d *Day) {
		d.add(t)
		if agentID != "" {
			d.agent(agentID).add(t)
		}
	})
}

func (s *Service) update(group string, day time.Time, fn func(d *Day)) error {
	_, err := store.UpdateJSON(s.KV, store.ReportDayKey(group, day.Format(DayFormat)), func(d *Day, _ bool) (bool, error) {
		fn(d)
		return true, nil
	})
	return errors.Wrap(err, "failed to update the indicators")
}

// Period is a report's days, from and to included, in the chat groups' time zone.
type Period struct {
	From, To time.Time
}

// Days lists the period's days (YYYY-MM-DD), at most MaxDays.
func (p Period) Days() ([]string, error) {
	from := time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, time.UTC)
	to := time.Date(p.To.Year(), p.To.Month(), p.To.Day(), 0, 0, 0, 0, time.UTC)
	if to.Before(from) {
		return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.report_period")
	}
	var out []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if len(out) == MaxDays {
			return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.report_too_long", "Max", MaxDays)
		}
		out = append(out, d.Format(DayFormat))
	}
	return out, nil
}

// Sum reads the period's days of the groups and adds them up.
func (s *Service) Sum(groups []string, p Period) (*Day, error) {
	days, err := p.Days()
	if err != nil {
		return nil, err
	}
	total := &Day{}
	for _, g := range groups {
		for _, day := range days {
			var d Day
			if _, err := store.GetJSON(s.KV, store.ReportDayKey(g, day), &d); err != nil {
				return nil, errors.Wrap(err, "failed to read the indicators")
			}
			total.add(d.Totals)
			for i, n := range d.Hours {
				total.Hours[i] += n
			}
			for id, t := range d.Agents {
				total.agent(id).add(*t)
			}
		}
	}
	return total, nil
}

// AgentSummary is one agent's line of a report.
type AgentSummary struct {
	UserID                  string  `json:"user_id"`
	Name                    string  `json:"name"`
	Conversations           int     `json:"conversations"`
	AvgFirstResponseSeconds float64 `json:"avg_first_response_seconds"`
	AvgHandleSeconds        float64 `json:"avg_handle_seconds"`
	CSATAvg                 float64 `json:"csat_avg"`
	CSATCount               int     `json:"csat_count"`
}

// Summary is a report as the API answers it. Averages are whole seconds and 0 with nothing to
// average; csat_avg has two decimals and is 0 when csat_count is 0.
type Summary struct {
	From                    string         `json:"from"`
	To                      string         `json:"to"`
	Group                   string         `json:"group"`
	TimeZone                string         `json:"time_zone"`
	Conversations           int            `json:"conversations"`
	Attended                int            `json:"attended"`
	AvgWaitSeconds          float64        `json:"avg_wait_seconds"`
	AvgFirstResponseSeconds float64        `json:"avg_first_response_seconds"`
	AvgHandleSeconds        float64        `json:"avg_handle_seconds"`
	CSATAvg                 float64        `json:"csat_avg"`
	CSATCount               int            `json:"csat_count"`
	ByAgent                 []AgentSummary `json:"by_agent"`
	ByHour                  [24]int        `json:"by_hour"`
}

// Summarize turns the sums into averages; name gives an agent's display name.
func Summarize(d *Day, name func(userID string) string) Summary {
	out := Summary{
		Conversations: d.Conversations, Attended: d.Attended,
		AvgWaitSeconds:          avgSeconds(d.WaitMS, d.Attended),
		AvgFirstResponseSeconds: avgSeconds(d.FirstMS, d.FirstN),
		AvgHandleSeconds:        avgSeconds(d.HandleMS, d.Attended),
		CSATAvg:                 avgScore(d.CSATSum, d.CSATCount), CSATCount: d.CSATCount,
		ByAgent: []AgentSummary{}, ByHour: d.Hours,
	}
	for id, t := range d.Agents {
		out.ByAgent = append(out.ByAgent, AgentSummary{
			UserID: id, Name: name(id), Conversations: t.Conversations,
			AvgFirstResponseSeconds: avgSeconds(t.FirstMS, t.FirstN),
			AvgHandleSeconds:        avgSeconds(t.HandleMS, t.Attended),
			CSATAvg:                 avgScore(t.CSATSum, t.CSATCount), CSATCount: t.CSATCount,
		})
	}
	sort.Slice(out.ByAgent, func(i, j int) bool {
		a, b := out.ByAgent[i], out.ByAgent[j]
		if a.Conversations != b.Conversations {
			return a.Conversations > b.Conversations
		}
		return a.Name < b.Name
	})
	return out
}

func avgSeconds(sumMS int64, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(float64(sumMS) / float64(n) / 1000)
}

func avgScore(sum, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(float64(sum)/float64(n)*100) / 100
}

func nonNegative(ms int64) int64 { return max(ms, 0) }
