// Package hours decides whether a chat group is inside its business hours: a weekly schedule in
// an IANA time zone, minus holidays. It is pure (no KV, no Mattermost) so the rules are table
// tested.
package hours

import (
	"sort"
	"strings"
	"time"

	"github.com/pkg/errors"
)

const minutesPerDay = 24 * 60

// Interval is one opening of a day in minutes since local midnight. To <= From means the
// interval runs past midnight into the next day (e.g. 22:00-02:00).
type Interval struct {
	From, To int
}

// Schedule is a chat group's business hours. A nil *Schedule is always open (no hours set).
type Schedule struct {
	loc      *time.Location
	week     [7][]Interval // indexed by time.Weekday
	holidays map[string]bool
}

// Parse reads the three settings of a chat group. An empty weekly schedule means "always open"
// and answers nil; zone defaults to UTC when empty. Errors name the line or date at fault.
func Parse(zone, weekly, holidays string) (*Schedule, error) {
	if strings.TrimSpace(weekly) == "" {
		if strings.TrimSpace(holidays) != "" {
			if _, err := parseHolidays(holidays); err != nil {
				return nil, err
			}
		}
		if _, err := loadZone(zone); err != nil {
			return nil, err
		}
		return nil, nil
	}
	loc, err := loadZone(zone)
	if err != nil {
		return nil, err
	}
	s := &Schedule{loc: loc}
	if s.week, err = parseWeek(weekly); err != nil {
		return nil, err
	}
	if s.holidays, err = parseHolidays(holidays); err != nil {
		return nil, err
	}
	return s, nil
}

func loadZone(zone string) (*time.Location, error) {
	zone = strings.TrimSpace(zone)
	if zone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, errors.Errorf("time zone %q is not an IANA time zone (for example America/Sao_Paulo)", zone)
	}
	return loc, nil
}

// Open reports whether t falls inside the business hours. Holidays close their whole local
// date, including the part of an overnight interval that reaches into it.
func (s *Schedule) Open(t time.Time) bool {
	if s == nil {
		return true
	}
	local := t.In(s.loc)
	if s.holidays[local.Format(time.DateOnly)] {
		return false
	}
	minute := local.Hour()*60 + local.Minute()
	for _, iv := range s.week[local.Weekday()] {
		if iv.To > iv.From && minute >= iv.From && minute < iv.To {
			return true
		}
		if iv.To <= iv.From && minute >= iv.From {
			return true
		}
	}
	// Yesterday's overnight intervals reach into today's early minutes.
	yesterday := local.AddDate(0, 0, -1)
	for _, iv := range s.week[yesterday.Weekday()] {
		if iv.To <= iv.From && minute < iv.To && !s.holidays[yesterday.Format(time.DateOnly)] {
			return true
		}
	}
	return false
}

// Location is the schedule's time zone (UTC for a nil schedule).
func (s *Schedule) Location() *time.Location {
	if s == nil {
		return time.UTC
	}
	return s.loc
}

// Holidays lists the holiday dates, sorted.
func (s *Schedule) Holidays() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.holidays))
	for d := range s.holidays {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}
