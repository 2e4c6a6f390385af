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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// conversation starts a conversation with a fresh customer message and returns its id and channel.
func (e *env) conversation(from, name string) (string, *model.Channel) {
	e.t.Helper()
	wamid := fakegraph.NewWAMID()
	e.text(from, name, wamid, "Olá, preciso de ajuda")
	for _, ch := range e.conversationChannels() {
		for _, p := range e.customerPosts(ch.Id) {
			if p.GetProp("wa_wamid") == wamid {
				return e.convOfChannel(p.ChannelId), ch
			}
		}
	}
	e.t.Fatal("no conversation for the message")
	return "", nil
}

func (e *env) attend(i int, userID, convID string) int {
	e.t.Helper()
	code, body := e.api(i, userID, http.MethodPost, "/conversations/"+convID+"/attend", nil)
	if code != http.StatusOK {
		e.t.Logf("attend by %s: %d %s", userID, code, body)
	}
	return code
}

// say posts as an agent in a conversation channel, as their client would, and waits for the
// plugin's hooks to finish.
func (e *env) say(userID string, post *model.Post) *model.Post {
	e.t.Helper()
	created, appErr := e.node(0).CreatePostAs(userID, post)
	require.Nil(e.t, appErr)
	e.waitIdle()
	return e.store.Post(created.Id)
}

func (e *env) sentTexts() []string {
	var out []string
	for _, m := range e.graph.Sent() {
		if m.Type == "text" {
			out = append(out, m.Text)
		}
	}
	return out
}

func (e *env) command(userID, channelID, cmd string) string {
	e.t.Helper()
	resp, appErr := e.node(0).ExecuteCommand(userID, channelID, e.team.Id, cmd)
	require.Nil(e.t, appErr)
	e.waitIdle()
	return resp.Text
}

