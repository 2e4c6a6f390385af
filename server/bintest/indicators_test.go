package bintest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type agentLine struct {
	UserID string `json:"user_id"`
	Online bool   `json:"online"`
	Paused bool   `json:"paused"`
	Active int    `json:"active"`
}

func (e *env) agents(userID string) map[string]agentLine {
	e.t.Helper()
	code, body := e.api(0, userID, http.MethodGet, "/agents", nil)
	require.Equal(e.t, http.StatusOK, code, string(body))
	var out struct {
		Items []agentLine `json:"items"`
	}
	require.NoError(e.t, json.Unmarshal(body, &out))
	m := map[string]agentLine{}
	for _, a := range out.Items {
		m[a.UserID] = a
	}
	return m
}

func TestPausedAgentsGetNoDistributionUntilTheyResume(t *testing.T) {
	e := newEnv(t, 2, withSetting("AutoDistribution", true), withSetting("MaxConversationsPerAgent", 1), withSetting("JobIntervalMillis", 200))

	// Alice pauses with the command, bob with the panel's switch (on the other node).
	assert.Contains(t, e.command(e.alice.Id, e.queue.Id, "/whatsapp pause"), "Paused")
	code, body := e.api(1, e.bob.Id, http.MethodPost, "/agents/me/pause", map[string]any{"paused": true})
	require.Equal(t, http.StatusOK, code, string(body))
	code, body = e.api(1, e.bob.Id, http.MethodPost, "/agents/me/pause", map[string]any{})
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, string(body), `paused`, "a body without paused is refused, saying what to send")

	code, _ = e.api(0, e.carol.Id, http.MethodGet, "/agents", nil)
	assert.Equal(t, http.StatusForbidden, code, "carol is no agent")
	agents := e.agents(e.alice.Id)
	assert.Equal(t, agentLine{UserID: e.alice.Id, Online: true, Paused: true}, agents[e.alice.Id])
	assert.Equal(t, agentLine{UserID: e.bob.Id, Online: true, Paused: true}, agents[e.bob.Id])

	// Both online and free, both paused: the new conversation waits, through several job runs.
	c1, ch1 := e.conversation("5511911111111", "Ana")
	e.waitIdle()
	time.Sleep(time.Second)
	assert.False(t, e.store.IsChannelMember(ch1.Id, e.alice.Id), "alice paused")
	assert.False(t, e.store.IsChannelMember(ch1.Id, e.bob.Id), "bob paused")
	code, body = e.api(0, e.alice.Id, http.MethodGet, "/conversations?state=waiting", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), c1)

	// Alice resumes: it is handed to her at once; bob, still paused, gets nothing.
	assert.Contains(t, e.command(e.alice.Id, e.queue.Id, "/whatsapp resume"), "Resumed")
	e.eventually(func() bool { return e.store.IsChannelMember(ch1.Id, e.alice.Id) }, "a resumed agent gets the waiting conversation")
	assert.Equal(t, 1, e.agents(e.bob.Id)[e.alice.Id].Active)

	// Alice is full, bob paused: the next one waits; a paused agent may still attend by hand.
	c2, ch2 := e.conversation("5511922222222", "Bruno")
	e.waitIdle()
	time.Sleep(500 * time.Millisecond)
	assert.False(t, e.store.IsChannelMember(ch2.Id, e.bob.Id), "bob paused")
	c3, ch3 := e.conversation("5511933333333", "Carla")
	require.Equal(t, http.StatusOK, e.attend(0, e.bob.Id, c3))
	assert.True(t, e.store.IsChannelMember(ch3.Id, e.bob.Id))

	// Bob resumes from the panel, but he is full (limit 1), so c2 still waits...
	code, _ = e.api(0, e.bob.Id, http.MethodPost, "/agents/me/pause", map[string]any{"paused": false})
	require.Equal(t, http.StatusOK, code)
	time.Sleep(500 * time.Millisecond)
	assert.False(t, e.store.IsChannelMember(ch2.Id, e.bob.Id), "bob is full")
	// ...until he closes his conversation, and then it is his.
	code, body = e.api(1, e.bob.Id, http.MethodPost, "/conversations/"+c3+"/close", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	e.eventually(func() bool { return e.store.IsChannelMember(ch2.Id, e.bob.Id) }, "a resumed agent with room gets the next conversation")
	assert.False(t, e.agents(e.alice.Id)[e.bob.Id].Paused)
	_ = c2
}

// reactionSends are the reaction messages the fake Graph API accepted.
func (e *env) reactionSends() []map[string]any {
	var out []map[string]any
	for _, m := range e.graph.Sent() {
		if m.Type == "reaction" {
			r, _ := m.Raw["reaction"].(map[string]any)
			out = append(out, r)
		}
	}
	return out
}

