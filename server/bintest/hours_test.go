package bintest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// hoursAhead is a one-hour business-hours line that opens two to three hours from now (UTC),
// and the clock offset that lands five minutes after it opens.
func hoursAhead() (line string, offsetMillis int64) {
	now := time.Now().UTC()
	opens := now.Add(2 * time.Hour).Truncate(time.Hour)
	days := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	line = fmt.Sprintf("%s %02d:00-%02d:00", days[opens.Weekday()], opens.Hour(), opens.Hour()+1)
	return line, opens.Add(5 * time.Minute).Sub(now).Milliseconds()
}

func (e *env) outsideHours(userID string) []string {
	e.t.Helper()
	code, body := e.api(0, userID, http.MethodGet, "/hours", nil)
	require.Equal(e.t, http.StatusOK, code, string(body))
	var v struct {
		OutsideHours []string `json:"outside_hours"`
	}
	require.NoError(e.t, json.Unmarshal(body, &v))
	return v.OutsideHours
}

func TestOutOfHoursConversationWaitsUntilHoursBegin(t *testing.T) {
	line, offset := hoursAhead()
	const outOfHours = "Estamos fora do horário de atendimento; respondemos assim que abrirmos."
	e := newEnv(t, 1, withSetting("AutoDistribution", true), withSetting("JobIntervalMillis", 100),
		withSetting("BusinessHours", line), withSetting("TimeZone", "UTC"), withSetting("Holidays", ""),
		withSetting("OutOfHoursMessage", outOfHours), withSetting("AgentsOfflineMessage", "Ninguém online"))
	assert.Equal(t, []string{"default"}, e.outsideHours(e.alice.Id), "the panel is told the desk is closed")

	_, ch := e.conversation(maria, "Maria Souza")
	e.waitIdle()
	e.eventually(func() bool { return len(e.sentTexts()) > 0 }, "the out-of-hours message is sent")
	e.text(maria, "Maria Souza", fakegraph.NewWAMID(), "alguém aí?")
	e.waitIdle()
	time.Sleep(400 * time.Millisecond) // several distribution rounds
	assert.Equal(t, []string{outOfHours}, e.sentTexts(), "sent once per conversation, and nothing else")
	assert.False(t, e.store.IsChannelMember(ch.Id, e.alice.Id) || e.store.IsChannelMember(ch.Id, e.bob.Id),
		"nobody is handed a conversation outside business hours")
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/conversations?state=waiting", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), "Maria Souza", "it waits")
	var posts []string
	for _, p := range e.store.Posts(ch.Id) {
		posts = append(posts, p.Message)
	}
	assert.Contains(t, strings.Join(posts, "\n"), outOfHours, "the agent sees what the customer was told")

	// Hours begin: the periodic distribution hands the conversation out.
	require.NoError(t, e.c.UpdateSettings(map[string]any{"ClockOffsetMillis": offset}))
	e.eventually(func() bool {
		return e.store.IsChannelMember(ch.Id, e.alice.Id) || e.store.IsChannelMember(ch.Id, e.bob.Id)
	}, "handed out once business hours begin")
	assert.Empty(t, e.outsideHours(e.alice.Id))
	assert.Equal(t, []string{outOfHours}, e.sentTexts(), "no second out-of-hours message")
}

func TestBadBusinessHoursAreRefusedByTheSystemConsoleNamingTheLine(t *testing.T) {
	e := newEnv(t, 1, withSetting("BusinessHours", "mon 08:00-18:00\nfri 9h-18h"))
	require.NoError(t, e.node(0).Healthy(), "a bad value never crashes the plugin")
	assert.Contains(t, e.store.LogText(), `business hours line 2 ("fri 9h-18h"): time "9h" must be HH:MM`)
	rec := e.deliver(0, e.graph.InboundText(maria, "Maria", "wamid.h", "oi", time.Now()))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "Meta retries once the setting is fixed")

	cfg := e.store.Config()
	cfg.PluginSettings.Plugins[pluginID] = map[string]any{"teamname": "acme", "businesshours": "seg 08:00-12:00", "timezone": "America/Recife",
		"chatgroups": `[{"name":"vendas","phone_number_id":"9","queue_channel":"fila-vendas","holidays":"2027-02-08, 08/02/2027"}]`}
	_, err := e.node(0).Hooks().ConfigurationWillBeSaved(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `chat group "vendas": holiday "08/02/2027" is not an ISO date`)

	cfg.PluginSettings.Plugins[pluginID] = map[string]any{"teamname": "acme", "businesshours": "seg-sex 08:00-18:00\nsab 08:00-12:00", "timezone": "America/Recife"}
	_, err = e.node(0).Hooks().ConfigurationWillBeSaved(cfg)
	assert.NoError(t, err)
}