func TestTwoAgentsAttendAtOnceOnTwoProcesses(t *testing.T) {
	e := newEnv(t, 2, withSetting("StartMessage", "Olá {{customer.first_name}}, sou {{agent.name}}."))
	convID, ch := e.conversation(maria, "Maria Souza")

	var wg sync.WaitGroup
	codes := map[string]int{}
	var mu sync.Mutex
	for i, agent := range []*model.User{e.alice, e.bob} {
		wg.Add(1)
		go func(i int, agent *model.User) {
			defer wg.Done()
			code := e.attend(i, agent.Id, convID)
			mu.Lock()
			codes[agent.Username] = code
			mu.Unlock()
		}(i, agent)
	}
	wg.Wait()
	e.waitIdle()
	wins := 0
	for _, code := range codes {
		if code == http.StatusOK {
			wins++
		} else {
			assert.Equal(t, http.StatusConflict, code)
		}
	}
	require.Equal(t, 1, wins, "exactly one agent attends: %v", codes)
	winner := e.alice
	if codes["bob"] == http.StatusOK {
		winner = e.bob
	}
	assert.True(t, e.store.IsChannelMember(ch.Id, winner.Id), "the agent joins the channel")

	// The start-of-service message went out once, with its variables, and the customer's
	// messages were marked read.
	sent := e.sentTexts()
	require.Len(t, sent, 1)
	assert.Equal(t, "Olá Maria, sou "+winner.Username+".", sent[0])
	assert.NotEmpty(t, e.graph.Reads())

	// The queue announcement lost its button and says who attends.
	for _, p := range e.store.Posts(e.queue.Id) {
		if p.GetProp("wa_conversation_id") == convID {
			a := p.Attachments()[0]
			assert.Empty(t, a.Actions)
			assert.Contains(t, fmt.Sprint(fieldValues(a)), "@"+winner.Username)
		}
	}
	// Credits: one message debited.
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/credits", nil)
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"granted":1000,"used":1,"balance":999,"low_threshold":10}`, string(body))
}

func fieldValues(a *model.MessageAttachment) []any {
	var out []any
	for _, f := range a.Fields {
		out = append(out, f.Value)
	}
	return out
}

func TestAttendByButtonCommandAndForgedContext(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria Souza")
	var announcement *model.Post
	for _, p := range e.store.Posts(e.queue.Id) {
		if p.GetProp("wa_conversation_id") == convID {
			announcement = p
		}
	}
	require.NotNil(t, announcement)
	action := announcement.Attachments()[0].Actions[0]

	click := func(userID string, postID, channelID string, ctx map[string]any) *httptest.ResponseRecorder {
		raw, _ := json.Marshal(model.PostActionIntegrationRequest{UserId: userID, PostId: postID, ChannelId: channelID, Context: ctx})
		req := httptest.NewRequest(http.MethodPost, action.Integration.URL, bytes.NewReader(raw))
		return e.node(0).ServeHTTP(req, userID)
	}
	// Forged: the signature of this conversation reused for another one, a post that is not
	// ours, another channel, and a user header that does not match the body.
	other, _ := e.conversation("5521998765432", "João")
	forged := map[string]any{"conversation_id": other, "sig": action.Integration.Context["sig"]}
	assert.Equal(t, http.StatusForbidden, click(e.alice.Id, announcement.Id, e.queue.Id, forged).Code)
	userPost, _ := e.node(0).CreatePostAs(e.alice.Id, &model.Post{ChannelId: e.queue.Id, Message: "hi"})
	assert.Equal(t, http.StatusForbidden, click(e.alice.Id, userPost.Id, e.queue.Id, action.Integration.Context).Code)
	assert.Equal(t, http.StatusForbidden, click(e.alice.Id, announcement.Id, ch.Id, action.Integration.Context).Code)
	raw, _ := json.Marshal(model.PostActionIntegrationRequest{UserId: e.bob.Id, PostId: announcement.Id, ChannelId: e.queue.Id, Context: action.Integration.Context})
	req := httptest.NewRequest(http.MethodPost, action.Integration.URL, bytes.NewReader(raw))
	assert.Equal(t, http.StatusForbidden, e.node(0).ServeHTTP(req, e.alice.Id).Code)
	assert.False(t, e.store.IsChannelMember(ch.Id, e.alice.Id), "nothing happened")

	// A non-agent may not attend even with a genuine button.
	rec := click(e.carol.Id, announcement.Id, e.queue.Id, action.Integration.Context)
	assert.False(t, e.store.IsChannelMember(ch.Id, e.carol.Id))
	assert.Contains(t, rec.Body.String(), "You are not an agent of this conversation")

	// The genuine click attends.
	rec = click(e.alice.Id, announcement.Id, e.queue.Id, action.Integration.Context)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "You are attending Maria Souza")
	assert.True(t, e.store.IsChannelMember(ch.Id, e.alice.Id))

	// /whatsapp attend with no argument takes the longest-waiting one; by phone works too.
	out := e.command(e.bob.Id, e.queue.Id, "/whatsapp queue")
	assert.Contains(t, out, "João")
	out = e.command(e.bob.Id, e.queue.Id, "/whatsapp attend +55 21 99876-5432")
	assert.Contains(t, out, "You are attending João")
	out = e.command(e.bob.Id, e.queue.Id, "/whatsapp attend")
	assert.Contains(t, out, "No conversation is waiting")
}

func TestAutomaticDistributionSkipsOfflineAndFullAgents(t *testing.T) {
	e := newEnv(t, 1, withSetting("AutoDistribution", true), withSetting("MaxConversationsPerAgent", 1))
	e.store.SetStatus(e.bob.Id, model.StatusAway)

	c1, ch1 := e.conversation("5511911111111", "Ana")
	e.waitIdle()
	e.eventually(func() bool { return e.store.IsChannelMember(ch1.Id, e.alice.Id) }, "alice gets the first conversation")
	assert.False(t, e.store.IsChannelMember(ch1.Id, e.bob.Id), "bob is away")

	_, ch2 := e.conversation("5511922222222", "Bruno")
	e.waitIdle()
	time.Sleep(200 * time.Millisecond)
	assert.False(t, e.store.IsChannelMember(ch2.Id, e.alice.Id), "alice is full")
	assert.False(t, e.store.IsChannelMember(ch2.Id, e.bob.Id), "bob is away")
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/conversations?state=waiting", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), "Bruno", "it waits")

	// Bob comes online: the periodic distribution hands the waiting conversation to him.
	e.store.SetStatus(e.bob.Id, model.StatusOnline)
	e.eventually(func() bool { return e.store.IsChannelMember(ch2.Id, e.bob.Id) }, "handed out once someone is online")

	// Closing alice's conversation frees her for the next one, at once.
	_, ch3 := e.conversation("5511933333333", "Carla")
	e.waitIdle()
	assert.False(t, e.store.IsChannelMember(ch3.Id, e.alice.Id), "alice is still full")
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+c1+"/close", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	e.eventually(func() bool { return e.store.IsChannelMember(ch3.Id, e.alice.Id) }, "a freed agent gets the next waiting conversation")
}

func TestAgentPostsReachTheCustomer(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()

	// Markdown and emoji shortcodes are converted.
	p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "**Pronto**, seu pedido foi *reenviado* :tada: veja [o rastreio](https://r.example.com/4821)"})
	sent := e.graph.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, "*Pronto*, seu pedido foi _reenviado_ 🎉 veja o rastreio (https://r.example.com/4821)", sent[0].Text)
	assert.Equal(t, maria, sent[0].To, "sent to the wa_id WhatsApp reported")
	assert.Equal(t, "mm:post:"+p.Id, sent[0].BizOpaque)
	assert.Equal(t, "sent", p.GetProp("wa_status"))

	// An internal note stays in Mattermost.
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "// cliente já ligou duas vezes"})
	assert.Len(t, e.graph.Sent(), 1)

	// A PDF is uploaded to the media endpoint and sent by id, with its filename and caption.
	pdf := []byte("%PDF-1.4 protocolo")
	file := e.store.AddFile(pdf, ch.Id, e.alice.Id, "protocolo-4821.pdf")
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Segue o protocolo", FileIds: []string{file.Id}})
	sent = e.graph.Sent()
	require.Len(t, sent, 2)
	doc := sent[1]
	assert.Equal(t, "document", doc.Type)
	assert.Equal(t, "protocolo-4821.pdf", doc.Filename)
	assert.Equal(t, "Segue o protocolo", doc.Caption)
	uploads := e.graph.Uploads()
	require.Len(t, uploads, 1)
	assert.Equal(t, doc.MediaID, uploads[0].ID)
	assert.Equal(t, pdf, uploads[0].Data)

	// A file WhatsApp refuses is not sent, and the agent is told why.
	zip := e.store.AddFile([]byte("PK\x03\x04"), ch.Id, e.alice.Id, "logs.zip")
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "", FileIds: []string{zip.Id}})
	assert.Len(t, e.graph.Sent(), 2)
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "does not accept this file")

	// A thread reply is sent as a WhatsApp reply to the root message.
	root := e.customerPosts(ch.Id)[0]
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, RootId: root.Id, Message: "Sobre isso:"})
	sent = e.graph.Sent()
	require.Len(t, sent, 3)
	assert.Equal(t, root.GetProp("wa_wamid"), sent[2].ContextID)

	// Edits and deletions are answered with a notice.
	edited := p.Clone()
	edited.Message = "corrigido"
	// As the server does for a user's edit: store it, then run MessageHasBeenUpdated on the node.
	_, appErr := e.store.NewAPI(e.c.Manifest, e.node(0).Name).UpdatePost(edited)
	require.Nil(t, appErr)
	e.waitIdle()
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "Edits do not reach WhatsApp")
	assert.Len(t, e.graph.Sent(), 3)
}

func TestOutsideTheWindowNothingIsSentAndHSMIsOffered(t *testing.T) {
	e := newEnv(t, 1)
	old := time.Now().Add(-25 * time.Hour)
	rec := e.deliver(0, e.graph.InboundText(maria, "Maria", "wamid.old", "oi", old))
	require.Equal(t, http.StatusOK, rec.Code)
	ch := e.onlyConversationChannel()
	convID := e.convOfChannel(ch.Id)
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()

	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Ainda precisa de ajuda?"})
	assert.Empty(t, e.graph.Sent(), "nothing may be sent outside the window")
	notice := strings.Join(e.ephemerals(e.alice.Id), "\n")
	assert.Contains(t, notice, "24 hours")
	assert.Contains(t, notice, "/whatsapp hsm")

	// A template may be sent: header text + body params.
	e.graph.SetTemplates(fakegraph.Template{
		Name: "retomar_atendimento", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY",
		Components: []fakegraph.TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Pedido {{1}}"},
			{Type: "BODY", Text: "Olá {{1}}, seu atendimento {{2}} está aguardando sua resposta."},
		},
	})
	out := e.command(e.alice.Id, ch.Id, "/whatsapp hsm retomar_atendimento 4821")
	assert.Contains(t, out, "parameters do not match", "a wrong count is refused before sending")
	assert.Empty(t, e.graph.Sent())
	out = e.command(e.alice.Id, ch.Id, "/whatsapp hsm retomar_atendimento 4821 Maria 4821")
	assert.Empty(t, out)
	sent := e.graph.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, "template", sent[0].Type)
	assert.Equal(t, "retomar_atendimento", sent[0].TemplateName)
	raw, _ := json.Marshal(sent[0].Raw["template"])
	assert.Contains(t, string(raw), `"type":"header"`)
	assert.Contains(t, string(raw), `"text":"Maria"`)

	// Without arguments a dialog lists the templates.
	e.command(e.alice.Id, ch.Id, "/whatsapp hsm")
	dialogs := e.store.Dialogs()
	require.NotEmpty(t, dialogs)
	assert.Equal(t, "/plugins/whatsapp-helpdesk/dialogs/hsm", dialogs[len(dialogs)-1].Request.URL)
}

func TestCreditsStopAtZeroUnderConcurrentSends(t *testing.T) {
	e := newEnv(t, 1, withSetting("CreditsGranted", 3), withSetting("LowCreditThreshold", 2))
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()

	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, appErr := e.node(0).CreatePostAs(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: fmt.Sprintf("mensagem %d", i)})
			assert.Nil(t, appErr)
		}(i)
	}
	wg.Wait()
	e.waitIdle()
	assert.Len(t, e.graph.Sent(), 3, "three credits, three messages")
	notices := strings.Join(e.ephemerals(e.alice.Id), "\n")
	assert.Contains(t, notices, "no credits left")
	assert.Contains(t, notices, "Only 1 credit(s) left", "agents are warned below the threshold")
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/credits", nil)
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"granted":3,"used":3,"balance":0,"low_threshold":2}`, string(body))
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp credits"), "0 left")

	// Only admins add credits; then sending works again.
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp credits add 5"), "Only system admins")
	assert.Contains(t, e.command(e.admin.Id, ch.Id, "/whatsapp credits add 5"), "5 left")
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "de novo"})
	assert.Len(t, e.graph.Sent(), 4)
}