func (e *env) creditsUsed() float64 {
	e.t.Helper()
	code, body := e.api(0, e.admin.Id, http.MethodGet, "/credits", nil)
	require.Equal(e.t, http.StatusOK, code)
	var c map[string]float64
	require.NoError(e.t, json.Unmarshal(body, &c))
	return c["used"]
}

func TestAgentReactionReachesWhatsAppOnceOnTwoNodes(t *testing.T) {
	e := newEnv(t, 2)
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	customer := e.customerPosts(ch.Id)[0]
	wamid := customer.GetProp("wa_wamid").(string)
	e.waitIdle()
	e.graph.Reset()
	used := e.creditsUsed()

	// Alice reacts on node 1; the hook also runs again on both nodes at once (a redelivery).
	r := &model.Reaction{UserId: e.alice.Id, PostId: customer.Id, EmojiName: "+1"}
	_, appErr := e.node(1).API().AddReaction(r)
	require.Nil(t, appErr)
	e.waitIdle()
	stored := e.store.Reactions(customer.Id)
	require.Len(t, stored, 1)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.node(i).Hooks().ReactionHasBeenAdded(nil, stored[0])
		}()
	}
	wg.Wait()
	e.waitIdle()
	sent := e.reactionSends()
	require.Len(t, sent, 1, "one reaction, whatever node or redelivery runs the hook")
	assert.Equal(t, map[string]any{"message_id": wamid, "emoji": "👍"}, sent[0])
	assert.Equal(t, maria, e.graph.Sent()[0].To)
	assert.Equal(t, used+1, e.creditsUsed(), "a reaction costs a credit")

	// The bot's own reactions (the customer's, mirrored) and reactions on agents' posts stay here.
	agentPost := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Oi Maria"})
	_, appErr = e.node(0).API().AddReaction(&model.Reaction{UserId: e.alice.Id, PostId: agentPost.Id, EmojiName: "heart"})
	require.Nil(t, appErr)
	e.waitIdle()
	assert.Len(t, e.reactionSends(), 1)

	// Removing it sends an empty emoji, once.
	require.Nil(t, e.node(0).API().RemoveReaction(r))
	e.waitIdle()
	e.node(1).Hooks().ReactionHasBeenRemoved(nil, r)
	e.waitIdle()
	sent = e.reactionSends()
	require.Len(t, sent, 2)
	assert.Equal(t, map[string]any{"message_id": wamid, "emoji": ""}, sent[1])

	// Adding it again is a new change and is sent again.
	_, appErr = e.node(1).API().AddReaction(r)
	require.Nil(t, appErr)
	e.waitIdle()
	require.Len(t, e.reactionSends(), 3)

	// A custom emoji cannot reach WhatsApp: the agent is told.
	_, appErr = e.node(0).API().AddReaction(&model.Reaction{UserId: e.alice.Id, PostId: customer.Id, EmojiName: "company-logo"})
	require.Nil(t, appErr)
	e.waitIdle()
	assert.Len(t, e.reactionSends(), 3)
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "custom")

	// Outside the 24-hour window nothing is sent and the agent is told why.
	require.NoError(t, e.c.UpdateSettings(map[string]any{"ClockOffsetMillis": (25 * time.Hour).Milliseconds()}))
	_, appErr = e.node(1).API().AddReaction(&model.Reaction{UserId: e.alice.Id, PostId: customer.Id, EmojiName: "smile"})
	require.Nil(t, appErr)
	e.waitIdle()
	assert.Len(t, e.reactionSends(), 3)
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "24-hour customer-service window is closed")
}

// scriptedClock pins the plugin's clock to instants of a script: base plus the scripted time,
// whatever real time the test's steps take (hidden ClockOffsetMillis).
type scriptedClock struct {
	e    *env
	base time.Time
}

func (c scriptedClock) at(scripted time.Duration) {
	c.e.t.Helper()
	offset := time.Until(c.base.Add(scripted)).Milliseconds()
	require.NoError(c.e.t, c.e.c.UpdateSettings(map[string]any{"ClockOffsetMillis": offset}))
}

type summary struct {
	Conversations           int     `json:"conversations"`
	Attended                int     `json:"attended"`
	AvgWaitSeconds          float64 `json:"avg_wait_seconds"`
	AvgFirstResponseSeconds float64 `json:"avg_first_response_seconds"`
	AvgHandleSeconds        float64 `json:"avg_handle_seconds"`
	CSATAvg                 float64 `json:"csat_avg"`
	CSATCount               int     `json:"csat_count"`
	TimeZone                string  `json:"time_zone"`
	ByAgent                 []struct {
		UserID                  string  `json:"user_id"`
		Name                    string  `json:"name"`
		Conversations           int     `json:"conversations"`
		AvgFirstResponseSeconds float64 `json:"avg_first_response_seconds"`
		AvgHandleSeconds        float64 `json:"avg_handle_seconds"`
	} `json:"by_agent"`
	ByHour []int `json:"by_hour"`
}

