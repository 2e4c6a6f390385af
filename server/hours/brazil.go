package hours

import (
	"strings"
	"time"
)

// BrazilHolidays lists Brazil's national holidays of year as ISO dates: the fixed ones (Jan 1,
// Tiradentes Apr 21, Labour Day May 1, Independence Sep 7, Aparecida Oct 12, All Souls Nov 2,
// Republic Nov 15, Black Consciousness Nov 20, Christmas Dec 25) and the movable ones as
// commonly observed by businesses: Carnival Monday and Tuesday and Corpus Christi (officially
// "pontos facultativos") and Good Friday.
func BrazilHolidays(year int) []string {
	easter := Easter(year)
	dates := []time.Time{
		time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC),
		easter.AddDate(0, 0, -48), // Carnival Monday
		easter.AddDate(0, 0, -47), // Carnival Tuesday
		easter.AddDate(0, 0, -2),  // Good Friday
		time.Date(year, time.April, 21, 0, 0, 0, 0, time.UTC),
		time.Date(year, time.May, 1, 0, 0, 0, 0, time.UTC),
		easter.AddDate(0, 0, 60), // Corpus Christi
		time.Date(year, time.September, 7, 0, 0, 0, 0, time.UTC),
		time.Date(year, time.October, 12, 0, 0, 0, 0, time.UTC),
		time.Date(year, time.November, 2, 0, 0, 0, 0, time.UTC),
		time.Date(year, time.November, 15, 0, 0, 0, 0, time.UTC),
		time.Date(year, time.November, 20, 0, 0, 0, 0, time.UTC),
		time.Date(year, time.December, 25, 0, 0, 0, 0, time.UTC),
	}
	out := make([]string, 0, len(dates))
	seen := map[string]bool{}
	for _, d := range dates {
		s := d.Format(time.DateOnly)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// BrazilHolidayList is the comma-separated holidays of the years from..to, the format of the
// holidays setting.
func BrazilHolidayList(from, to int) string {
	var all []string
	for y := from; y <= to; y++ {
		all = append(all, BrazilHolidays(y)...)
	}
	return strings.Join(all, ", ")
}

// Easter is Western Easter Sunday of year (the anonymous Gregorian algorithm).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
