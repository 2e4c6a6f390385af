package bintest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// conversationState reads a conversation as the webapp's panel lists it.
func (e *env) conversationState(convID string) map[string]any {
	e.t.Helper()
	for _, state := range []string{"waiting", "active", "closed"} {
		code, body := e.api(0, e.admin.Id, http.MethodGet, "/conversations?state="+state, nil)
		require.Equal(e.t, http.StatusOK, code, string(body))
		var list struct {
			Items []map[string]any `json:"items"`
		}
		require.NoError(e.t, json.Unmarshal(body, &list))
		for _, c := range list.Items {
			if c["id"] == convID {
				c["state"] = state
				return c
			}
		}
	}
	e.t.Fatalf("conversation %s not listed", convID)
	return nil
}

// botDM returns the posts the bot sent userID in a direct message.
func (e *env) botDM(userID string) (*model.Channel, []*model.Post) {
	e.t.Helper()
	dm, appErr := e.node(0).API().GetDirectChannel(userID, e.store.UserByUsername("whatsapp").Id)
	require.Nil(e.t, appErr)
	return dm, e.store.Posts(dm.Id)
}

// press presses a given post action button as userID.
func (e *env) press(userID string, post *model.Post, a *model.PostAction) *httptest.ResponseRecorder {
	raw, _ := json.Marshal(model.PostActionIntegrationRequest{UserId: userID, PostId: post.Id, ChannelId: post.ChannelId, Context: a.Integration.Context})
	return e.node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, a.Integration.URL, bytes.NewReader(raw)), userID)
}

func TestOnlyTheAttendingAgentHandlesAConversation(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria")
	require.Contains(t, e.command(e.admin.Id, ch.Id, "/whatsapp macro add oi Olá!"), "saved")
	e.graph.SetTemplates(fakegraph.Template{
		Name: "pedido_enviado", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY",
		Components: []fakegraph.TemplateComponent{{Type: "BODY", Text: "Olá {{1}}, o pedido {{2}} saiu."}},
	})

	// Waiting: nobody attends it yet, so nobody but an admin closes it.
	code, body := e.api(0, e.bob.Id, http.MethodPost, "/conversations/"+convID+"/close", nil)
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, string(body), "attend it first")

	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	dialogsBefore := len(e.store.Dialogs())

	// Bob is an agent of the chat group but not in the conversation: every path refuses him.
	const refused = "attended by @alice"
	for _, cmd := range []string{
		"/whatsapp close", "/whatsapp status resolvido", "/whatsapp macro oi",
		"/whatsapp hsm pedido_enviado Maria 4821", "/whatsapp hsm", "/whatsapp invite @alice",
	} {
		assert.Contains(t, e.command(e.bob.Id, ch.Id, cmd), refused, cmd)
	}
	for _, call := range []struct {
		path string
		body any
	}{
		{"/conversations/" + convID + "/close", nil},
		{"/conversations/" + convID + "/invite", map[string]string{"user_id": e.bob.Id}},
	} {
		code, body := e.api(0, e.bob.Id, http.MethodPost, call.path, call.body)
		assert.Equal(t, http.StatusForbidden, code, call.path)
		assert.Contains(t, string(body), refused, call.path)
	}
	// A dialog submitted with a state signed for bob (as if he had opened it) is refused too.
	state, _ := json.Marshal(map[string]string{"conversation_id": convID, "template": "pedido_enviado|pt_BR",
		"sig": e.signFor(t, "hsm", convID, e.bob.Id, "pedido_enviado|pt_BR")})
	{
		raw, _ := json.Marshal(model.SubmitDialogRequest{UserId: e.bob.Id, ChannelId: ch.Id, CallbackId: "hsm", State: string(state),
			Submission: map[string]any{"p0": "Maria", "p1": "4821"}})
		rec := e.node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, "/plugins/"+pluginID+"/dialogs/hsm", bytes.NewReader(raw)), e.bob.Id)
		assert.Contains(t, rec.Body.String(), refused)
	}

	// Nothing changed: no message left, no dialog opened, still active with alice, no status,
	// nobody invited, bob not in the channel.
	assert.Empty(t, e.graph.Sent())
	assert.Len(t, e.store.Dialogs(), dialogsBefore)
	c := e.conversationState(convID)
	assert.Equal(t, "active", c["state"])
	assert.Equal(t, e.alice.Id, c["agent_id"])
	assert.Nil(t, c["status"])
	assert.False(t, e.store.IsChannelMember(ch.Id, e.bob.Id))
	_, dm := e.botDM(e.alice.Id)
	assert.Empty(t, dm, "no invitation was sent")

	// Nobody invites themselves.
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp invite @alice"), "cannot invite yourself")
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/invite", map[string]string{"user_id": e.alice.Id})
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, string(body), "cannot invite yourself")

	// The attending agent, then a system admin, may.
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp status aguardando"), "aguardando")
	assert.Contains(t, e.command(e.admin.Id, ch.Id, "/whatsapp status resolvido"), "resolvido")
	assert.Equal(t, "resolvido", e.conversationState(convID)["status"])
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp invite @bob"), "Invitation sent")
}