// scriptIndicatorsDay runs four conversations with known times and returns the clock's base:
//
//	A (alice): created 0, attended 2m, answered 3m, closed 10m  → wait 120, first 60, handle 480
//	B (bob):   created 0, attended 5m, answered 15m, closed 25m → wait 300, first 600, handle 1200
//	C:         created 25m, closed by an admin while waiting at 26m (counted, not attended)
//	D (alice): created 26m, attended 31m, never answered, closed 41m → wait 300, handle 600
func scriptIndicatorsDay(e *env) scriptedClock {
	e.t.Helper()
	clock := scriptedClock{e: e, base: time.Now().Add(5 * time.Second)}
	closeAs := func(userID, convID string) {
		e.t.Helper()
		code, body := e.api(0, userID, http.MethodPost, "/conversations/"+convID+"/close", nil)
		require.Equal(e.t, http.StatusOK, code, string(body))
		e.waitIdle()
	}
	clock.at(0)
	a, chA := e.conversation("5511911111111", "Ana")
	b, chB := e.conversation("5511922222222", "Bruno")
	e.waitIdle()
	clock.at(2 * time.Minute)
	require.Equal(e.t, http.StatusOK, e.attend(0, e.alice.Id, a))
	clock.at(3 * time.Minute)
	e.say(e.alice.Id, &model.Post{ChannelId: chA.Id, Message: "Olá Ana, como posso ajudar?"})
	e.say(e.alice.Id, &model.Post{ChannelId: chA.Id, Message: "// nota interna: não conta"})
	clock.at(5 * time.Minute)
	require.Equal(e.t, http.StatusOK, e.attend(0, e.bob.Id, b))
	clock.at(8 * time.Minute)
	e.say(e.alice.Id, &model.Post{ChannelId: chA.Id, Message: "Pronto, resolvido"})
	clock.at(10 * time.Minute)
	closeAs(e.alice.Id, a)
	clock.at(15 * time.Minute)
	e.say(e.bob.Id, &model.Post{ChannelId: chB.Id, Message: "Oi Bruno"})
	clock.at(25 * time.Minute)
	closeAs(e.bob.Id, b)
	c, _ := e.conversation("5511933333333", "Carla")
	clock.at(26 * time.Minute)
	closeAs(e.admin.Id, c)
	d, _ := e.conversation("5511944444444", "Davi")
	clock.at(31 * time.Minute)
	require.Equal(e.t, http.StatusOK, e.attend(0, e.alice.Id, d))
	clock.at(41 * time.Minute)
	closeAs(e.alice.Id, d)
	return clock
}

