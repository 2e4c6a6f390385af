package hours

import (
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// dayNames maps English and Brazilian Portuguese day abbreviations to weekdays.
var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"dom": time.Sunday, "seg": time.Monday, "ter": time.Tuesday, "qua": time.Wednesday,
	"qui": time.Thursday, "sex": time.Friday, "sab": time.Saturday, "sáb": time.Saturday,
}

// parseWeek reads one day (or a day range like mon-fri) per line followed by comma-separated
// intervals: "mon 08:00-12:00, 13:00-18:00". Blank lines are skipped; a day may appear on
// several lines (its intervals add up).
func parseWeek(text string) ([7][]Interval, error) {
	var week [7][]Interval
	for n, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		fail := func(format string, args ...any) error {
			return errors.Errorf("business hours line %d (%q): %s", n+1, line, errors.Errorf(format, args...).Error())
		}
		dayPart, rest, found := strings.Cut(line, " ")
		if !found || strings.TrimSpace(rest) == "" {
			return week, fail("expected a day and intervals, like mon 08:00-12:00, 13:00-18:00")
		}
		days, err := parseDays(strings.ToLower(dayPart))
		if err != nil {
			return week, fail("%s", err.Error())
		}
		for _, part := range strings.Split(rest, ",") {
			iv, err := parseInterval(strings.TrimSpace(part))
			if err != nil {
				return week, fail("%s", err.Error())
			}
			for _, d := range days {
				week[d] = append(week[d], iv)
			}
		}
	}
	return week, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	from, to, isRange := strings.Cut(s, "-")
	first, ok := dayNames[from]
	if !ok {
		return nil, errors.Errorf("unknown day %q (use mon…sun or seg…dom)", from)
	}
	if !isRange {
		return []time.Weekday{first}, nil
	}
	last, ok := dayNames[to]
	if !ok {
		return nil, errors.Errorf("unknown day %q (use mon…sun or seg…dom)", to)
	}
	days := []time.Weekday{first}
	for d := first; d != last; {
		d = (d + 1) % 7
		days = append(days, d)
	}
	return days, nil
}

func parseInterval(s string) (Interval, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return Interval{}, errors.Errorf("interval %q must look like 08:00-12:00", s)
	}
	a, err := parseClock(strings.TrimSpace(from), false)
	if err != nil {
		return Interval{}, err
	}
	b, err := parseClock(strings.TrimSpace(to), true)
	if err != nil {
		return Interval{}, err
	}
	if a == b {
		return Interval{}, errors.Errorf("interval %q is empty", s)
	}
	if b == minutesPerDay {
		b = 0 // 24:00 closes at midnight: an interval reaching the next day's 00:00
		if a == 0 {
			return Interval{From: 0, To: minutesPerDay}, nil
		}
	}
	return Interval{From: a, To: b}, nil
}

// parseClock reads HH:MM; 24:00 is allowed as an end.
func parseClock(s string, end bool) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hour < 0 || minute < 0 || minute > 59 || hour > 24 || (hour == 24 && (!end || minute != 0)) {
		return 0, errors.Errorf("time %q must be HH:MM between 00:00 and 24:00", s)
	}
	return hour*60 + minute, nil
}

// parseHolidays reads ISO dates (2026-12-25) separated by commas or new lines.
func parseHolidays(text string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, field := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		date := strings.TrimSpace(field)
		if date == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			return nil, errors.Errorf("holiday %q is not an ISO date like 2026-12-25", date)
		}
		out[date] = true
	}
	return out, nil
}
