package bintest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// metaDelivers plays Meta: every payload is delivered to the nodes in turn until one answers
// 200, with a pause between tries; it gives up after the deadline.
func (e *env) metaDelivers(bodies [][]byte, workers int, during func(delivered int)) {
	e.t.Helper()
	var mu sync.Mutex
	delivered := 0
	queue := make(chan []byte, len(bodies))
	for _, b := range bodies {
		queue <- b
	}
	close(queue)
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for body := range queue {
				for try := 0; ; try++ {
					if time.Now().After(deadline) {
						e.t.Errorf("a payload was never acknowledged after %d tries: %.300s", try, body)
						return
					}
					if e.deliver((w+try)%len(e.c.Nodes), body).Code == http.StatusOK {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				mu.Lock()
				delivered++
				n := delivered
				mu.Unlock()
				if during != nil {
					during(n)
				}
			}
		}(w)
	}
	wg.Wait()
}

func (e *env) inboundPostsByWAMID() map[string]int {
	counts := map[string]int{}
	for _, ch := range e.conversationChannels() {
		for _, p := range e.customerPosts(ch.Id) {
			counts[p.GetProp("wa_wamid").(string)]++
		}
	}
	return counts
}

// Killing a plugin process mid-stream and bringing it back loses nothing and duplicates
// nothing: only a durable message is acknowledged, and Meta redelivers the rest.
func TestKillAndRestartMidStreamLosesNothing(t *testing.T) {
	e := newEnv(t, 2, withSetting("GraphAPITimeoutSeconds", 2))
	var bodies [][]byte
	var wamids []string
	for i := 0; i < 120; i++ {
		wamid := fakegraph.NewWAMID()
		wamids = append(wamids, wamid)
		from := fmt.Sprintf("55119%08d", 20000000+i%12)
		bodies = append(bodies, e.graph.InboundText(from, "Cliente "+from[len(from)-2:], wamid, fmt.Sprintf("mensagem %d", i), time.Now()))
	}
	var once, again sync.Once
	e.metaDelivers(bodies, 6, func(n int) {
		if n >= 30 {
			once.Do(func() { assert.NoError(t, e.node(1).Kill()) })
		}
		if n >= 70 {
			again.Do(func() { assert.NoError(t, e.node(1).Activate()) })
		}
	})
	e.waitIdle()
	counts := e.inboundPostsByWAMID()
	for _, w := range wamids {
		assert.Equal(t, 1, counts[w], "message %s must appear exactly once", w)
	}
	assert.Len(t, e.conversationChannels(), 12, "one conversation per customer")
}

func TestDeactivateAndReactivateMidStreamLosesNothing(t *testing.T) {
	e := newEnv(t, 2)
	var bodies [][]byte
	var wamids []string
	for i := 0; i < 60; i++ {
		wamid := fakegraph.NewWAMID()
		wamids = append(wamids, wamid)
		bodies = append(bodies, e.graph.InboundText(maria, "Maria", wamid, fmt.Sprintf("m%d", i), time.Now()))
	}
	var off, on sync.Once
	e.metaDelivers(bodies, 4, func(n int) {
		if n >= 15 {
			off.Do(func() { e.node(0).Deactivate() })
		}
		if n >= 40 {
			on.Do(func() { assert.NoError(t, e.node(0).Activate()) })
		}
	})
	counts := e.inboundPostsByWAMID()
	for _, w := range wamids {
		// This test failed once, with no output kept: say what the plugin recorded of the message.
		assert.Equal(t, 1, counts[w], "message %s, its record: %s", w, e.store.KVValue(pluginID, store.MessageKey(w)))
	}
}

func TestOverloadAnswers503NotDrop(t *testing.T) {
	// Many more concurrent deliveries than the plugin takes at once: the excess is told to come
	// back (503) and, redelivered, every message lands once.
	e := newEnv(t, 1)
	var bodies [][]byte
	for i := 0; i < 150; i++ {
		bodies = append(bodies, e.graph.InboundText(fmt.Sprintf("55119%08d", 30000000+i%5), "C", fakegraph.NewWAMID(), "x", time.Now()))
	}
	e.metaDelivers(bodies, 100, nil)
	total := 0
	for _, n := range e.inboundPostsByWAMID() {
		assert.Equal(t, 1, n)
		total += n
	}
	assert.Equal(t, 150, total)
}

func TestOutboundPostIsSentOnceWhenTheHookRunsOnTwoNodes(t *testing.T) {
	e := newEnv(t, 2)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	post, appErr := e.node(0).CreatePostAs(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "uma vez só"})
	require.Nil(t, appErr)
	// A server retry or a second node running the same hook must not send it again.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			e.node(i).Hooks().MessageHasBeenPosted(&plugin.Context{}, post)
		}(i)
	}
	wg.Wait()
	e.waitIdle()
	assert.Equal(t, []string{"uma vez só"}, e.sentTexts())
}

