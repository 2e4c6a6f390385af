package hours

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func at(t *testing.T, zone, local string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	require.NoError(t, err)
	ts, err := time.ParseInLocation("2006-01-02 15:04", local, loc)
	require.NoError(t, err)
	return ts
}

func TestOpen(t *testing.T) {
	const week = "mon-fri 08:00-12:00, 13:00-18:00\nsab 09:00-13:00\nfri 22:00-02:00"
	s, err := Parse("America/Sao_Paulo", week, "2027-12-24, 2027-12-25\n2027-12-31")
	require.NoError(t, err)
	for _, tc := range []struct {
		name, local string
		open        bool
	}{
		{"monday morning", "2027-12-06 08:00", true},
		{"just before opening", "2027-12-06 07:59", false},
		{"lunch break", "2027-12-06 12:30", false},
		{"closing minute is closed", "2027-12-06 18:00", false},
		{"afternoon", "2027-12-06 17:59", true},
		{"saturday by its Portuguese name", "2027-12-11 10:00", true},
		{"saturday afternoon", "2027-12-11 14:00", false},
		{"sunday", "2027-12-12 10:00", false},
		{"friday night crossing midnight", "2027-12-10 23:30", true},
		{"saturday early from friday's interval", "2027-12-11 01:59", true},
		{"saturday 02:00 is past it", "2027-12-11 02:00", false},
		{"holiday friday", "2027-12-24 10:00", false},
		{"holiday saturday, even the overnight tail", "2027-12-25 01:00", false},
		{"holiday closes its own overnight start", "2027-12-24 23:00", false},
		{"day after the holiday's overnight interval", "2027-12-25 00:30", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.open, s.Open(at(t, "America/Sao_Paulo", tc.local)))
		})
	}
}

func TestZonesWithoutDST(t *testing.T) {
	// Brazil has had no daylight saving time since 2019: São Paulo is UTC-3 and Manaus UTC-4
	// all year, in January as in July.
	for _, tc := range []struct {
		zone string
		utc  string
		open bool
	}{
		{"America/Sao_Paulo", "2027-01-11T11:00:00Z", true},  // 08:00 local
		{"America/Sao_Paulo", "2027-07-12T10:59:00Z", false}, // 07:59 local
		{"America/Manaus", "2027-01-11T11:00:00Z", false},    // 07:00 local
		{"America/Manaus", "2027-07-12T12:00:00Z", true},     // 08:00 local
		{"America/Noronha", "2027-07-12T10:00:00Z", true},    // 08:00 local (UTC-2)
	} {
		s, err := Parse(tc.zone, "mon 08:00-18:00", "")
		require.NoError(t, err)
		ts, err := time.Parse(time.RFC3339, tc.utc)
		require.NoError(t, err)
		assert.Equal(t, tc.open, s.Open(ts), "%s at %s", tc.zone, tc.utc)
	}
}

func TestNoScheduleIsAlwaysOpen(t *testing.T) {
	s, err := Parse("America/Sao_Paulo", "  \n", "2027-12-25")
	require.NoError(t, err)
	assert.Nil(t, s)
	assert.True(t, s.Open(time.Now()))
	full, err := Parse("", "dom 00:00-24:00", "")
	require.NoError(t, err)
	assert.True(t, full.Open(at(t, "UTC", "2027-12-12 23:59")))
	assert.False(t, full.Open(at(t, "UTC", "2027-12-13 00:00")))
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		zone, week, holidays string
		want                 []string
	}{
		{"Mars/Olympus", "mon 08:00-12:00", "", []string{`time zone "Mars/Olympus"`}},
		{"UTC", "mon 08:00-12:00\nfoo 09:00-10:00", "", []string{"line 2", `unknown day "foo"`}},
		{"UTC", "mon 8h-12h", "", []string{"line 1", "HH:MM"}},
		{"UTC", "mon 08:00-25:00", "", []string{"line 1", `"25:00"`}},
		{"UTC", "mon 08:00-08:00", "", []string{"empty"}},
		{"UTC", "mon", "", []string{"line 1", "expected a day and intervals"}},
		{"UTC", "mon 08:00-12:00", "2027-13-01", []string{`holiday "2027-13-01"`}},
		{"UTC", "", "25/12/2027", []string{`holiday "25/12/2027"`}},
	} {
		_, err := Parse(tc.zone, tc.week, tc.holidays)
		require.Error(t, err, "%q %q %q", tc.zone, tc.week, tc.holidays)
		for _, w := range tc.want {
			assert.Contains(t, err.Error(), w)
		}
	}
}

func TestBrazilHolidays(t *testing.T) {
	assert.Equal(t, "2027-03-28", Easter(2027).Format(time.DateOnly))
	assert.Equal(t, "2028-04-16", Easter(2028).Format(time.DateOnly))
	assert.Equal(t, "2029-04-01", Easter(2029).Format(time.DateOnly))
	assert.Equal(t, "2030-04-21", Easter(2030).Format(time.DateOnly))
	h2027 := BrazilHolidays(2027)
	for _, d := range []string{"2027-02-08", "2027-02-09", "2027-03-26", "2027-05-27", "2027-11-20", "2027-12-25"} {
		assert.Contains(t, h2027, d)
	}
	// 2030: Good Friday is Apr 19; Corpus Christi Jun 20.
	h2030 := BrazilHolidays(2030)
	assert.Contains(t, h2030, "2030-04-19")
	assert.Contains(t, h2030, "2030-06-20")
	assert.Len(t, h2030, 13)
	list := BrazilHolidayList(2027, 2030)
	s, err := Parse("America/Sao_Paulo", "mon-sun 00:00-24:00", list)
	require.NoError(t, err)
	assert.False(t, s.Open(at(t, "America/Sao_Paulo", "2028-02-29 10:00")), "Carnival Tuesday 2028")
	assert.True(t, s.Open(at(t, "America/Sao_Paulo", "2028-03-01 10:00")), "Ash Wednesday is a working day")
	assert.Equal(t, 13*4, strings.Count(list, ",")+1)
}