func TestIndicatorsOfAScriptedDayEqualHandComputedValues(t *testing.T) {
	e := newEnv(t, 1)
	clock := scriptIndicatorsDay(e)

	// The period around the script (it may cross midnight UTC), in days of the plugin's clock.
	from := clock.base.UTC().AddDate(0, 0, -1).Format("2006-01-02")
	to := clock.base.Add(time.Hour).UTC().Format("2006-01-02")
	code, body := e.api(0, e.bob.Id, http.MethodGet, "/reports/summary?from="+from+"&to="+to+"&group=default", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	var s summary
	require.NoError(t, json.Unmarshal(body, &s))
	assert.Equal(t, 4, s.Conversations)
	assert.Equal(t, 3, s.Attended)
	assert.Equal(t, float64((120+300+300)/3), s.AvgWaitSeconds, "TME")
	assert.Equal(t, float64((60+600)/2), s.AvgFirstResponseSeconds, "first response: internal notes and later answers do not count; D never answered")
	assert.Equal(t, float64((480+1200+600)/3), s.AvgHandleSeconds, "TMA")
	assert.Zero(t, s.CSATCount, "no survey answers")
	assert.Equal(t, "UTC", s.TimeZone)
	require.Len(t, s.ByHour, 24)
	hours := map[int]int{}
	for _, at := range []time.Duration{0, 0, 25 * time.Minute, 26 * time.Minute} {
		hours[clock.base.Add(at).UTC().Hour()]++
	}
	for h, n := range s.ByHour {
		assert.Equal(t, hours[h], n, "conversations started at %02h", h)
	}
	require.Len(t, s.ByAgent, 2)
	assert.Equal(t, e.alice.Id, s.ByAgent[0].UserID)
	assert.Equal(t, 2, s.ByAgent[0].Conversations)
	assert.Equal(t, float64(60), s.ByAgent[0].AvgFirstResponseSeconds)
	assert.Equal(t, float64((480+600)/2), s.ByAgent[0].AvgHandleSeconds)
	assert.Equal(t, e.bob.Id, s.ByAgent[1].UserID)
	assert.Equal(t, "bob", s.ByAgent[1].Name)
	assert.Equal(t, float64(600), s.ByAgent[1].AvgFirstResponseSeconds)
	assert.Equal(t, float64(1200), s.ByAgent[1].AvgHandleSeconds)

	// A day before the script holds nothing.
	before := clock.base.UTC().AddDate(0, 0, -3).Format("2006-01-02")
	code, body = e.api(0, e.bob.Id, http.MethodGet, "/reports/summary?from="+before+"&to="+before, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Contains(t, string(body), `"conversations":0`)

	// The per-agent table as CSV, UTF-8 with a byte-order mark.
	req := "/reports/agents.csv?from=" + from + "&to=" + to
	code, body = e.api(0, e.alice.Id, http.MethodGet, req, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	text := string(body)
	require.True(t, strings.HasPrefix(text, "\uFEFF"), "BOM")
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(text, "\uFEFF")), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, "user_id,name,conversations,avg_first_response_seconds,avg_handle_seconds,csat_avg,csat_count", strings.TrimSpace(lines[0]))
	assert.Equal(t, e.alice.Id+",alice,2,60,540,0,0", strings.TrimSpace(lines[1]))
	assert.Equal(t, e.bob.Id+",bob,1,600,1200,0,0", strings.TrimSpace(lines[2]))

	// Bad input is refused clearly; non-agents see nothing.
	code, body = e.api(0, e.alice.Id, http.MethodGet, "/reports/summary?from=yesterday", nil)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, string(body), "YYYY-MM-DD")
	code, body = e.api(0, e.alice.Id, http.MethodGet, "/reports/summary?group=nope", nil)
	assert.Equal(t, http.StatusNotFound, code, string(body))
	code, _ = e.api(0, e.carol.Id, http.MethodGet, "/reports/summary", nil)
	assert.Equal(t, http.StatusForbidden, code)

	// The slash command prints the same numbers as a small table, in the agent's language.
	clock.at(42 * time.Minute)
	out := e.command(e.alice.Id, e.queue.Id, "/whatsapp report 2")
	assert.Contains(t, out, "| 4 | 3 | 4m00s | 5m30s | 12m40s | — |")
	assert.Contains(t, out, "| alice | 2 | 1m00s | 9m00s | — |")
	assert.Contains(t, e.command(e.alice.Id, e.queue.Id, "/whatsapp report zero"), "Usage")
	e.bob.Locale = "pt-BR"
	_, appErr := e.node(0).API().UpdateUser(e.bob)
	require.Nil(t, appErr)
	pt := e.command(e.bob.Id, e.queue.Id, "/whatsapp report 2")
	assert.Contains(t, pt, "Tempo médio de espera")
	assert.Contains(t, pt, "| 4 | 3 | 4m00s |")
}

// An installation upgraded from a version without indicators: the once-per-cluster migration
// adds the conversations closed before, with the same numbers the closes would have given.
func TestIndicatorsBackfillConversationsClosedBeforeTheUpgrade(t *testing.T) {
	e := newEnv(t, 1)
	clock := scriptIndicatorsDay(e)
	for _, k := range e.store.KVKeys(pluginID) {
		if strings.HasPrefix(k, "v1/rptday/") || strings.HasPrefix(k, "v1/rptconv/") || k == "v1/migrated/indicators-v1" {
			e.store.SetKVValue(pluginID, k, nil, 0)
		}
	}
	from := clock.base.UTC().AddDate(0, 0, -1).Format("2006-01-02")
	to := clock.base.Add(time.Hour).UTC().Format("2006-01-02")
	read := func() summary {
		code, body := e.api(0, e.alice.Id, http.MethodGet, "/reports/summary?from="+from+"&to="+to, nil)
		require.Equal(t, http.StatusOK, code, string(body))
		var s summary
		require.NoError(t, json.Unmarshal(body, &s))
		return s
	}
	require.Zero(t, read().Conversations, "the indicators are gone, as before the upgrade")

	e.node(0).Deactivate()
	require.NoError(t, e.node(0).Activate())
	e.eventually(func() bool { return read().Conversations == 4 }, "the migration adds the earlier conversations")
	s := read()
	assert.Equal(t, 3, s.Attended)
	assert.Equal(t, float64(240), s.AvgWaitSeconds)
	assert.Equal(t, float64(330), s.AvgFirstResponseSeconds)
	assert.Equal(t, float64(760), s.AvgHandleSeconds)

	// Activating again (another node, a restart) adds nothing twice.
	e.node(0).Deactivate()
	require.NoError(t, e.node(0).Activate())
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, 4, read().Conversations)
}