func TestRateLimitedSendIsRetriedAndDeliveredOnce(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	e.graph.FailNext(fakegraph.Messages, 1, fakegraph.RateLimited())
	p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "depois do 429"})
	assert.Equal(t, []string{"depois do 429"}, e.sentTexts())
	sends := e.graph.Requests(fakegraph.Messages) - len(e.graph.Reads()) // mark-read uses the same endpoint
	assert.Equal(t, 2, sends, "one refused, one accepted")
	assert.Equal(t, "sent", p.GetProp("wa_status"))
}

func TestDeliveryStatusesMoveForwardAndFailuresAreVisible(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "status?"})
	wamid := p.GetProp("wa_wamid").(string)
	status := func(s string, errs ...fakegraph.StatusError) {
		rec := e.deliver(0, e.graph.StatusUpdate(wamid, s, maria, time.Now(), "mm:post:"+p.Id, errs...))
		require.Equal(t, http.StatusOK, rec.Code)
	}
	status("read")
	status("delivered") // late and out of order: ignored
	status("read")      // duplicate
	assert.Equal(t, "read", e.store.Post(p.Id).GetProp("wa_status"))

	q := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "esta falha"})
	wamid = q.GetProp("wa_wamid").(string)
	p = q
	status("failed", fakegraph.StatusError{Code: 131026, Title: "Message undeliverable", Details: "Recipient is not on WhatsApp"})
	status("failed", fakegraph.StatusError{Code: 131026, Title: "Message undeliverable"})
	got := e.store.Post(q.Id)
	assert.Equal(t, "failed", got.GetProp("wa_status"))
	assert.Contains(t, got.GetProp("wa_error"), "131026")
	replies := 0
	for _, r := range e.store.Posts(ch.Id) {
		if r.RootId == q.Id && strings.Contains(r.Message, "131026") {
			replies++
		}
	}
	assert.Equal(t, 1, replies, "one thread reply with the code and reason")
}

