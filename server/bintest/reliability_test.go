package bintest

// "No customer message lost" (SPEC: Reliability rules), each rule driven as Meta and an agent
// would, through the real plugin binary.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// postOfWAMID finds the post of an inbound wamid in any channel.
func (e *env) postOfWAMID(wamid string) *model.Post {
	for _, ch := range e.store.ChannelsInTeam(e.team.Id) {
		for _, p := range e.store.Posts(ch.Id) {
			if p.GetProp("wa_wamid") == wamid && p.GetProp("wa_media_for") == nil && p.GetProp("wa_edit_of") == nil {
				return p
			}
		}
	}
	return nil
}

// send delivers a message of any kind from Maria and returns the response.
func (e *env) send(i int, message map[string]any) *httptest.ResponseRecorder {
	if _, ok := message["timestamp"]; !ok {
		message["timestamp"] = fmt.Sprint(time.Now().Unix())
	}
	return e.deliver(i, e.graph.InboundMessage(fakegraph.Contact{Name: "Maria Souza", WaID: maria}, message))
}

func (e *env) closeConversation(convID string) {
	e.t.Helper()
	code, body := e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(e.t, http.StatusOK, code, string(body))
}

// 1. A reply to a message of an earlier, closed conversation is posted in the new conversation
// with a visible quote of the original, and Meta gets a 200.
func TestReplyToAnEarlierConversationIsQuotedInTheNewOne(t *testing.T) {
	e := newEnv(t, 1)
	convID, oldChannel := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	sent := e.say(e.alice.Id, &model.Post{ChannelId: oldChannel.Id, Message: "Seu pedido 4821 saiu para entrega hoje"})
	agentWAMID, _ := sent.GetProp("wa_wamid").(string)
	require.NotEmpty(t, agentWAMID)
	e.closeConversation(convID)
	before := len(e.store.Posts(oldChannel.Id))

	// The customer long-presses the agent's last bubble and replies.
	rec := e.send(0, map[string]any{"id": "wamid.reply-old", "type": "text", "text": map[string]any{"body": "Ainda não chegou"},
		"context": map[string]any{"from": e.graph.Options().DisplayPhoneNumber, "id": agentWAMID}})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	reply := e.postOfWAMID("wamid.reply-old")
	require.NotNil(t, reply, "the reply is a visible post")
	assert.NotEqual(t, oldChannel.Id, reply.ChannelId, "it starts a new conversation")
	assert.Empty(t, reply.RootId)
	assert.Contains(t, reply.Message, "Ainda não chegou")
	assert.Contains(t, reply.Message, "> ", "a quote of the original")
	assert.Contains(t, reply.Message, "Seu pedido 4821 saiu para entrega hoje")
	assert.Contains(t, reply.Message, "alice", "the quote names the original's author")
	assert.Contains(t, reply.Message, time.UnixMilli(sent.CreateAt).UTC().Format("2006-01-02 15:04"), "and its time")
	assert.Len(t, e.store.Posts(oldChannel.Id), before, "the closed conversation is left as it was")

	// A reply to a message the plugin never saw is posted too, saying so.
	rec = e.send(0, map[string]any{"id": "wamid.reply-unknown", "type": "text", "text": map[string]any{"body": "e essa?"},
		"context": map[string]any{"from": e.graph.Options().DisplayPhoneNumber, "id": "wamid.never-seen"}})
	require.Equal(t, http.StatusOK, rec.Code)
	unknown := e.postOfWAMID("wamid.reply-unknown")
	require.NotNil(t, unknown)
	assert.Contains(t, unknown.Message, "not in this conversation")
	assert.Equal(t, reply.ChannelId, unknown.ChannelId)

	// A reply within the conversation still threads under the message it quotes.
	rec = e.send(0, map[string]any{"id": "wamid.reply-same", "type": "text", "text": map[string]any{"body": "isso"},
		"context": map[string]any{"from": maria, "id": "wamid.reply-old"}})
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, reply.Id, e.postOfWAMID("wamid.reply-same").RootId)
}

