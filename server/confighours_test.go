package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBusinessHoursSettingsParse(t *testing.T) {
	c := &configuration{PhoneNumberID: "111", BusinessHours: "seg-sex 08:00-18:00", TimeZone: "America/Sao_Paulo",
		Holidays: "2027-12-25", OutOfHoursMessage: "Fora do horário",
		ChatGroups: `[{"name":"vendas","phone_number_id":"222","queue_channel":"fila-vendas","business_hours":"sat 09:00-12:00","time_zone":"America/Manaus","language":"en"}]`}
	c.applyDefaults()
	require.NoError(t, c.validate())
	groups, err := c.parseGroups()
	require.NoError(t, err)
	monday := time.Date(2027, 12, 6, 12, 0, 0, 0, time.UTC) // 09:00 in São Paulo
	assert.True(t, groups[0].OpenAt(monday))
	assert.False(t, groups[1].OpenAt(monday), "vendas opens on saturdays only")
	assert.True(t, groups[1].OpenAt(time.Date(2027, 12, 11, 14, 0, 0, 0, time.UTC)), "10:00 in Manaus")
	assert.Equal(t, "Fora do horário", groups[0].OutOfHoursMessage)
	assert.Equal(t, "en", groups[1].Language)
}

func TestBadBusinessHoursAreRefusedNamingTheLine(t *testing.T) {
	for name, tc := range map[string]struct {
		c    configuration
		want []string
	}{
		"bad day":     {configuration{BusinessHours: "mon 08:00-12:00\nxyz 08:00-12:00"}, []string{"business hours", "line 2", `"xyz"`}},
		"bad zone":    {configuration{BusinessHours: "mon 08:00-12:00", TimeZone: "Brasil/Sampa"}, []string{"time zone", "Brasil/Sampa"}},
		"bad holiday": {configuration{Holidays: "2027-02-30"}, []string{"holiday", "2027-02-30"}},
		"group's hours": {configuration{PhoneNumberID: "1",
			ChatGroups: `[{"name":"vendas","phone_number_id":"2","queue_channel":"x","business_hours":"mon 9-18"}]`},
			[]string{`chat group "vendas"`, "line 1"}},
		"long question": {configuration{SurveyQuestion: strings.Repeat("a", 1025)}, []string{"survey question"}},
	} {
		c := tc.c
		c.applyDefaults()
		err := c.validate()
		require.Error(t, err, name)
		for _, w := range tc.want {
			assert.Contains(t, err.Error(), w, name)
		}
	}
}
