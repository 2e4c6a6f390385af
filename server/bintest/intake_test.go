package bintest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

const maria = "551187654321" // a Brazilian mobile as WhatsApp reports it, without the ninth digit

func TestWebhookVerification(t *testing.T) {
	e := newEnv(t, 1)
	get := func(token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/plugins/"+pluginID+"/webhook?hub.mode=subscribe&hub.verify_token="+token+"&hub.challenge=1158201444", nil)
		return e.node(0).ServeHTTP(req, "")
	}
	ok := get("verify-me")
	assert.Equal(t, http.StatusOK, ok.Code)
	assert.Equal(t, "1158201444", ok.Body.String())
	assert.Equal(t, http.StatusForbidden, get("wrong").Code)
	assert.Equal(t, http.StatusForbidden, get("").Code)
}

func TestForgedUnsignedMalformedAndOversizedWebhooksStoreNothing(t *testing.T) {
	e := newEnv(t, 1)
	body := e.graph.InboundText(maria, "Maria Souza", "wamid.forged", "hi", time.Now())

	assert.Equal(t, http.StatusUnauthorized, e.deliverSigned(0, body, "").Code, "unsigned")
	assert.Equal(t, http.StatusUnauthorized, e.deliverSigned(0, body, "sha256="+strings.Repeat("0", 64)).Code, "forged")
	tampered := bytes.Replace(body, []byte(`"hi"`), []byte(`"pay me"`), 1)
	assert.Equal(t, http.StatusUnauthorized, e.deliverSigned(0, tampered, e.graph.Sign(body)).Code, "signature of another body")

	malformed := []byte(`{"object":"whatsapp_business_account","entry":[`)
	rec := e.deliver(0, malformed)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), `"error"`)

	huge := append([]byte(`{"object":"whatsapp_business_account","entry":[],"pad":"`), bytes.Repeat([]byte("x"), 3<<20)...)
	huge = append(huge, []byte(`"}`)...)
	assert.Equal(t, http.StatusRequestEntityTooLarge, e.deliver(0, huge).Code)

	assert.Empty(t, e.conversationChannels())
	for _, key := range e.store.KVKeys(pluginID) {
		for _, record := range []string{"v1/msg/", "v1/person/", "v1/phone/", "v1/phoneh/", "v1/conv/", "v1/open/"} {
			assert.False(t, strings.HasPrefix(key, record), "nothing may be stored for a refused webhook: %s", key)
		}
	}
}

func TestWebhookForAnotherNumberIsAcknowledgedAndIgnored(t *testing.T) {
	e := newEnv(t, 1)
	body := bytes.Replace(e.graph.InboundText(maria, "Maria", "wamid.other", "hi", time.Now()),
		[]byte(e.graph.Options().PhoneNumberID), []byte("999999999999999"), 1)
	assert.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	assert.Empty(t, e.conversationChannels())
}

func TestFirstMessageCreatesConversationChannelAndQueueAnnouncement(t *testing.T) {
	e := newEnv(t, 1)
	e.text(maria, "Maria Souza", "wamid.first", "Oi, meu pedido 4821 não chegou 😕")

	ch := e.onlyConversationChannel()
	assert.Equal(t, model.ChannelTypePrivate, ch.Type)
	assert.Contains(t, ch.DisplayName, "Maria Souza")
	posts := e.customerPosts(ch.Id)
	require.Len(t, posts, 1)
	p := posts[0]
	assert.Equal(t, "Oi, meu pedido 4821 não chegou 😕", p.Message, "the text is the customer's own; the name is in props")
	assert.Equal(t, "custom_whatsapp_inbound", p.Type)
	assert.Equal(t, "whatsapp", p.GetProp("wa_origin"))
	assert.Equal(t, "wamid.first", p.GetProp("wa_wamid"))
	assert.Equal(t, "Maria Souza", p.GetProp("wa_customer"))
	assert.NotEmpty(t, p.GetProp("wa_timestamp"))
	assert.Len(t, p.GetProps(), 7, "origin, wamid, customer, time and the three defences: each prop costs on every message")
	convID := e.convOfChannel(ch.Id)

	// The queue sees the new conversation with an Attend button carrying a signed context.
	var announcement *model.Post
	for _, qp := range e.store.Posts(e.queue.Id) {
		if qp.GetProp("wa_conversation_id") == convID {
			announcement = qp
		}
	}
	require.NotNil(t, announcement, "the queue channel must announce the conversation")
	attachments := announcement.Attachments()
	require.Len(t, attachments, 1)
	text := attachments[0].Title
	for _, f := range attachments[0].Fields {
		text += fmt.Sprintf(" %s=%v", f.Title, f.Value)
	}
	assert.Contains(t, text, "WhatsApp")
	assert.Contains(t, text, "Maria Souza")
	assert.Contains(t, text, "+55 11 98765-4321")
	require.Len(t, attachments[0].Actions, 1)
	action := attachments[0].Actions[0]
	assert.Equal(t, "Attend", action.Name)
	assert.Equal(t, "/plugins/whatsapp-helpdesk/actions/attend", action.Integration.URL)
	assert.Equal(t, convID, action.Integration.Context["conversation_id"])
	assert.Len(t, action.Integration.Context["sig"], 64)

	// A second message lands in the same conversation.
	e.text(maria, "Maria Souza", "wamid.second", "Alguém?")
	assert.Len(t, e.customerPosts(ch.Id), 2)
	assert.Len(t, e.conversationChannels(), 1)
}