// 1. A permanent Mattermost refusal of the post (here: the conversation channel was archived
// behind the plugin's back) never becomes endless 5xx: a post that can be made is made.
func TestPermanentPostRefusalFallsBackToAPostThatCanBeMade(t *testing.T) {
	e := newEnv(t, 1)
	_, ch := e.conversation(maria, "Maria Souza")
	require.Nil(t, e.node(0).API().DeleteChannel(ch.Id))

	rec := e.send(0, map[string]any{"id": "wamid.refused", "type": "text", "text": map[string]any{"body": "Alguém aí?"}})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	p := e.postOfWAMID("wamid.refused")
	require.NotNil(t, p, "the message is visible somewhere agents look")
	assert.Equal(t, e.queue.Id, p.ChannelId)
	assert.Contains(t, p.Message, "Alguém aí?")
	// A redelivery is a duplicate.
	require.Equal(t, http.StatusOK, e.send(0, map[string]any{"id": "wamid.refused", "type": "text", "text": map[string]any{"body": "Alguém aí?"}}).Code)
}

// slowBody is a request body that arrives only when released.
type slowBody struct{ release <-chan struct{} }

func (b slowBody) Read([]byte) (int, error) {
	<-b.release
	return 0, io.EOF
}

// 2. Slow, unsigned senders cannot hold the processing slots that signed deliveries need.
func TestSlowUnsignedSendersCannotStallSignedDeliveries(t *testing.T) {
	e := newEnv(t, 1)
	release := make(chan struct{})
	var wg sync.WaitGroup
	codes := make(chan int, 80)
	for range 80 {
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodPost, "/plugins/"+pluginID+"/webhook", slowBody{release})
			codes <- e.node(0).ServeHTTP(req, "").Code
		})
	}
	time.Sleep(2 * time.Second) // every slow request is in, waiting on its body

	start := time.Now()
	rec := e.deliver(0, e.graph.InboundText(maria, "Maria Souza", "wamid.during-slow", "oi", time.Now()))
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.NotNil(t, e.postOfWAMID("wamid.during-slow"))

	close(release)
	wg.Wait()
	close(codes)
	for code := range codes {
		assert.Equal(t, http.StatusUnauthorized, code, "an unsigned body is refused once it arrives")
	}
}

func (e *env) mediaMessage(wamid, mediaID string) map[string]any {
	return map[string]any{"id": wamid, "type": "document", "document": map[string]any{"id": mediaID, "mime_type": "application/pdf", "filename": "boleto.pdf"}}
}

func (e *env) retryRecord(wamid string) map[string]any {
	raw := e.store.KVValue(pluginID, "v1/mediaretry/"+wamid)
	if raw == nil {
		return nil
	}
	var out map[string]any
	require.NoError(e.t, json.Unmarshal(raw, &out))
	return out
}

// 3. Media that can never be fetched is marked on its post with the reason and not retried;
// a file over the server's limit is refused from its file_size, before any download.
func TestMediaThatCanNeverBeFetchedIsMarkedAndNotRetried(t *testing.T) {
	e := newEnv(t, 1)
	e.store.UpdateConfig(func(c *model.Config) { c.FileSettings.MaxFileSize = model.NewPointer(int64(1000)) })

	t.Run("larger than the server takes", func(t *testing.T) {
		e.graph.AddMedia("9001", "application/pdf", bytes.Repeat([]byte("%PDF"), 1000))
		e.graph.Reset()
		require.Equal(t, http.StatusOK, e.send(0, e.mediaMessage("wamid.big", "9001")).Code)
		p := e.postOfWAMID("wamid.big")
		require.NotNil(t, p)
		assert.Contains(t, p.Message, "too large")
		assert.Contains(t, p.Message, "❌")
		assert.NotContains(t, p.Message, "retried automatically")
		assert.Equal(t, 0, e.graph.Requests(fakegraph.MediaDownload), "file_size is checked before downloading")
		assert.Nil(t, e.retryRecord("wamid.big"), "no retry is scheduled")
		require.Equal(t, http.StatusOK, e.send(0, e.mediaMessage("wamid.big", "9001")).Code)
		assert.Equal(t, 1, e.graph.Requests(fakegraph.MediaInfo), "a redelivery is a duplicate")
	})
	t.Run("checksum mismatch", func(t *testing.T) {
		e.graph.AddMedia("9002", "application/pdf", []byte("%PDF small"))
		e.graph.SetMediaSHA256("9002", strings.Repeat("ab", 32))
		require.Equal(t, http.StatusOK, e.send(0, e.mediaMessage("wamid.sum", "9002")).Code)
		p := e.postOfWAMID("wamid.sum")
		assert.Contains(t, p.Message, "checksum")
		assert.Nil(t, e.retryRecord("wamid.sum"))
	})
	t.Run("expired or unknown at Meta", func(t *testing.T) {
		require.Equal(t, http.StatusOK, e.send(0, e.mediaMessage("wamid.gone", "9999999")).Code)
		p := e.postOfWAMID("wamid.gone")
		assert.Contains(t, p.Message, "expired or unknown")
		assert.Nil(t, e.retryRecord("wamid.gone"))
	})
}