// signFor signs like the plugin does, with the action key it keeps in the KV store.
func (e *env) signFor(t *testing.T, fields ...string) string {
	t.Helper()
	raw, appErr := e.node(0).API().KVGet("v1/secret/actions")
	require.Nil(t, appErr)
	var key string
	require.NoError(t, json.Unmarshal(raw, &key))
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(strings.Join(fields, "\x00")))
	return hex.EncodeToString(mac.Sum(nil))
}

func TestInvitationsAreSingleUseAndExpire(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	invitation := func() *model.Post {
		t.Helper()
		require.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp invite @bob"), "Invitation sent")
		_, posts := e.botDM(e.bob.Id)
		require.NotEmpty(t, posts)
		return posts[len(posts)-1]
	}

	// Declined, then the Accept button of the same invitation replayed: refused.
	first := invitation()
	accept, decline := first.Attachments()[0].Actions[0], first.Attachments()[0].Actions[1]
	require.Equal(t, http.StatusOK, e.press(e.bob.Id, first, decline).Code)
	rec := e.press(e.bob.Id, first, accept)
	assert.Contains(t, rec.Body.String(), "already answered")
	assert.False(t, e.store.IsChannelMember(ch.Id, e.bob.Id))

	// The buttons of one invitation do not work on another post.
	second := invitation()
	other := invitation()
	rec = e.press(e.bob.Id, other, second.Attachments()[0].Actions[0])
	assert.Contains(t, rec.Body.String(), "not valid")
	assert.False(t, e.store.IsChannelMember(ch.Id, e.bob.Id))

	// Older than 24 hours: expired.
	inviteID := second.Attachments()[0].Actions[0].Integration.Context["invite_id"].(string)
	key := "v1/invite/" + inviteID
	raw, appErr := e.node(0).API().KVGet(key)
	require.Nil(t, appErr)
	var rec2 map[string]any
	require.NoError(t, json.Unmarshal(raw, &rec2))
	rec2["created_at"] = time.Now().Add(-25 * time.Hour).UnixMilli()
	aged, _ := json.Marshal(rec2)
	require.Nil(t, e.node(0).API().KVSet(key, aged))
	rec = e.press(e.bob.Id, second, second.Attachments()[0].Actions[0])
	assert.Contains(t, rec.Body.String(), "expired")
	assert.False(t, e.store.IsChannelMember(ch.Id, e.bob.Id))

	// A fresh one is accepted once; accepting again is refused.
	require.Equal(t, http.StatusOK, e.press(e.bob.Id, other, other.Attachments()[0].Actions[0]).Code)
	assert.True(t, e.store.IsChannelMember(ch.Id, e.bob.Id))
	assert.Contains(t, e.press(e.bob.Id, other, other.Attachments()[0].Actions[0]).Body.String(), "already answered")
}

func TestAttendSignatureIsBoundToItsAnnouncement(t *testing.T) {
	e := newEnv(t, 1)
	first, firstCh := e.conversation(maria, "Maria")
	second, _ := e.conversation("5521998765432", "João")
	announcements := map[string]*model.Post{}
	for _, p := range e.store.Posts(e.queue.Id) {
		if id, _ := p.GetProp("wa_conversation_id").(string); id != "" {
			announcements[id] = p
		}
	}
	require.Len(t, announcements, 2)
	// The first announcement's button (conversation and signature) clicked on the second post.
	a := announcements[first].Attachments()[0].Actions[0]
	rec := e.press(e.alice.Id, announcements[second], a)
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.False(t, e.store.IsChannelMember(firstCh.Id, e.alice.Id))
	assert.Equal(t, "waiting", e.conversationState(first)["state"])
	// On its own post it works.
	rec = e.press(e.alice.Id, announcements[first], a)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.True(t, e.store.IsChannelMember(firstCh.Id, e.alice.Id))
}