func TestInviteOnlyOnlineAgentsAndTransferIsRefused(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))

	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp transfer"), "Transfer is not available")

	e.store.SetStatus(e.bob.Id, model.StatusOffline)
	out := e.command(e.alice.Id, ch.Id, "/whatsapp invite @bob")
	assert.Contains(t, out, "@bob is not online")
	code, body := e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/invite", map[string]string{"user_id": e.bob.Id})
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, string(body), "not online")

	e.store.SetStatus(e.bob.Id, model.StatusOnline)
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp invite @bob"), "Invitation sent")
	dm, appErr := e.store.NewAPI(e.c.Manifest, "test").GetDirectChannel(e.bob.Id, e.c.Store.UserByUsername("whatsapp").Id)
	require.Nil(t, appErr)
	var invitation *model.Post
	for _, p := range e.store.Posts(dm.Id) {
		if len(p.Attachments()) > 0 {
			invitation = p
		}
	}
	require.NotNil(t, invitation, "the invitee gets a DM from the bot")
	accept := invitation.Attachments()[0].Actions[0]
	raw, _ := json.Marshal(model.PostActionIntegrationRequest{UserId: e.bob.Id, PostId: invitation.Id, ChannelId: dm.Id, Context: accept.Integration.Context})
	rec := e.node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, accept.Integration.URL, bytes.NewReader(raw)), e.bob.Id)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.True(t, e.store.IsChannelMember(ch.Id, e.bob.Id), "Accept adds the invitee")
}

