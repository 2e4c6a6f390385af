package bintest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

func (e *env) reminders(channelID string) []string {
	var out []string
	for _, p := range e.store.Posts(channelID) {
		if p.GetProp("wa_kind") == "window_reminder" {
			out = append(out, p.Message)
		}
	}
	return out
}

func (e *env) moveClock(d time.Duration) {
	e.t.Helper()
	require.NoError(e.t, e.c.UpdateSettings(map[string]any{"ClockOffsetMillis": d.Milliseconds()}))
}

func TestWindowReminderAt23HoursOncePerWindowOnTwoNodes(t *testing.T) {
	e := newEnv(t, 2, withSetting("JobIntervalMillis", 50))
	start := time.Now()
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))

	// 22 hours after the customer's message: nothing yet.
	e.moveClock(22 * time.Hour)
	time.Sleep(500 * time.Millisecond) // many rounds of the job on both nodes
	assert.Empty(t, e.reminders(ch.Id), "not at 22 hours")

	// 23 hours: alice is told once, in the channel, by name.
	e.moveClock(23*time.Hour + time.Minute)
	e.eventually(func() bool { return len(e.reminders(ch.Id)) > 0 }, "the reminder arrives at 23 hours")
	time.Sleep(500 * time.Millisecond)
	got := e.reminders(ch.Id)
	require.Len(t, got, 1, "once, whatever the number of nodes and rounds")
	assert.Contains(t, got[0], "@alice")
	assert.Contains(t, got[0], "one hour")
	assert.Empty(t, e.graph.Sent(), "the reminder stays inside Mattermost")

	// The customer writes again: a new window, and a new reminder 23 hours later.
	later := start.Add(23*time.Hour + 2*time.Minute)
	rec := e.deliver(1, e.graph.InboundText(maria, "Maria Souza", fakegraph.NewWAMID(), "ainda estou aqui", later))
	require.Equal(t, http.StatusOK, rec.Code)
	e.waitIdle()
	time.Sleep(300 * time.Millisecond)
	assert.Len(t, e.reminders(ch.Id), 1, "the new window is not near its end")
	e.moveClock(later.Sub(start) + 23*time.Hour + time.Minute)
	e.eventually(func() bool { return len(e.reminders(ch.Id)) == 2 }, "a reminder for the new window")
	time.Sleep(300 * time.Millisecond)
	assert.Len(t, e.reminders(ch.Id), 2)

	// Past the window nothing more is said.
	e.moveClock(later.Sub(start) + 25*time.Hour)
	time.Sleep(300 * time.Millisecond)
	assert.Len(t, e.reminders(ch.Id), 2)
}