// 3. A transient failure backs off (the retry record says when next), and the tries end a day
// after the first failure, with the reason on the placeholder.
func TestTransientMediaFailureBacksOffAndGivesUpAfterADay(t *testing.T) {
	e := newEnv(t, 1)
	e.graph.AddMedia("9100", "application/pdf", []byte("%PDF boleto"))
	e.graph.FailAlways(fakegraph.Media, fakegraph.ServerError())
	msg := e.mediaMessage("wamid.flaky", "9100")
	msg["timestamp"] = fmt.Sprint(time.Now().Unix())
	require.Equal(t, http.StatusOK, e.send(0, msg).Code)
	p := e.postOfWAMID("wamid.flaky")
	require.NotNil(t, p)
	assert.Contains(t, p.Message, "retried automatically")

	job := e.retryRecord("wamid.flaky")
	require.NotNil(t, job)
	first := int64(job["first_failed_at"].(float64))
	next := int64(job["next_attempt_at"].(float64))
	assert.GreaterOrEqual(t, next-first, time.Minute.Milliseconds(), "the next try waits")

	// Another failure does not move the day's start.
	require.Equal(t, http.StatusOK, e.send(0, msg).Code)
	job = e.retryRecord("wamid.flaky")
	require.NotNil(t, job)
	assert.Equal(t, float64(first), job["first_failed_at"])
	assert.Greater(t, job["next_attempt_at"].(float64), float64(next), "and the wait grows")

	// A day after the first failure, the next failure ends the tries.
	job["first_failed_at"] = float64(time.Now().Add(-25 * time.Hour).UnixMilli())
	raw, _ := json.Marshal(job)
	e.store.SetKVValue(pluginID, "v1/mediaretry/wamid.flaky", raw, 0)
	require.Equal(t, http.StatusOK, e.send(0, msg).Code)
	p = e.store.Post(p.Id)
	assert.Contains(t, p.Message, "for a day")
	assert.NotContains(t, p.Message, "retried automatically")
	assert.Nil(t, p.GetProp("wa_media_pending"))
	assert.Nil(t, e.retryRecord("wamid.flaky"), "no more tries")
}

// 3. One slow transfer does not hold the rest of a retry round.
func TestOneSlowMediaRetryDoesNotStarveTheRound(t *testing.T) {
	// The retry job runs every 200 ms instead of every minute (hidden JobIntervalMillis).
	e := newEnv(t, 1, withSetting("GraphAPITimeoutSeconds", 10), withSetting("JobIntervalMillis", 200))
	for i := range 3 {
		id := fmt.Sprint(9200 + i)
		e.graph.AddMedia(id, "application/pdf", []byte("%PDF "+id))
	}
	e.graph.FailAlways(fakegraph.Media, fakegraph.ServerError())
	for i := range 3 {
		require.Equal(t, http.StatusOK, e.send(0, e.mediaMessage(fmt.Sprint("wamid.round", i), fmt.Sprint(9200+i))).Code)
	}
	// Every try is due now; the Graph API is back, but its first answer takes 30 s.
	for i := range 3 {
		key := fmt.Sprint("v1/mediaretry/wamid.round", i)
		var job map[string]any
		require.NoError(t, json.Unmarshal(e.store.KVValue(pluginID, key), &job))
		job["next_attempt_at"] = 0
		raw, _ := json.Marshal(job)
		e.store.SetKVValue(pluginID, key, raw, 0)
	}
	e.graph.ClearFaults()
	e.graph.FailNext(fakegraph.MediaInfo, 1, fakegraph.Timeout(30*time.Second))

	arrived := func() int {
		n := 0
		for i := range 3 {
			if p := e.postOfWAMID(fmt.Sprint("wamid.round", i)); p != nil && strings.Contains(p.Message, "arrived") {
				n++
			}
		}
		return n
	}
	start := time.Now()
	e.eventually(func() bool { return arrived() >= 2 }, "the other files arrive while one transfer hangs")
	assert.Less(t, time.Since(start), 10*time.Second)
}