func TestCloseBecomesDraftTicketThatIsEditedAndSaved(t *testing.T) {
	e := newEnv(t, 1, withSetting("EndMessage", "Obrigado, {{customer.first_name}}!"))
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Resolvido?"})
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp status resolvido"), "resolvido")

	out := e.command(e.alice.Id, ch.Id, "/whatsapp close")
	assert.Contains(t, out, "Draft ticket")
	assert.Contains(t, e.sentTexts(), "Obrigado, Maria!")

	code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=draft", nil)
	require.Equal(t, http.StatusOK, code)
	drafts := pagedItems(t, body)
	require.Len(t, drafts, 1)
	assert.NotContains(t, drafts[0], "transcript", "lists carry no transcripts")
	code, body = e.api(0, e.alice.Id, http.MethodGet, "/tickets/"+drafts[0]["id"].(string), nil)
	require.Equal(t, http.StatusOK, code)
	var ticket map[string]any
	require.NoError(t, json.Unmarshal(body, &ticket))
	assert.Equal(t, "Maria Souza", ticket["subject"])
	assert.Equal(t, "Maria Souza", ticket["customer"].(map[string]any)["name"])
	assert.Equal(t, "resolvido", ticket["conversation_status"])
	transcript := ticket["transcript"].([]any)
	require.GreaterOrEqual(t, len(transcript), 3)
	first := transcript[0].(map[string]any)
	assert.Equal(t, "inbound", first["direction"])
	assert.Equal(t, "Maria Souza", first["author"])
	id := ticket["id"].(string)

	// Validation: an empty subject is refused.
	code, body = e.api(0, e.alice.Id, http.MethodPatch, "/tickets/"+id, map[string]any{"subject": " "})
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, string(body), "error")

	code, body = e.api(0, e.alice.Id, http.MethodPatch, "/tickets/"+id, map[string]any{
		"subject":      "Pedido 4821 não entregue",
		"new_customer": map[string]string{"name": "Maria Souza Lima", "phone": "+55 21 3333-4444", "email": "maria@example.com"},
	})
	require.Equal(t, http.StatusOK, code, string(body))
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/tickets/"+id+"/save", nil)
	require.Equal(t, http.StatusOK, code, string(body))

	code, body = e.api(0, e.alice.Id, http.MethodGet, "/tickets/"+id, nil)
	require.Equal(t, http.StatusOK, code)
	var saved map[string]any
	require.NoError(t, json.Unmarshal(body, &saved))
	assert.Equal(t, "saved", saved["status"])
	assert.Equal(t, "Pedido 4821 não entregue", saved["subject"])
	assert.Equal(t, "Maria Souza Lima", saved["customer"].(map[string]any)["name"])
	assert.Equal(t, "maria@example.com", saved["customer"].(map[string]any)["email"])

	// After closing, a new message from the customer starts a new conversation.
	e.text(maria, "Maria Souza", fakegraph.NewWAMID(), "Oi de novo")
	assert.Len(t, e.conversationChannels(), 2)
	// Agent messages in the closed channel are refused.
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "ainda aí?"})
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "closed")
}

