package bintest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// joana is a Brazilian mobile as an agent types it (no ninth digit, punctuation); WhatsApp
// reports her as joanaWaID.
const (
	joanaTyped = "+55 (21) 8888-7777"
	joanaWaID  = "552188887777"
)

var pedidoEnviado = fakegraph.Template{
	Name: "pedido_enviado", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY",
	Components: []fakegraph.TemplateComponent{{Type: "BODY", Text: "Olá {{1}}, o pedido {{2}} saiu para entrega."}},
}

// decodeJSON unmarshals an API answer, failing the test on a bad body.
func decodeJSON[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(body, &v), string(body))
	return v
}

func (e *env) postsWithKind(channelID, kind string) []*model.Post {
	var out []*model.Post
	for _, p := range e.store.Posts(channelID) {
		if p.GetProp("wa_kind") == kind {
			out = append(out, p)
		}
	}
	return out
}

func TestAgentStartsAConversationWithANewNumber(t *testing.T) {
	e := newEnv(t, 1, withSetting("StartMessage", "Olá, sou {{agent.name}}."), withSetting("QueueEntryMessage", "Aguarde um instante."))
	e.graph.SetTemplates(pedidoEnviado)

	// Refused before anything happens: a bad number, a wrong parameter count.
	assert.Contains(t, e.command(e.alice.Id, e.queue.Id, "/whatsapp start 12 pedido_enviado Joana 4821"), "not a phone number")
	assert.Contains(t, e.command(e.alice.Id, e.queue.Id, "/whatsapp start "+joanaTyped+" pedido_enviado Joana"), "parameters do not match")
	assert.Empty(t, e.graph.Sent())
	assert.Empty(t, e.conversationChannels())

	out := e.command(e.alice.Id, e.queue.Id, "/whatsapp start "+joanaTyped+" pedido_enviado Joana 4821")
	assert.Contains(t, out, "started")
	assert.Contains(t, out, "pedido_enviado")

	// The template went out with its parameters, to the number with the ninth digit folded in.
	sent := e.graph.Sent()
	require.Len(t, sent, 1, "only the template: no start-of-service or queue-entry message")
	assert.Equal(t, "template", sent[0].Type)
	assert.Equal(t, "pedido_enviado", sent[0].TemplateName)
	assert.Equal(t, "5521988887777", sent[0].To)
	raw, _ := json.Marshal(sent[0].Raw["template"])
	assert.Contains(t, string(raw), `"text":"Joana"`)
	assert.Contains(t, string(raw), `"text":"4821"`)
	assert.Equal(t, float64(1), e.credits()["used"], "one credit")

	// A channel, active and attended by the sender, the template shown in it.
	ch := e.onlyConversationChannel()
	assert.True(t, e.store.IsChannelMember(ch.Id, e.alice.Id))
	assert.Contains(t, out, ch.Name)
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/conversations?state=active", nil)
	require.Equal(t, http.StatusOK, code)
	active := decodeJSON[Paged](t, body)
	require.Len(t, active.Items, 1)
	conv := active.Items[0]
	assert.Equal(t, ch.Id, conv["channel_id"])
	assert.Equal(t, e.alice.Id, conv["agent_id"])
	_, body = e.api(0, e.alice.Id, http.MethodGet, "/conversations?state=waiting", nil)
	assert.Empty(t, decodeJSON[Paged](t, body).Items, "a started conversation never waits in the queue")
	var shown, awaiting bool
	for _, p := range e.store.Posts(ch.Id) {
		shown = shown || strings.Contains(p.Message, "Olá Joana, o pedido 4821 saiu para entrega.")
		awaiting = awaiting || (p.GetProp("wa_kind") == "awaiting_reply" && strings.Contains(p.Message, "no 24-hour window"))
	}
	assert.True(t, shown, "the template is posted in the channel")
	assert.True(t, awaiting, "the channel says there is no window until the customer replies")

	// No window yet: a free-form post is refused with the usual message.
	e.graph.Reset()
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Conseguiu ver?"})
	assert.Empty(t, e.graph.Sent())
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "24 hours")

	// The customer's reply (WhatsApp reports her without the ninth digit) lands in the same
	// channel and opens the window.
	e.text(joanaWaID, "Joana Lima", fakegraph.NewWAMID(), "Oi! Recebi, obrigada")
	assert.Len(t, e.conversationChannels(), 1)
	require.Len(t, e.customerPosts(ch.Id), 1)
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Que bom!"})
	assert.Equal(t, []string{"Que bom!"}, e.sentTexts())
}

