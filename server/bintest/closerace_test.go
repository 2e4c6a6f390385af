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

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// A node trusts for a lease that a conversation it read as open still is, so a known customer's
// text costs the claim and the post. The customer keeps writing to node 0 while an agent closes
// the conversation on node 1: every message ends in the closed conversation's ticket or in the
// customer's next conversation, never only in the closed channel.
func TestMessagesDuringACloseOnAnotherNodeEndInTheTicketOrTheNextConversation(t *testing.T) {
	e := newEnv(t, 2)
	convID, old := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(1, e.alice.Id, convID))
	text := func(wamid, body string) {
		t.Helper()
		rec := e.send(0, map[string]any{"id": wamid, "type": "text", "text": map[string]any{"body": body}})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	text("wamid.before", "antes de fechar") // node 0 holds a fresh lease
	// Node 0 hears of the close only long after it: its lease alone decides.
	e.c.SetClusterEventDelay(2 * time.Second)

	type closed struct {
		code int
		body []byte
		took time.Duration
	}
	done := make(chan closed, 1)
	start := time.Now()
	go func() {
		code, body := e.api(1, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/close", nil)
		done <- closed{code, body, time.Since(start)}
	}()
	var wamids []string
	var result closed
	for i := 0; ; i++ {
		wamid := fmt.Sprintf("wamid.during-%02d", i)
		text(wamid, fmt.Sprintf("mensagem %02d durante o fechamento", i))
		wamids = append(wamids, wamid)
		select {
		case result = <-done:
		default:
			time.Sleep(20 * time.Millisecond)
			continue
		}
		break
	}
	require.Equal(t, http.StatusOK, result.code, string(result.body))
	assert.GreaterOrEqual(t, result.took, bridge.OpenLease, "the close waits out the leases before taking the transcript")
	text("wamid.after", "depois de fechar")
	e.waitIdle()

	var answer struct {
		Ticket helpdesk.Ticket `json:"ticket"`
	}
	require.NoError(t, json.Unmarshal(result.body, &answer))
	ticket := answer.Ticket
	inTicket := func(body string) bool {
		for _, l := range ticket.Transcript {
			if strings.Contains(l.Text, body) {
				return true
			}
		}
		return false
	}
	posts := map[string][]string{} // wamid → the channels its posts are in
	for _, ch := range e.conversationChannels() {
		for _, p := range e.customerPosts(ch.Id) {
			if w, _ := p.GetProp("wa_wamid").(string); w != "" {
				posts[w] = append(posts[w], ch.Id)
			}
		}
	}
	inOld, inNext := 0, 0
	for i, wamid := range wamids {
		body := fmt.Sprintf("mensagem %02d durante o fechamento", i)
		channels := posts[wamid]
		require.NotEmpty(t, channels, "%s is posted", wamid)
		elsewhere := false
		for _, ch := range channels {
			if ch != old.Id {
				elsewhere = true
			}
		}
		if elsewhere {
			inNext++
		}
		for _, ch := range channels {
			if ch == old.Id {
				inOld++
				assert.True(t, inTicket(body) || elsewhere, "%s is in the closed channel: it is in the ticket or in the next conversation", wamid)
			}
		}
	}
	assert.True(t, inTicket("antes de fechar"))
	require.Len(t, posts["wamid.after"], 1)
	assert.NotEqual(t, old.Id, posts["wamid.after"][0], "a message after the close starts the next conversation")
	t.Logf("%d messages during a close of %s: %d in the closed conversation, %d in the next", len(wamids), result.took, inOld, inNext)
}

// Within the lease a known customer's texts read nothing but their claim; once it runs out, one
// read renews it.
func TestAKnownCustomersTextsReadTheConversationOncePerLease(t *testing.T) {
	e := newEnv(t, 1)
	e.text(maria, "Maria Souza", "wamid.first", "oi")
	convID := e.convOfChannel(e.postOfWAMID("wamid.first").ChannelId)
	e.eventually(func() bool {
		var conv helpdesk.Conversation
		found, err := store.GetJSON(e.seedKV(), store.ConversationKey(convID), &conv)
		return err == nil && found && !conv.SetupPending
	}, "the new conversation's setup ran") // its KV calls are not the burst's
	e.waitIdle()

	calls := e.node(0).APICalls()
	const n = 10
	calls.Reset()
	start := time.Now()
	for i := range n {
		rec := e.send(0, map[string]any{"id": fmt.Sprintf("wamid.burst-%d", i), "type": "text", "text": map[string]any{"body": "mais uma"}})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	took := time.Since(start)
	e.waitIdle()
	got := calls.Calls()
	// A read renews the lease whenever less than a quarter of it is left.
	renewals := int64(took/(bridge.OpenLease*3/4)) + 1
	require.Less(t, renewals, int64(n), "the burst took %s: too slow to tell", took)
	assert.Equal(t, int64(n), got["KVSetWithOptions"], "one claim each: %v", got)
	assert.Equal(t, int64(n), got["CreatePost"], "one post each: %v", got)
	assert.LessOrEqual(t, got["KVGet"], renewals, "the conversation is read once per lease, not per message (%s): %v", took, got)

	time.Sleep(bridge.OpenLease)
	calls.Reset()
	rec := e.send(0, map[string]any{"id": "wamid.later", "type": "text", "text": map[string]any{"body": "voltei"}})
	require.Equal(t, http.StatusOK, rec.Code)
	e.waitIdle()
	got = calls.Calls()
	assert.Equal(t, []int64{1, 1, 1}, []int64{got["KVSetWithOptions"], got["KVGet"], got["CreatePost"]},
		"past the lease the claim, one read and the post: %v", got)
}

// A node that saw a customer's conversation close opens the next one without reading the open
// pointer; when another node opened it meanwhile, the pointer's compare-and-set sends the message
// there instead of into a third conversation.
func TestAMessageAfterAnotherNodeOpenedTheNextConversationJoinsIt(t *testing.T) {
	e := newEnv(t, 2)
	convID, old := e.conversation(maria, "Maria Souza")
	for i, node := range []int{0, 1} {
		rec := e.send(node, map[string]any{"id": fmt.Sprintf("wamid.known-%d", i), "type": "text", "text": map[string]any{"body": "oi"}})
		require.Equal(t, http.StatusOK, rec.Code) // both nodes know the customer
	}
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.closeConversation(convID)
	e.waitIdle() // both nodes heard of the close

	rec := e.send(1, map[string]any{"id": "wamid.next-1", "type": "text", "text": map[string]any{"body": "voltei"}})
	require.Equal(t, http.StatusOK, rec.Code)
	rec = e.send(0, map[string]any{"id": "wamid.next-0", "type": "text", "text": map[string]any{"body": "de novo"}})
	require.Equal(t, http.StatusOK, rec.Code)
	e.waitIdle()

	first, second := e.postOfWAMID("wamid.next-1"), e.postOfWAMID("wamid.next-0")
	require.NotNil(t, first)
	require.NotNil(t, second)
	assert.NotEqual(t, old.Id, first.ChannelId, "a new conversation")
	assert.Equal(t, first.ChannelId, second.ChannelId, "node 0 joins the conversation node 1 opened")
	assert.Len(t, e.conversationChannels(), 2)
}