// 4. One undecodable message of a batch becomes a visible placeholder; the others are posted.
func TestOneUndecodableMessageDoesNotRejectTheBatch(t *testing.T) {
	e := newEnv(t, 1)
	body, err := os.ReadFile(filepath.Join(repoRoot(), "server", "whatsapp", "testdata", "order_odd_field.json"))
	require.NoError(t, err)
	rec := e.deliver(0, body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	odd := e.postOfWAMID("wamid.HBgMNTUxMTg3NjU0MzIxFQIAEhgWT0REMQA=")
	require.NotNil(t, odd, "the undecodable message is a visible placeholder")
	assert.Contains(t, odd.Message, "could not be read")
	assert.Contains(t, odd.Message, "order")
	text := e.postOfWAMID("wamid.HBgMNTUxMTg3NjU0MzIxFQIAEhgWT0REMgA=")
	require.NotNil(t, text)
	assert.Contains(t, text.Message, "Mandei o pedido agora")
}

// 5. Poison inputs cost only themselves: an overlong sender id, a text over Mattermost's post
// limit, a timestamp in the year 2100.
func TestPoisonInputsArePostedOrRefusedOnTheirOwn(t *testing.T) {
	e := newEnv(t, 1)
	longID := strings.Repeat("5", 200)
	poison := e.graph.InboundMessage(fakegraph.Contact{Name: "Ninguém", WaID: longID},
		map[string]any{"id": "wamid.longid", "type": "text", "text": map[string]any{"body": "x"}})
	longText := strings.Repeat("Meu pedido não chegou. ", 900) // ~20,700 runes
	fine := e.graph.InboundText(maria, "Maria Souza", "wamid.longtext", longText, time.Now())
	rec := e.deliver(0, fakegraph.Batch(poison, fine))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusOK, e.deliver(0, poison).Code, "a redelivery is acknowledged too")

	refused := 0
	for _, p := range e.store.Posts(e.queue.Id) {
		if strings.Contains(p.Message, "sender id is not valid") {
			refused++
		}
	}
	assert.Equal(t, 1, refused, "the refusal is visible to agents, once")
	assert.Contains(t, e.c.Logs(), "sender id is not valid")

	long := e.postOfWAMID("wamid.longtext")
	require.NotNil(t, long, "an overlong text is posted")
	assert.LessOrEqual(t, utf8.RuneCountInString(long.Message), model.PostMessageMaxRunesV2)
	assert.Contains(t, long.Message, "full text is attached")
	require.Len(t, long.FileIds, 1)
	assert.Contains(t, string(e.store.FileData(long.FileIds[0])), longText)

	// A timestamp in 2100 counts as the time of receipt: the window closes within a day.
	future := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	rec = e.deliver(0, e.graph.InboundText("5521998765432", "João", "wamid.future", "do futuro", future))
	require.Equal(t, http.StatusOK, rec.Code)
	p := e.postOfWAMID("wamid.future")
	require.NotNil(t, p)
	convID := e.convOfChannel(p.ChannelId)
	var conv map[string]any
	require.NoError(t, json.Unmarshal(e.store.KVValue(pluginID, "v1/conv/"+convID), &conv))
	assert.LessOrEqual(t, int64(conv["last_inbound_at"].(float64)), time.Now().UnixMilli())
	assert.Less(t, fmt.Sprint(p.GetProp(wapost.PropTimestamp)), fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
}

// 6. A message right after a close on another node starts a new conversation, although the
// cluster event telling that node of the close is still on its way.
func TestMessageRightAfterACloseOnAnotherNodeStartsANewConversation(t *testing.T) {
	e := newEnv(t, 2)
	e.c.SetClusterEventDelay(3 * time.Second)
	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria", "wamid.c1", "oi", time.Now())).Code) // node 2 caches it
	ch := e.onlyConversationChannel()
	convID := e.convOfChannel(ch.Id)
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.closeConversation(convID)

	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria", "wamid.c2", "de novo", time.Now())).Code)
	assert.Len(t, e.conversationChannels(), 2, "a new conversation")
	assert.Len(t, e.customerPosts(ch.Id), 1, "nothing lands in the closed conversation")
	p := e.postOfWAMID("wamid.c2")
	require.NotNil(t, p)
	assert.NotEqual(t, convID, e.convOfChannel(p.ChannelId))
}

// 7. Statuses touch only posts the plugin sent for that wamid; anything else is a 200 that
// changes nothing, whatever biz_opaque_callback_data says.
func TestStatusesTouchOnlyPostsThePluginSent(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	customer := e.customerPosts(ch.Id)[0]
	agentPost := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Vou verificar"})
	wamid := agentPost.GetProp("wa_wamid").(string)
	postsBefore := len(e.store.Posts(ch.Id))

	// A status naming the customer's post in biz_opaque_callback_data, for a wamid we never sent.
	rec := e.deliver(0, e.graph.StatusUpdate("wamid.not-ours", "failed", maria, time.Now(), "mm:post:"+customer.Id,
		fakegraph.StatusError{Code: 131026, Title: "injected"}))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Nil(t, e.store.Post(customer.Id).GetProp("wa_status"), "the named post is untouched")
	assert.Len(t, e.store.Posts(ch.Id), postsBefore, "no bot reply")

	// Another tool's callback data on the same number: acknowledged, ignored.
	rec = e.deliver(0, e.graph.StatusUpdate("wamid.other-tool", "delivered", maria, time.Now(), "some data"))
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	// Our own message is found by its wamid, whatever the callback data says.
	rec = e.deliver(0, e.graph.StatusUpdate(wamid, "delivered", maria, time.Now(), "some data"))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "delivered", e.store.Post(agentPost.Id).GetProp("wa_status"))
	rec = e.deliver(0, e.graph.StatusUpdate(wamid, "read", maria, time.Now(), "mm:post:"+customer.Id))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "read", e.store.Post(agentPost.Id).GetProp("wa_status"))
	assert.Nil(t, e.store.Post(customer.Id).GetProp("wa_status"))

	// A status for a post its agent deleted since is acknowledged, not redelivered for days.
	gone := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "apagada depois"})
	require.Nil(t, e.node(0).API().DeletePost(gone.Id))
	rec = e.deliver(0, e.graph.StatusUpdate(gone.GetProp("wa_wamid").(string), "delivered", maria, time.Now(), ""))
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// 8. A customer's edit updates the original post and keeps the earlier text in its thread; a
// deletion marks the post; the draft ticket's transcript shows both.
func TestCustomerEditsAndDeletionsUpdateTheOriginalPost(t *testing.T) {
	e := newEnv(t, 1)
	require.Equal(t, http.StatusOK, e.send(0, map[string]any{"id": "wamid.orig", "type": "text", "text": map[string]any{"body": "Quero 2 camisetas"}}).Code)
	require.Equal(t, http.StatusOK, e.send(0, map[string]any{"id": "wamid.oops", "type": "text", "text": map[string]any{"body": "meu cpf é 123"}}).Code)
	orig := e.postOfWAMID("wamid.orig")
	oops := e.postOfWAMID("wamid.oops")

	edit := map[string]any{"id": "wamid.edit1", "type": "edit", "edit": map[string]any{"original_message_id": "wamid.orig",
		"message": map[string]any{"type": "text", "text": map[string]any{"body": "Quero 3 camisetas"}}}}
	require.Equal(t, http.StatusOK, e.send(0, edit).Code)
	require.Equal(t, http.StatusOK, e.send(0, edit).Code, "a redelivered edit is a duplicate")
	revoke := map[string]any{"id": "wamid.revoke1", "type": "revoke", "revoke": map[string]any{"original_message_id": "wamid.oops"}}
	require.Equal(t, http.StatusOK, e.send(0, revoke).Code)

	edited := e.store.Post(orig.Id)
	assert.Contains(t, edited.Message, "Quero 3 camisetas")
	assert.Contains(t, edited.Message, "edited")
	var before []string
	for _, p := range e.store.Posts(orig.ChannelId) {
		if p.RootId == orig.Id {
			before = append(before, p.Message)
		}
	}
	require.Len(t, before, 1, "the earlier text is kept once, in the thread")
	assert.Contains(t, before[0], "Quero 2 camisetas")
	assert.Contains(t, e.store.Post(oops.Id).Message, "deleted")
	for _, p := range e.customerPosts(orig.ChannelId) {
		assert.NotContains(t, p.Message, "does not deliver", "no unsupported placeholder")
	}

	convID := e.convOfChannel(orig.ChannelId)
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.closeConversation(convID)
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=draft", nil)
	require.Equal(t, http.StatusOK, code)
	ticketID := ticketIDs(t, body)[0]
	code, body = e.api(0, e.alice.Id, http.MethodGet, "/tickets/"+ticketID, nil)
	require.Equal(t, http.StatusOK, code)
	var ticket struct {
		Transcript []struct {
			Text string `json:"text"`
		} `json:"transcript"`
	}
	require.NoError(t, json.Unmarshal(body, &ticket))
	var lines []string
	for _, l := range ticket.Transcript {
		lines = append(lines, l.Text)
	}
	transcript := strings.Join(lines, "\n")
	assert.Contains(t, transcript, "Quero 3 camisetas")
	assert.Contains(t, transcript, "Quero 2 camisetas", "the earlier text")
	assert.Contains(t, transcript, "edited")
	assert.Contains(t, transcript, "deleted")
}