func TestPeopleAreScopedToTheirChatGroups(t *testing.T) {
	e := newEnv(t, 1, withSalesGroup())
	e.store.AddToChannel(e.salesQueue().Id, e.carol.Id)      // carol is a sales agent only
	e.text(maria, "Maria Souza", fakegraph.NewWAMID(), "oi") // support: alice and bob
	body := e.toSales(e.graph.InboundText("5521998765432", "João Vendas", fakegraph.NewWAMID(), "oi", time.Now()))
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)

	search := func(userID, q string) (int, string) {
		code, body := e.api(0, userID, http.MethodGet, "/people?q="+url.QueryEscape(q), nil)
		return code, string(body)
	}
	code, out := search(e.alice.Id, "Souza")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, out, "Maria Souza")
	_, out = search(e.alice.Id, "Vendas")
	assert.NotContains(t, out, "João", "another group's customer")
	_, out = search(e.alice.Id, "99876")
	assert.NotContains(t, out, "5521998765432")
	_, out = search(e.carol.Id, "Vendas")
	assert.Contains(t, out, "João Vendas")
	_, out = search(e.carol.Id, "Maria")
	assert.NotContains(t, out, "Maria")
	_, out = search(e.admin.Id, "o")
	assert.Contains(t, out, "at least 2 characters")
	_, out = search(e.admin.Id, "Souza")
	assert.Contains(t, out, "Maria Souza")
	_, out = search(e.admin.Id, "Vendas")
	assert.Contains(t, out, "João Vendas", "system admins see everyone")

	// Short queries are refused, not answered with everyone.
	for _, q := range []string{"", "a", "12", "+55"} {
		code, out := search(e.admin.Id, q)
		assert.Equal(t, http.StatusBadRequest, code, q)
		assert.Contains(t, out, "at least 2 characters", q)
	}
	code, out = search(e.alice.Id, "8765")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, out, "Maria Souza")

	// Names and emails are validated; nothing is stored when refused.
	for _, p := range []map[string]string{
		{"name": strings.Repeat("x", 65)},
		{"name": strings.Repeat("x", 2000)},
		{"name": "Ana", "email": "not-an-email"},
		{"name": "Ana", "email": "Ana <ana@example.com>"},
	} {
		code, out := e.api(0, e.alice.Id, http.MethodPost, "/people", p)
		assert.Equal(t, http.StatusBadRequest, code, p["name"][:3]+p["email"])
		assert.Contains(t, string(out), `"error"`)
	}
	_, out = search(e.admin.Id, "xx")
	assert.Equal(t, "{\"items\":[],\"total\":0}\n", out, "no refused person was stored")
	code, raw := e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Ana Lima", "email": "ana@example.com"})
	require.Equal(t, http.StatusCreated, code, string(raw))
	_, out = search(e.bob.Id, "Ana Lima")
	assert.Contains(t, out, "ana@example.com", "a person an agent creates belongs with the agent's groups")
	_, out = search(e.carol.Id, "Ana Lima")
	assert.NotContains(t, out, "ana@example.com")
}

func TestOverlongProfileNameIsTruncatedNotFatal(t *testing.T) {
	e := newEnv(t, 1)
	long := strings.Repeat("Maria ", 400)
	rec := e.deliver(0, e.graph.InboundText(maria, long, fakegraph.NewWAMID(), "oi", time.Now()))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = e.deliver(0, e.graph.InboundText(maria, long, fakegraph.NewWAMID(), "de novo", time.Now()))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	ch := e.onlyConversationChannel()
	posts := e.customerPosts(ch.Id)
	require.Len(t, posts, 2)
	name := posts[0].GetProp("wa_customer").(string)
	assert.LessOrEqual(t, len([]rune(name)), 64)
	assert.True(t, strings.HasPrefix(name, "Maria Maria"))
}