func TestMacrosAreAdminManagedAndFillVariables(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp macro add saudacao Olá"), "Only system admins")
	assert.Contains(t, e.command(e.admin.Id, ch.Id, "/whatsapp macro add saudacao Olá {{customer.first_name}}, aqui é {{agent.name}} (protocolo {{conversation.id}})."), "saved")
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp macros"), "saudacao")
	e.graph.Reset()
	e.command(e.alice.Id, ch.Id, "/whatsapp macro saudacao")
	assert.Equal(t, []string{"Olá Maria, aqui é alice (protocolo " + convID + ")."}, e.sentTexts())
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/macros", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), "saudacao")
	assert.Contains(t, e.command(e.admin.Id, ch.Id, "/whatsapp macro remove saudacao"), "removed")
}

func TestNonAgentsAreRefusedEverywhere(t *testing.T) {
	e := newEnv(t, 1)
	convID, _ := e.conversation(maria, "Maria")
	for _, route := range []struct{ method, path string }{
		{http.MethodGet, "/conversations?state=waiting"},
		{http.MethodPost, "/conversations/" + convID + "/attend"},
		{http.MethodPost, "/conversations/" + convID + "/invite"},
		{http.MethodPost, "/conversations/" + convID + "/close"},
		{http.MethodGet, "/tickets?status=draft"},
		{http.MethodGet, "/tickets/x"},
		{http.MethodPatch, "/tickets/x"},
		{http.MethodPost, "/tickets/x/save"},
		{http.MethodGet, "/people?q=a"},
		{http.MethodPost, "/people"},
		{http.MethodGet, "/templates"},
		{http.MethodGet, "/macros"},
		{http.MethodGet, "/credits"},
	} {
		code, body := e.api(0, e.carol.Id, route.method, route.path, nil)
		assert.Equal(t, http.StatusForbidden, code, route.path)
		assert.Contains(t, string(body), `"error"`, route.path)
		code, _ = e.api(0, "", route.method, route.path, nil)
		assert.Equal(t, http.StatusUnauthorized, code, route.path)
	}
	assert.Contains(t, e.command(e.carol.Id, e.queue.Id, "/whatsapp queue"), "Only agents")
	// A system admin may do everything an agent may.
	code, _ := e.api(0, e.admin.Id, http.MethodGet, "/conversations?state=waiting", nil)
	assert.Equal(t, http.StatusOK, code)
}

func TestQueueEntryAndAgentsOfflineMessages(t *testing.T) {
	e := newEnv(t, 1,
		withSetting("QueueEntryMessage", "Olá {{customer.first_name}}! Você está na fila."),
		withSetting("AgentsOfflineMessage", "Nossa equipe está offline; respondemos em breve."))
	e.store.SetStatus(e.alice.Id, model.StatusOffline)
	e.store.SetStatus(e.bob.Id, model.StatusAway)
	e.conversation(maria, "Maria Souza")
	e.eventually(func() bool { return len(e.sentTexts()) == 2 }, "both automatic messages are sent")
	assert.Equal(t, []string{"Olá Maria! Você está na fila.", "Nossa equipe está offline; respondemos em breve."}, e.sentTexts())

	// With an agent online only the queue-entry message goes out.
	e.graph.Reset()
	e.store.SetStatus(e.bob.Id, model.StatusOnline)
	e.conversation("5521998765432", "João Lima")
	e.eventually(func() bool { return len(e.sentTexts()) == 1 }, "the queue-entry message is sent")
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, []string{"Olá João! Você está na fila."}, e.sentTexts())
}