// ticketIDs reads the ids of a ticket list, paged ({"items"}) or plain.
func ticketIDs(t *testing.T, body []byte) []string {
	var items []map[string]any
	if json.Unmarshal(body, &items) != nil {
		var paged struct {
			Items []map[string]any `json:"items"`
		}
		require.NoError(t, json.Unmarshal(body, &paged))
		items = paged.Items
	}
	require.NotEmpty(t, items)
	var ids []string
	for _, it := range items {
		ids = append(ids, it["id"].(string))
	}
	return ids
}

// Every real-format fixture becomes a visible post (statuses: a 200 that touches nothing).
func TestEveryFixtureBecomesAVisiblePost(t *testing.T) {
	e := newEnv(t, 1)
	dir := filepath.Join(repoRoot(), "server", "whatsapp", "testdata")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	// Originals first: the edit and the deletion refer to text.json and location.json.
	sort.SliceStable(files, func(i, j int) bool {
		late := func(f string) bool { return strings.Contains(f, "edit") || strings.Contains(f, "revoke") }
		return !late(files[i]) && late(files[j])
	})
	type item struct{ ID, Type string }
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		name := filepath.Base(f)
		var payload struct {
			Entry []struct {
				Changes []struct {
					Value struct {
						Messages []map[string]any `json:"messages"`
						Statuses []map[string]any `json:"statuses"`
					} `json:"value"`
				} `json:"changes"`
			} `json:"entry"`
		}
		require.NoError(t, json.Unmarshal(body, &payload), name)
		var msgs []item
		statuses := 0
		for _, en := range payload.Entry {
			for _, c := range en.Changes {
				for _, m := range c.Value.Messages {
					msgs = append(msgs, item{m["id"].(string), m["type"].(string)})
				}
				statuses += len(c.Value.Statuses)
			}
		}
		postsBefore := e.allPosts()
		rec := e.deliver(0, body)
		require.Equal(t, http.StatusOK, rec.Code, "%s: %s", name, rec.Body.String())
		if statuses > 0 && len(msgs) == 0 {
			assert.Equal(t, postsBefore, e.allPosts(), "%s: a status for a message the plugin did not send touches nothing", name)
			continue
		}
		for _, m := range msgs {
			switch m.Type {
			case "revoke":
				assert.Contains(t, e.postOfWAMID("wamid.HBgMNTUxMTg3NjU0MzIxFQIAEhgWTE9DQVRJT04A").Message, "deleted", name)
			case "reaction":
				// A reaction to a message the plugin does not know is posted as text.
				p := e.postOfWAMID(m.ID)
				require.NotNil(t, p, name)
				assert.Contains(t, p.Message, "reacted", name)
			case "edit":
				assert.Contains(t, e.postOfWAMID("wamid.HBgMNTUxMTg3NjU0MzIxFQIAEhggQTFCMkMzRDRFNUY2QTdCOEM5RDBFMUYyQTNCNEM1RDYA").Message, "ainda não chegou", name)
			default:
				p := e.postOfWAMID(m.ID)
				require.NotNil(t, p, "%s: %s must be a visible post", name, m.ID)
				assert.NotEmpty(t, strings.TrimSpace(p.Message), name)
				assert.NotContains(t, p.Message, "Maria Souza:", "the name travels in props, not in the text")
			}
		}
	}
}

// allPosts fingerprints every post of the team's channels (id, message, props).
func (e *env) allPosts() string {
	var b strings.Builder
	for _, ch := range e.store.ChannelsInTeam(e.team.Id) {
		for _, p := range e.store.Posts(ch.Id) {
			props, _ := json.Marshal(p.GetProps())
			fmt.Fprintf(&b, "%s|%s|%s\n", p.Id, p.Message, props)
		}
	}
	return b.String()
}
