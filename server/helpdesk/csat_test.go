package helpdesk

import (
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
)

func TestSurveyReplyIDs(t *testing.T) {
	id := model.NewId()
	got, score, ok := ParseSurveyReply(SurveyReplyID(id, 2))
	assert.True(t, ok)
	assert.Equal(t, id, got)
	assert.Equal(t, 2, score)
	for _, bad := range []string{"", "csat:", "csat:" + id, "csat:" + id + ":4", "csat:" + id + ":0", "csat:short:3", "other:" + id + ":3", "csat:" + id + ":x"} {
		_, _, ok := ParseSurveyReply(bad)
		assert.False(t, ok, bad)
	}
}

func TestReminderDue(t *testing.T) {
	last := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	c := &Conversation{State: StateActive, AgentID: "a", LastInboundAt: last.UnixMilli()}
	assert.False(t, c.ReminderDue(last.Add(22*time.Hour+59*time.Minute)))
	assert.True(t, c.ReminderDue(last.Add(23*time.Hour)))
	assert.True(t, c.ReminderDue(last.Add(23*time.Hour+59*time.Minute)))
	assert.False(t, c.ReminderDue(last.Add(24*time.Hour)), "the window is closed: too late")
	waiting := *c
	waiting.State, waiting.AgentID = StateWaiting, ""
	assert.False(t, waiting.ReminderDue(last.Add(23*time.Hour+time.Minute)), "nobody attends it")
}