func TestHSMDialogAsksForEachParameter(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.SetTemplates(fakegraph.Template{
		Name: "pedido_enviado", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY",
		Components: []fakegraph.TemplateComponent{{Type: "BODY", Text: "Olá {{1}}, o pedido {{2}} saiu para entrega."}},
	})
	e.graph.Reset()
	e.command(e.alice.Id, ch.Id, "/whatsapp hsm pedido_enviado")
	dialogs := e.store.Dialogs()
	require.NotEmpty(t, dialogs)
	dialog := dialogs[len(dialogs)-1].Request
	require.Len(t, dialog.Dialog.Elements, 2, "one field per placeholder")
	assert.Contains(t, dialog.Dialog.Elements[0].DisplayName, "{{1}}")

	submit := func(userID, state string, values map[string]any) *httptest.ResponseRecorder {
		raw, _ := json.Marshal(model.SubmitDialogRequest{UserId: userID, ChannelId: ch.Id, CallbackId: "hsm", State: state, Submission: values})
		return e.node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, dialog.URL, bytes.NewReader(raw)), userID)
	}
	// A state changed to point at another conversation is refused.
	forged := strings.Replace(dialog.Dialog.State, convID, "aaaaaaaaaaaaaaaaaaaaaaaaaa", 1)
	assert.Equal(t, http.StatusForbidden, submit(e.alice.Id, forged, map[string]any{"p0": "Maria", "p1": "4821"}).Code)
	assert.Equal(t, http.StatusForbidden, submit(e.bob.Id, dialog.Dialog.State, map[string]any{"p0": "Maria", "p1": "4821"}).Code, "another user")
	assert.Empty(t, e.graph.Sent())

	rec := submit(e.alice.Id, dialog.Dialog.State, map[string]any{"p0": "Maria", "p1": "4821"})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	sent := e.graph.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, "pedido_enviado", sent[0].TemplateName)
	raw, _ := json.Marshal(sent[0].Raw["template"])
	assert.Contains(t, string(raw), `"text":"4821"`)
	// The agent sees what was sent in the channel.
	found := false
	for _, p := range e.store.Posts(ch.Id) {
		found = found || strings.Contains(p.Message, "Olá Maria, o pedido 4821 saiu para entrega.")
	}
	assert.True(t, found, "the HSM is shown in the conversation")
}

func TestChangesArePushedToAgentsBrowsers(t *testing.T) {
	e := newEnv(t, 1)
	convID, _ := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.waitIdle()
	var attended bool
	for _, ev := range e.store.WebSocketEvents() {
		if ev.Event != "conversation_updated" {
			continue
		}
		assert.Equal(t, e.queue.Id, ev.Broadcast.ChannelId, "only the chat group's agents get it")
		raw, ok := ev.Payload["conversation"].(string)
		require.True(t, ok, "a JSON string, safe for the plugin RPC")
		var c map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &c))
		attended = attended || (c["id"] == convID && c["state"] == "active" && c["agent_id"] == e.alice.Id)
	}
	assert.True(t, attended)
}

func TestRefusalsSpeakTheAgentsLanguage(t *testing.T) {
	e := newEnv(t, 1)
	e.bob.Locale = "pt-BR"
	_, appErr := e.node(0).API().UpdateUser(e.bob)
	require.Nil(t, appErr)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	code, body := e.api(0, e.bob.Id, http.MethodPost, "/conversations/"+convID+"/attend", nil)
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, string(body), "Esta conversa já está sendo atendida por @alice.")
	assert.Contains(t, e.command(e.bob.Id, ch.Id, "/whatsapp transfer"), "A transferência não está disponível")
	assert.Contains(t, e.command(e.bob.Id, ch.Id, "/whatsapp attend"), "Nenhuma conversa aguardando atendimento.")
}