func TestNinthDigitVariantsAreOnePerson(t *testing.T) {
	e := newEnv(t, 1)
	e.text("551187654321", "Maria", "wamid.a", "sem o nove")
	e.text("5511987654321", "Maria", "wamid.b", "com o nove")
	ch := e.onlyConversationChannel()
	posts := e.customerPosts(ch.Id)
	require.Len(t, posts, 2, "both variants write in the one conversation")

	code, body := e.api(0, e.alice.Id, http.MethodGet, "/people?q=Maria", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, 1, strings.Count(string(body), `"id"`), string(body))
}

func TestConcurrentRedeliveryAcrossTwoProcessesYieldsOnePost(t *testing.T) {
	e := newEnv(t, 2)
	body := e.graph.InboundText(maria, "Maria Souza", "wamid.dup", "só uma vez", time.Now())
	var wg sync.WaitGroup
	codes := make(chan int, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes <- e.deliver(i%2, body).Code
		}(i)
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		assert.Contains(t, []int{http.StatusOK, http.StatusServiceUnavailable}, code)
	}
	ch := e.onlyConversationChannel()
	assert.Len(t, e.customerPosts(ch.Id), 1, "one wamid, one post")
	queued := 0
	for _, p := range e.store.Posts(e.queue.Id) {
		if p.GetProp("wa_conversation_id") != nil {
			queued++
		}
	}
	assert.Equal(t, 1, queued, "one announcement")

	// A later redelivery is acknowledged as a duplicate.
	assert.Equal(t, http.StatusOK, e.deliver(1, body).Code)
	assert.Len(t, e.customerPosts(ch.Id), 1)
}

func TestBatchedPayloadIsFullyProcessedInWhatsAppOrder(t *testing.T) {
	e := newEnv(t, 1)
	now := time.Now()
	later := e.graph.InboundText(maria, "Maria", "wamid.2", "segunda", now)
	earlier := e.graph.InboundText(maria, "Maria", "wamid.1", "primeira", now.Add(-time.Minute))
	rec := e.deliver(0, fakegraph.Batch(later, earlier))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	posts := e.customerPosts(e.onlyConversationChannel().Id)
	require.Len(t, posts, 2)
	assert.Contains(t, posts[0].Message, "primeira")
	assert.Contains(t, posts[1].Message, "segunda")
}

// A second WhatsApp number feeds its own chat group: its own queue channel and agents.
func TestSeveralNumbersFeedTheirOwnChatGroups(t *testing.T) {
	e := newEnv(t, 1, withSalesGroup())
	sales := e.store.UserByUsername("carol")
	salesQueue := e.salesQueue()
	require.NotNil(t, salesQueue, "the plugin creates a missing queue channel")
	e.store.AddToChannel(salesQueue.Id, sales.Id) // the admin makes carol a sales agent

	body := e.toSales(e.graph.InboundText(maria, "Maria", "wamid.sales", "quero comprar", time.Now()))
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	ch := e.onlyConversationChannel()
	convID := e.convOfChannel(ch.Id)

	announced := func(channelID string) bool {
		for _, p := range e.store.Posts(channelID) {
			if p.GetProp("wa_conversation_id") == convID {
				return true
			}
		}
		return false
	}
	assert.True(t, announced(salesQueue.Id))
	assert.False(t, announced(e.queue.Id))

	code, _ := e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/attend", nil)
	assert.Equal(t, http.StatusForbidden, code, "a support agent is not a sales agent")
	code, body2 := e.api(0, sales.Id, http.MethodGet, "/conversations?state=waiting", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body2), convID)
	assert.Equal(t, http.StatusOK, e.attend(0, sales.Id, convID))

	// The same customer writing to the support number is a separate conversation.
	e.text(maria, "Maria", "wamid.support", "outra coisa")
	assert.Len(t, e.conversationChannels(), 2)
}
