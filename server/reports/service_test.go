package reports

import (
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

var day = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

func at(h, m, s int) int64 {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second).UnixMilli()
}

func TestClosedConversationsAndCSATMakeTheSummary(t *testing.T) {
	s := &Service{KV: &pluginapi.MemoryStore{}}
	convs := []*helpdesk.Conversation{
		// alice: wait 2m, first response 1m, handle 10m
		{ID: "c1", Group: "default", AgentID: "alice", CreatedAt: at(9, 0, 0), AttendedAt: at(9, 2, 0), FirstResponseAt: at(9, 3, 0), ClosedAt: at(9, 12, 0)},
		// alice: wait 4m, first response 3m, handle 20m
		{ID: "c2", Group: "default", AgentID: "alice", CreatedAt: at(9, 30, 0), AttendedAt: at(9, 34, 0), FirstResponseAt: at(9, 37, 0), ClosedAt: at(9, 54, 0)},
		// bob: wait 6m, never answered, handle 30m
		{ID: "c3", Group: "default", AgentID: "bob", CreatedAt: at(14, 0, 0), AttendedAt: at(14, 6, 0), ClosedAt: at(14, 36, 0)},
		// closed while waiting: counted, not attended
		{ID: "c4", Group: "default", CreatedAt: at(23, 59, 0), ClosedAt: at(23, 59, 30)},
		// another group: not in this report
		{ID: "c5", Group: "sales", AgentID: "bob", CreatedAt: at(10, 0, 0), AttendedAt: at(10, 1, 0), ClosedAt: at(10, 2, 0)},
	}
	for _, c := range convs {
		require.NoError(t, s.Closed(c))
	}
	// A close repaired on another node, or run twice, counts once.
	require.NoError(t, s.Closed(convs[0]))

	// The survey (issue 14a) adds scores to the conversation's day, at once from two nodes.
	var wg sync.WaitGroup
	for _, sc := range []struct {
		agent string
		score int
	}{{"alice", 3}, {"alice", 2}, {"bob", 1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, s.AddCSAT("default", time.UnixMilli(at(9, 0, 0)), sc.agent, sc.score))
		}()
	}
	wg.Wait()
	assert.Error(t, s.AddCSAT("default", day, "alice", 4), "scores are 1 to 3")

	sum, err := s.Sum([]string{"default"}, Period{From: day.AddDate(0, 0, -1), To: day})
	require.NoError(t, err)
	got := Summarize(sum, func(id string) string { return "@" + id })
	assert.Equal(t, 4, got.Conversations)
	assert.Equal(t, 3, got.Attended)
	assert.Equal(t, float64(240), got.AvgWaitSeconds, "(2+4+6)/3 minutes")
	assert.Equal(t, float64(120), got.AvgFirstResponseSeconds, "(1+3)/2 minutes, the unanswered one left out")
	assert.Equal(t, float64(1200), got.AvgHandleSeconds, "(10+20+30)/3 minutes")
	assert.Equal(t, 2.0, got.CSATAvg)
	assert.Equal(t, 3, got.CSATCount)
	want := [24]int{}
	want[9], want[14], want[23] = 2, 1, 1
	assert.Equal(t, want, got.ByHour)
	require.Len(t, got.ByAgent, 2)
	assert.Equal(t, AgentSummary{UserID: "alice", Name: "@alice", Conversations: 2, AvgFirstResponseSeconds: 120, AvgHandleSeconds: 900, CSATAvg: 2.5, CSATCount: 2}, got.ByAgent[0])
	assert.Equal(t, AgentSummary{UserID: "bob", Name: "@bob", Conversations: 1, AvgHandleSeconds: 1800, CSATAvg: 1, CSATCount: 1}, got.ByAgent[1])

	// The next day holds nothing; both groups together add the sales conversation.
	next, err := s.Sum([]string{"default"}, Period{From: day.AddDate(0, 0, 1), To: day.AddDate(0, 0, 1)})
	require.NoError(t, err)
	assert.Zero(t, next.Conversations)
	both, err := s.Sum([]string{"default", "sales"}, Period{From: day, To: day})
	require.NoError(t, err)
	assert.Equal(t, 5, both.Conversations)
}

func TestDaysFollowTheGroupsTimeZone(t *testing.T) {
	saoPaulo, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	s := &Service{KV: &pluginapi.MemoryStore{}, Location: func(string) *time.Location { return saoPaulo }}
	// 01:30 UTC on the 4th is 22:30 on the 3rd in São Paulo.
	created := day.AddDate(0, 0, 1).Add(90 * time.Minute).UnixMilli()
	require.NoError(t, s.Closed(&helpdesk.Conversation{ID: "c1", Group: "default", CreatedAt: created, ClosedAt: created + 1000}))
	sum, err := s.Sum([]string{"default"}, Period{From: day, To: day})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Conversations)
	assert.Equal(t, 1, sum.Hours[22])
}

func TestPeriodIsBounded(t *testing.T) {
	_, err := Period{From: day, To: day.AddDate(0, 0, -1)}.Days()
	assert.ErrorIs(t, err, helpdesk.ErrInvalid)
	_, err = Period{From: day.AddDate(-2, 0, 0), To: day}.Days()
	assert.ErrorIs(t, err, helpdesk.ErrInvalid)
	days, err := Period{From: day.AddDate(0, 0, -6), To: day}.Days()
	require.NoError(t, err)
	assert.Len(t, days, 7)
	assert.Equal(t, "2026-12-03", days[6])
}

func TestBackfillAddsEarlierClosedConversationsOnce(t *testing.T) {
	s := &Service{KV: &pluginapi.MemoryStore{}}
	counted := &helpdesk.Conversation{ID: "c1", Group: "default", State: helpdesk.StateClosed, AgentID: "alice", CreatedAt: at(8, 0, 0), AttendedAt: at(8, 1, 0), ClosedAt: at(8, 11, 0)}
	require.NoError(t, s.Closed(counted)) // closed after the upgrade: already counted
	earlier := &helpdesk.Conversation{ID: "c2", Group: "default", State: helpdesk.StateClosed, AgentID: "bob", CreatedAt: at(9, 0, 0), AttendedAt: at(9, 3, 0), ClosedAt: at(9, 33, 0)}
	closing := &helpdesk.Conversation{ID: "c3", Group: "default", State: helpdesk.StateClosing, CreatedAt: at(10, 0, 0)}

	for run := 0; run < 2; run++ { // a rerun (a node died midway) adds nothing
		_, err := s.Backfill([]*helpdesk.Conversation{counted, earlier, closing})
		require.NoError(t, err)
	}
	sum, err := s.Sum([]string{"default"}, Period{From: day, To: day})
	require.NoError(t, err)
	got := Summarize(sum, func(id string) string { return id })
	assert.Equal(t, 2, got.Conversations, "the closing one is counted when its close completes")
	assert.Equal(t, float64(120), got.AvgWaitSeconds, "(1+3)/2 minutes")
	assert.Equal(t, float64(1200), got.AvgHandleSeconds, "(10+30)/2 minutes")
}