// Paged is a list route's answer.
type Paged struct {
	Items []map[string]any `json:"items"`
	Total int              `json:"total"`
}

func TestStartWithAnOpenConversationReusesIt(t *testing.T) {
	e := newEnv(t, 1, withSetting("StartMessage", "Olá, sou {{agent.name}}."))
	e.graph.SetTemplates(pedidoEnviado)
	convID, ch := e.conversation(maria, "Maria")
	e.graph.Reset()

	// Waiting: bob's start attends it for him first, without a start-of-service message.
	start := map[string]any{"phone": "+55 11 98765-4321", "template": "pedido_enviado", "params": []string{"Maria", "77"}}
	code, body := e.api(0, e.bob.Id, http.MethodPost, "/conversations", start)
	require.Equal(t, http.StatusOK, code, string(body))
	conv := decodeJSON[map[string]any](t, body)
	assert.Equal(t, convID, conv["id"], "the open conversation is reused")
	assert.Equal(t, "active", conv["state"])
	assert.Equal(t, e.bob.Id, conv["agent_id"])
	assert.Len(t, e.conversationChannels(), 1, "no second channel")
	assert.True(t, e.store.IsChannelMember(ch.Id, e.bob.Id))
	sent := e.graph.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, "pedido_enviado", sent[0].TemplateName)
	assert.Empty(t, e.sentTexts(), "no start-of-service message on a proactive start")

	// Active with bob: alice is refused, naming who attends it; nothing is sent.
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations", start)
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, string(body), "@bob")
	out := e.command(e.alice.Id, e.queue.Id, "/whatsapp start +55 11 98765-4321 pedido_enviado Maria 77")
	assert.Contains(t, out, "@bob")
	assert.Len(t, e.graph.Sent(), 1)

	// A system admin may; the template goes to the same channel.
	code, body = e.api(0, e.admin.Id, http.MethodPost, "/conversations", start)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, convID, decodeJSON[map[string]any](t, body)["id"])
	assert.Len(t, e.graph.Sent(), 2)
	assert.Len(t, e.conversationChannels(), 1)
}

func TestStartIsRefusedAtZeroCreditsAndForNonAgents(t *testing.T) {
	e := newEnv(t, 1, withSetting("CreditsGranted", 0))
	e.graph.SetTemplates(pedidoEnviado)
	code, body := e.api(0, e.alice.Id, http.MethodPost, "/conversations", map[string]any{"phone": joanaTyped, "template": "pedido_enviado", "params": []string{"Joana", "1"}})
	assert.Equal(t, http.StatusPaymentRequired, code)
	assert.Contains(t, string(body), "credits")
	assert.Empty(t, e.conversationChannels(), "nothing created")
	assert.Empty(t, e.graph.Sent())
	code, _ = e.api(0, e.carol.Id, http.MethodPost, "/conversations", map[string]any{"phone": joanaTyped, "template": "pedido_enviado"})
	assert.Equal(t, http.StatusForbidden, code)
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations", map[string]any{"phone": joanaTyped, "template": "nao_existe"})
	assert.Equal(t, http.StatusNotFound, code, string(body))
}