func TestPeriodicJobsRunOncePerCluster(t *testing.T) {
	e := newEnv(t, 3)
	e.eventually(func() bool { return e.graph.Requests(fakegraph.Templates) >= 1 }, "the template sync runs at start")
	time.Sleep(500 * time.Millisecond)
	assert.Equal(t, 1, e.graph.Requests(fakegraph.Templates), "three nodes, one sync")
}

func TestClosingForgetsTheConversationOnEveryNode(t *testing.T) {
	e := newEnv(t, 2)
	first := e.graph.InboundText(maria, "Maria", fakegraph.NewWAMID(), "oi", time.Now())
	require.Equal(t, http.StatusOK, e.deliver(1, first).Code) // node 2 caches the conversation
	ch := e.onlyConversationChannel()
	convID := e.convOfChannel(ch.Id)
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	code, body := e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	e.eventually(func() bool {
		for _, ev := range e.store.ClusterEvents() {
			if ev.Event.Id == "conversation_closed" {
				return true
			}
		}
		return false
	}, "the close is announced to the cluster")
	e.waitIdle()
	next := e.graph.InboundText(maria, "Maria", fakegraph.NewWAMID(), "de novo", time.Now())
	require.Equal(t, http.StatusOK, e.deliver(1, next).Code)
	assert.Len(t, e.conversationChannels(), 2, "node 2 must not post into the closed conversation")
	assert.Len(t, e.customerPosts(ch.Id), 1)
}

func TestGraphFaultsAreRetriedOrShown(t *testing.T) {
	e := newEnv(t, 1, withSetting("GraphAPITimeoutSeconds", 1))
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))

	sendOnce := func(t *testing.T, fault fakegraph.Fault, text string) *model.Post {
		e.graph.Reset()
		e.graph.FailNext(fakegraph.Messages, 1, fault)
		p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: text})
		assert.Equal(t, []string{text}, e.sentTexts(), "delivered exactly once")
		assert.Equal(t, "sent", p.GetProp("wa_status"))
		return p
	}
	t.Run("5xx", func(t *testing.T) { sendOnce(t, fakegraph.ServerError(), "depois do 500") })
	t.Run("130429 throughput", func(t *testing.T) { sendOnce(t, fakegraph.RateLimited(), "depois do 130429") })
	t.Run("timeout is unknown, not resent", func(t *testing.T) {
		// The request was written: Meta may have it, so it is never sent again automatically.
		e.graph.Reset()
		e.graph.FailNext(fakegraph.Messages, 1, fakegraph.Timeout(1500*time.Millisecond))
		p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "depois do timeout"})
		assert.Equal(t, 1, e.graph.Requests(fakegraph.Messages))
		assert.Equal(t, "unknown", p.GetProp("wa_status"))
	})
	t.Run("131056 pair rate limit", func(t *testing.T) { sendOnce(t, fakegraph.PairRateLimit(), "depois do 131056") })

	t.Run("190 expired token is not retried and admins hear of it", func(t *testing.T) {
		e.graph.Reset()
		e.graph.FailNext(fakegraph.Messages, 1, fakegraph.TokenExpired())
		p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "token?"})
		assert.Empty(t, e.graph.Sent())
		assert.Equal(t, 1, e.graph.Requests(fakegraph.Messages), "no retry of an auth failure")
		assert.Equal(t, "failed", p.GetProp("wa_status"))
		assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "access token")
		bot := e.store.UserByUsername("whatsapp")
		dm, appErr := e.node(0).API().GetDirectChannel(bot.Id, e.admin.Id)
		require.Nil(t, appErr)
		posts := e.store.Posts(dm.Id)
		require.NotEmpty(t, posts, "system admins get a DM")
		assert.Contains(t, posts[len(posts)-1].Message, "access token")
	})

	t.Run("131047 and 131026 failures arrive as statuses and are shown", func(t *testing.T) {
		for _, code := range []int{131047, 131026} {
			p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: fmt.Sprintf("falha %d", code)})
			wamid := p.GetProp("wa_wamid").(string)
			rec := e.deliver(0, e.graph.StatusUpdate(wamid, "failed", maria, time.Now(), "mm:post:"+p.Id,
				fakegraph.StatusError{Code: code, Title: "failure " + fmt.Sprint(code)}))
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, "failed", e.store.Post(p.Id).GetProp("wa_status"))
			found := false
			for _, r := range e.store.Posts(ch.Id) {
				found = found || (r.RootId == p.Id && strings.Contains(r.Message, fmt.Sprint(code)))
			}
			assert.True(t, found, "a thread reply names %d", code)
		}
	})

	t.Run("a 4xx that is not retryable stops at once", func(t *testing.T) {
		e.graph.Reset()
		e.graph.FailNext(fakegraph.Messages, 1, fakegraph.Undeliverable())
		p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "indeliverável"})
		assert.Empty(t, e.graph.Sent())
		assert.Equal(t, "failed", p.GetProp("wa_status"))
		assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "131026")
	})
}

