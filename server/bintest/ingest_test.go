package bintest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// A known customer's text costs the claim, the open check and the post: no done mark, because
// the claim names the channel and the post there is the proof. A redelivery, at once or after
// the claim's lease, on either node, still finds that post and makes no second one; a reply to
// the message still threads under it.
func TestAKnownCustomersTextNeedsNoDoneMarkAndStaysExactlyOnce(t *testing.T) {
	e := newEnv(t, 2, withSetting("GraphAPITimeoutSeconds", 1))
	e.text(maria, "Maria Souza", "wamid.first", "oi") // the customer is now known on node 0
	first := e.postOfWAMID("wamid.first")
	require.NotNil(t, first)

	// The new conversation's announcement is made in the background; the rest of that work
	// (who is online) makes no KV call and no post.
	e.eventually(func() bool { return len(e.store.Posts(e.queue.Id)) > 0 }, "the conversation is announced")
	calls := e.node(0).APICalls()
	calls.Reset()
	rec := e.send(0, map[string]any{"id": "wamid.known", "type": "text", "text": map[string]any{"body": "segunda mensagem"}})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	e.waitIdle()
	got := calls.Calls()
	// The open check is a read only when the node's lease on the conversation ran out
	// (TestAKnownCustomersTextsReadTheConversationOncePerLease).
	assert.Equal(t, []int64{1, 1}, []int64{got["KVSetWithOptions"], got["CreatePost"]}, "the claim and the post: %v", got)
	assert.Equal(t, 1+got["KVGet"], kvCalls(calls), "no KV call but the claim and the open check: %v", got)
	var claim helpdesk.MessageRecord
	found, err := store.GetJSON(e.seedKV(), store.MessageKey("wamid.known"), &claim)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, helpdesk.MessageProcessing, claim.State, "no done mark was written")
	assert.Equal(t, first.ChannelId, claim.ChannelID, "the claim names the channel")

	body := map[string]any{"id": "wamid.known", "type": "text", "text": map[string]any{"body": "segunda mensagem"}}
	for _, node := range []int{0, 1} {
		rec = e.send(node, body)
		assert.Equal(t, http.StatusOK, rec.Code, "a redelivery within the lease, node %d: %s", node, rec.Body.String())
	}
	// Past the claim's lease a redelivery takes the claim over, finds the post and marks it done.
	require.NoError(t, e.c.UpdateSettings(map[string]any{"ClockOffsetMillis": time.Hour.Milliseconds()}))
	rec = e.send(1, body)
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	e.waitIdle()
	assert.Equal(t, 1, e.inboundPostsByWAMID()["wamid.known"], "one post, whatever was redelivered")
	_, err = store.GetJSON(e.seedKV(), store.MessageKey("wamid.known"), &claim)
	require.NoError(t, err)
	assert.Equal(t, helpdesk.MessageDone, claim.State)

	// The customer replies to a message that got no done mark: the reply threads under its
	// post, found in the channel the claim names.
	rec = e.send(0, map[string]any{"id": "wamid.third", "type": "text", "text": map[string]any{"body": "terceira"}})
	require.Equal(t, http.StatusOK, rec.Code)
	third := e.postOfWAMID("wamid.third")
	require.NotNil(t, third)
	rec = e.send(0, map[string]any{"id": "wamid.reply", "type": "text", "text": map[string]any{"body": "isso"},
		"context": map[string]any{"from": maria, "id": "wamid.third"}})
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, third.Id, e.postOfWAMID("wamid.reply").RootId)
}