func TestOptedOutCustomerIsRefusedUntilTheyWriteAgain(t *testing.T) {
	e := newEnv(t, 1)
	e.graph.SetTemplates(pedidoEnviado)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	personID := e.personOfChannel(ch.Id)

	// A whole message that is an opt-out word, in any case, with or without accents.
	e.text(maria, "Maria", fakegraph.NewWAMID(), "Sáir")
	notices := e.postsWithKind(ch.Id, "opt_out")
	require.Len(t, notices, 1, "a bot notice in the channel")
	assert.Contains(t, notices[0].Message, "opted out")
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/people/"+personID, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, true, decodeJSON[map[string]any](t, body)["opted_out"])

	require.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp close"), "Draft ticket")
	e.graph.Reset()
	out := e.command(e.alice.Id, e.queue.Id, "/whatsapp start +55 11 98765-4321 pedido_enviado Maria 1")
	assert.Contains(t, out, "opted out")
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations", map[string]any{"phone": maria, "template": "pedido_enviado", "params": []string{"Maria", "1"}})
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, string(body), "opted out")
	assert.Empty(t, e.graph.Sent())
	assert.Len(t, e.conversationChannels(), 1, "no conversation was opened")

	// A sentence with the word in it is not an opt-out; any message unmarks them.
	e.text(maria, "Maria", fakegraph.NewWAMID(), "Não quero parar de receber")
	_, body = e.api(0, e.alice.Id, http.MethodGet, "/people/"+personID, nil)
	assert.Equal(t, false, decodeJSON[map[string]any](t, body)["opted_out"])
	chans := e.conversationChannels()
	require.Len(t, chans, 2)
	for _, c := range chans {
		if c.Id != ch.Id {
			require.Len(t, e.postsWithKind(c.Id, "opt_out"), 1, "the channel says they are back")
		}
	}
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations", map[string]any{"phone": maria, "template": "pedido_enviado", "params": []string{"Maria", "1"}})
	assert.Equal(t, http.StatusOK, code, string(body))
	assert.Len(t, e.graph.Sent(), 1)
}

// A customer's very first conversation links nothing. Their first message to another chat group's
// number still links the conversation they had in the first group.
func TestAFirstConversationLinksNothingAndAnotherGroupLinksTheEarlierOne(t *testing.T) {
	e := newEnv(t, 1, withSalesGroup())
	_, first := e.conversation(maria, "Maria Souza")
	assert.Empty(t, e.postsWithKind(first.Id, "previous_conversation"), "a brand-new customer has nothing to link")

	body := e.toSales(e.graph.InboundText(maria, "Maria Souza", fakegraph.NewWAMID(), "quero comprar", time.Now()))
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	var sales *model.Channel
	for _, ch := range e.conversationChannels() {
		if ch.Id != first.Id {
			sales = ch
		}
	}
	require.NotNil(t, sales, "the sales number opens a conversation of its own")
	links := e.postsWithKind(sales.Id, "previous_conversation")
	require.Len(t, links, 1, "the sales channel links the conversation in the other group")
	assert.Contains(t, links[0].Message, "~"+first.Name)
}