func TestSecurityRefusalsAndSecretsNeverLogged(t *testing.T) {
	e := newEnv(t, 1)
	// Deeply nested JSON, validly signed, is refused as malformed.
	nested := []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"referral":` +
		strings.Repeat("[", 50000) + strings.Repeat("]", 50000) + `}]}}]}]}`)
	assert.Equal(t, http.StatusBadRequest, e.deliver(0, nested).Code)

	// A replayed payload is a duplicate: acknowledged, nothing new.
	body := e.graph.InboundText(maria, "Maria", "wamid.replay", "oi", time.Now())
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	assert.Len(t, e.customerPosts(e.onlyConversationChannel().Id), 1)

	// A replayed Attend click after the conversation was attended does nothing more.
	convID := e.convOfChannel(e.onlyConversationChannel().Id)
	var announcement *model.Post
	for _, p := range e.store.Posts(e.queue.Id) {
		if p.GetProp("wa_conversation_id") == convID {
			announcement = p
		}
	}
	action := announcement.Attachments()[0].Actions[0]
	click := func(userID string) *httptest.ResponseRecorder {
		raw, _ := json.Marshal(model.PostActionIntegrationRequest{UserId: userID, PostId: announcement.Id, ChannelId: e.queue.Id, Context: action.Integration.Context})
		return e.node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, action.Integration.URL, bytes.NewReader(raw)), userID)
	}
	assert.Contains(t, click(e.alice.Id).Body.String(), "You are attending")
	assert.Contains(t, click(e.bob.Id).Body.String(), "already attended by @alice")
	assert.False(t, e.store.IsChannelMember(e.onlyConversationChannel().Id, e.bob.Id))

	// Forged signatures, auth failures and configuration problems are logged without secrets.
	e.deliverSigned(0, body, "sha256=deadbeef")
	e.graph.FailNext(fakegraph.Messages, 1, fakegraph.TokenExpired())
	e.say(e.alice.Id, &model.Post{ChannelId: e.onlyConversationChannel().Id, Message: "x"})
	require.NoError(t, e.c.UpdateSettings(map[string]any{"TeamName": ""}))
	logs := e.c.Logs()
	require.NotEmpty(t, logs)
	for _, secret := range []string{e.graph.Options().AccessToken, e.graph.Options().AppSecret, "verify-me"} {
		assert.NotContains(t, logs, secret, "a secret leaked into the logs")
	}
}

func TestStatsCountWhatHappened(t *testing.T) {
	e := newEnv(t, 1)
	body := e.graph.InboundText(maria, "Maria", "wamid.s1", "oi", time.Now())
	e.deliver(0, body)
	e.deliver(0, body)
	e.deliverSigned(0, body, "sha256=00")
	out := e.command(e.admin.Id, e.queue.Id, "/whatsapp stats")
	assert.Contains(t, out, "| webhook_messages_received:text | 1 |")
	assert.Contains(t, out, "| webhook_messages_duplicate | 1 |")
	assert.Contains(t, out, "| webhook_rejected:signature | 1 |")
	assert.Contains(t, e.command(e.alice.Id, e.queue.Id, "/whatsapp stats"), "Only system admins")
}

// Three nodes told of a new queue channel at the same moment end up with one channel, and none
// of them fails to set it up.
func TestNodesAgreeOnOneQueueChannel(t *testing.T) {
	e := newEnv(t, 3)
	settings := e.store.PluginSettings(pluginID)
	settings["QueueChannelName"] = "brand-new-queue"
	e.store.SetPluginSettings(pluginID, settings)
	var wg sync.WaitGroup
	for i := range e.c.Nodes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			assert.NoError(t, e.node(i).Hooks().OnConfigurationChange())
		}(i)
	}
	wg.Wait()
	count := 0
	for _, ch := range e.store.ChannelsInTeam(e.team.Id) {
		if ch.Name == "brand-new-queue" {
			count++
		}
	}
	assert.Equal(t, 1, count)
	assert.NotContains(t, e.store.LogText(), "could not set up", "no node failed to set up its channels")
}