func TestPersonHistoryListsEarlierConversationsAndTickets(t *testing.T) {
	e := newEnv(t, 1)
	firstID, first := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, firstID))
	require.Contains(t, e.command(e.alice.Id, first.Id, "/whatsapp close"), "Draft ticket")
	personID := e.personOfChannel(first.Id)

	secondID, second := e.conversation(maria, "Maria Souza")
	require.NotEqual(t, firstID, secondID)
	links := e.postsWithKind(second.Id, "previous_conversation")
	require.Len(t, links, 1, "the new channel links the previous conversation")
	assert.Contains(t, links[0].Message, "~"+first.Name)

	code, body := e.api(0, e.bob.Id, http.MethodGet, "/people/"+personID, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	var h struct {
		ID            string           `json:"id"`
		Name          string           `json:"name"`
		Phone         string           `json:"phone"`
		OptedOut      bool             `json:"opted_out"`
		Conversations []map[string]any `json:"conversations"`
		Tickets       []map[string]any `json:"tickets"`
	}
	require.NoError(t, json.Unmarshal(body, &h))
	assert.Equal(t, "Maria Souza", h.Name)
	assert.Equal(t, "5511987654321", h.Phone)
	require.Len(t, h.Conversations, 2)
	assert.Equal(t, secondID, h.Conversations[0]["id"], "newest first")
	assert.Equal(t, "waiting", h.Conversations[0]["state"])
	older := h.Conversations[1]
	assert.Equal(t, firstID, older["id"])
	assert.Equal(t, "closed", older["state"])
	assert.NotZero(t, older["closed_at"])
	assert.NotZero(t, older["created_at"])
	assert.Equal(t, e.alice.Id, older["agent_id"])
	assert.NotEmpty(t, older["agent"])
	require.Len(t, h.Tickets, 1)
	assert.Equal(t, older["ticket_id"], h.Tickets[0]["id"])
	assert.Equal(t, "Maria Souza", h.Tickets[0]["subject"])
	assert.Equal(t, "draft", h.Tickets[0]["status"])

	// Opening the earlier conversation from the history adds the agent to its channel; an open
	// one is not opened to someone who does not handle it.
	assert.False(t, e.store.IsChannelMember(first.Id, e.bob.Id))
	code, _ = e.api(0, e.bob.Id, http.MethodPost, "/conversations/"+firstID+"/join", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, e.store.IsChannelMember(first.Id, e.bob.Id))
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, secondID))
	code, _ = e.api(0, e.bob.Id, http.MethodPost, "/conversations/"+secondID+"/join", nil)
	assert.Equal(t, http.StatusForbidden, code)
	assert.False(t, e.store.IsChannelMember(second.Id, e.bob.Id))

	// Only agents read people; an unknown id is 404.
	code, _ = e.api(0, e.carol.Id, http.MethodGet, "/people/"+personID, nil)
	assert.Equal(t, http.StatusForbidden, code)
	code, _ = e.api(0, e.alice.Id, http.MethodGet, "/people/"+model.NewId(), nil)
	assert.Equal(t, http.StatusNotFound, code)
}

func TestStartDialogAsksForEachParameterWithAPreview(t *testing.T) {
	e := newEnv(t, 1)
	e.graph.SetTemplates(pedidoEnviado)

	// Without arguments: phone, template picker and parameters.
	e.command(e.alice.Id, e.queue.Id, "/whatsapp start")
	dialogs := e.store.Dialogs()
	require.NotEmpty(t, dialogs)
	open := dialogs[len(dialogs)-1].Request
	assert.Equal(t, "/plugins/whatsapp-helpdesk/dialogs/start", open.URL)
	var names []string
	for _, el := range open.Dialog.Elements {
		names = append(names, el.Name)
	}
	assert.Equal(t, []string{"phone", "template", "params"}, names)
	assert.Contains(t, open.Dialog.IntroductionText, "1 credit")

	// With a template: one field per placeholder and the preview with its cost.
	e.command(e.alice.Id, e.queue.Id, "/whatsapp start "+joanaTyped+" pedido_enviado")
	dialogs = e.store.Dialogs()
	dialog := dialogs[len(dialogs)-1].Request
	require.Len(t, dialog.Dialog.Elements, 3, "the phone and one field per placeholder")
	assert.Equal(t, joanaTyped, dialog.Dialog.Elements[0].Default)
	assert.Contains(t, dialog.Dialog.Elements[1].DisplayName, "{{1}}")
	assert.Contains(t, dialog.Dialog.IntroductionText, "Olá {{1}}, o pedido {{2}} saiu para entrega.")
	assert.Contains(t, dialog.Dialog.IntroductionText, "1 credit")
	assert.Empty(t, e.graph.Sent())

	submit := func(userID, state string, values map[string]any) *httptest.ResponseRecorder {
		raw, _ := json.Marshal(model.SubmitDialogRequest{UserId: userID, ChannelId: e.queue.Id, CallbackId: "start", State: state, Submission: values})
		return e.node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, dialog.URL, bytes.NewReader(raw)), userID)
	}
	values := map[string]any{"phone": joanaTyped, "p0": "Joana", "p1": "4821"}
	assert.Equal(t, http.StatusForbidden, submit(e.bob.Id, dialog.Dialog.State, values).Code, "another user's dialog")
	rec := submit(e.alice.Id, dialog.Dialog.State, values)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.NotContains(t, rec.Body.String(), "error")
	sent := e.graph.Sent()
	require.Len(t, sent, 1)
	raw, _ := json.Marshal(sent[0].Raw["template"])
	assert.Contains(t, string(raw), `"text":"4821"`)
	ch := e.onlyConversationChannel()
	e.waitIdle()
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), ch.Name, "the agent is told where the conversation is")

	// A refusal comes back in the dialog.
	rec = submit(e.alice.Id, dialog.Dialog.State, map[string]any{"phone": "abc", "p0": "Joana", "p1": "4821"})
	assert.Contains(t, rec.Body.String(), "not a phone number")
}

func TestStartWithAMediaHeaderTakesAnAttachedFile(t *testing.T) {
	e := newEnv(t, 1)
	e.graph.SetTemplates(fakegraph.Template{
		Name: "promo_foto", Language: "pt_BR", Status: "APPROVED", Category: "MARKETING",
		Components: []fakegraph.TemplateComponent{{Type: "HEADER", Format: "IMAGE"}, {Type: "BODY", Text: "Olá {{1}}, veja a novidade."}},
	})
	// The panel's form learns which values the template needs.
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/start/templates", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	forms := decodeJSON[[]map[string]any](t, body)
	require.Len(t, forms, 1)
	assert.Equal(t, []any{map[string]any{"kind": "header_media", "name": "image"}, map[string]any{"kind": "body", "name": "1"}}, forms[0]["fields"])
	assert.Equal(t, "Olá {{1}}, veja a novidade.", forms[0]["body"])

	png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 64))
	mine := e.store.AddFile(png, e.queue.Id, e.alice.Id, "promo.png")
	theirs := e.store.AddFile(png, e.queue.Id, e.bob.Id, "outra.png")

	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations", map[string]any{"phone": joanaTyped, "template": "promo_foto", "params": []string{"Joana"}, "header_file_id": theirs.Id})
	assert.Equal(t, http.StatusForbidden, code, string(body))
	assert.Empty(t, e.graph.Uploads())

	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations", map[string]any{"phone": joanaTyped, "template": "promo_foto", "params": []string{"Joana"}, "header_file_id": mine.Id})
	require.Equal(t, http.StatusOK, code, string(body))
	uploads := e.graph.Uploads()
	require.Len(t, uploads, 1, "the file went to the Graph media endpoint")
	assert.Equal(t, png, uploads[0].Data)
	sent := e.graph.Sent()
	require.Len(t, sent, 1)
	raw, _ := json.Marshal(sent[0].Raw["template"])
	assert.Contains(t, string(raw), `"id":"`+uploads[0].ID+`"`, "sent by id")

	// A link works as well.
	e.graph.Reset()
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations", map[string]any{"phone": joanaTyped, "template": "promo_foto", "params": []string{"https://example.com/promo.png", "Joana"}})
	require.Equal(t, http.StatusOK, code, string(body))
	raw, _ = json.Marshal(e.graph.Sent()[0].Raw["template"])
	assert.Contains(t, string(raw), "https://example.com/promo.png")
}

func TestOptOutIsSeenByEveryNode(t *testing.T) {
	e := newEnv(t, 2)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	personID := e.personOfChannel(ch.Id)
	deliver := func(node int, text string) {
		rec := e.deliver(node, e.graph.InboundText(maria, "Maria", fakegraph.NewWAMID(), text, time.Now()))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	optedOut := func() bool {
		_, body := e.api(1, e.alice.Id, http.MethodGet, "/people/"+personID, nil)
		return decodeJSON[map[string]any](t, body)["opted_out"] == true
	}
	deliver(1, "tudo bem?") // node 1 now caches the customer
	deliver(0, "STOP")
	require.True(t, optedOut())
	// Node 1's cache must not hide the opt-out: its next message unmarks them.
	e.eventually(func() bool {
		deliver(1, "voltei")
		return !optedOut()
	}, "node 1 unmarks the customer")
	assert.Len(t, e.postsWithKind(ch.Id, "opt_out"), 2, "marked once, unmarked once")
}
