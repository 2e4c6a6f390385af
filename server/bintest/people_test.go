package bintest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// people searches as userID and returns the people found.
func (e *env) people(userID, q string) []map[string]any {
	e.t.Helper()
	code, body := e.api(0, userID, http.MethodGet, "/people?q="+q, nil)
	require.Equal(e.t, http.StatusOK, code, string(body))
	var out struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	require.NoError(e.t, json.Unmarshal(body, &out))
	require.Equal(e.t, len(out.Items), out.Total, "one page holds them all")
	return out.Items
}

func TestNewPersonWithTheCustomersPhoneTakesTheContactOver(t *testing.T) {
	e := newEnv(t, 2)
	// Node 2 handles (and caches) the customer's first message.
	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria", fakegraph.NewWAMID(), "oi", time.Now())).Code)
	ch := e.onlyConversationChannel()
	convID := e.convOfChannel(ch.Id)
	oldID := e.personOfChannel(ch.Id)
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.closeConversation(convID)
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=draft", nil)
	require.Equal(t, http.StatusOK, code)
	ticketID := ticketIDs(t, body)[0]

	// The agent types the WhatsApp number, as naturally written, for the new person.
	code, body = e.api(0, e.alice.Id, http.MethodPatch, "/tickets/"+ticketID, map[string]any{
		"new_customer": map[string]string{"name": "Maria Souza Lima", "phone": "+55 11 98765-4321", "email": "maria@example.com"},
	})
	require.Equal(t, http.StatusOK, code, string(body))
	var ticket map[string]any
	require.NoError(t, json.Unmarshal(body, &ticket))
	customer := ticket["customer"].(map[string]any)
	newID := customer["id"].(string)
	assert.NotEqual(t, oldID, newID)
	assert.Equal(t, "Maria Souza Lima", customer["name"])
	assert.Equal(t, "5511987654321", customer["phone"])
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/tickets/"+ticketID+"/save", nil)
	require.Equal(t, http.StatusOK, code, string(body))

	// The WhatsApp-made contact is gone; only the new person has the phone.
	found := e.people(e.alice.Id, "98765")
	require.Len(t, found, 1)
	assert.Equal(t, newID, found[0]["id"])
	assert.Equal(t, maria, found[0]["wa_id"], "the WhatsApp identity moved too")

	// The customer's next message, again on node 2, belongs to the new person (whose name agents
	// chose stays).
	e.waitIdle()
	wamid := fakegraph.NewWAMID()
	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria", wamid, "voltei", time.Now())).Code)
	post := e.postOfWAMID(wamid)
	require.NotNil(t, post)
	assert.Equal(t, newID, e.personOfChannel(post.ChannelId))
	assert.Equal(t, "Maria Souza Lima", post.GetProp("wa_customer"))
	assert.Len(t, e.people(e.alice.Id, "Maria"), 1)
}

func TestNewPersonTakesOverAnOpenConversationOnEveryNode(t *testing.T) {
	e := newEnv(t, 2)
	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria", fakegraph.NewWAMID(), "oi", time.Now())).Code)
	ch := e.onlyConversationChannel()
	code, body := e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Maria Lima", "phone": "5511987654321"})
	require.Equal(t, http.StatusCreated, code, string(body))
	var created map[string]any
	require.NoError(t, json.Unmarshal(body, &created))
	e.waitIdle()

	wamid := fakegraph.NewWAMID()
	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria", wamid, "ainda aqui", time.Now())).Code)
	post := e.postOfWAMID(wamid)
	require.NotNil(t, post)
	assert.Equal(t, ch.Id, post.ChannelId, "the open conversation continues")
	assert.Equal(t, created["id"], e.personOfChannel(post.ChannelId), "node 2 forgot the contact it cached")
}

func TestNewPersonWithAnAgentMadePersonsPhoneIsRefusedNamingThatPerson(t *testing.T) {
	e := newEnv(t, 1)
	e.conversation(maria, "Maria") // gives alice's group a customer, and alice the agent role
	code, body := e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Ana Lima", "phone": "+55 21 3333-4444"})
	require.Equal(t, http.StatusCreated, code, string(body))
	var ana map[string]any
	require.NoError(t, json.Unmarshal(body, &ana))

	for _, phone := range []string{"552133334444", "+55 (21) 3333-4444"} {
		code, body = e.api(0, e.bob.Id, http.MethodPost, "/people", map[string]string{"name": "Ana Souza", "phone": phone})
		require.Equal(t, http.StatusConflict, code, string(body))
		var refusal map[string]string
		require.NoError(t, json.Unmarshal(body, &refusal))
		assert.Equal(t, ana["id"], refusal["person_id"])
		assert.Contains(t, refusal["error"], "already belongs to a person")
	}
	found := e.people(e.alice.Id, "3333-4444")
	require.Len(t, found, 1, "nothing was created")
	assert.Equal(t, "Ana Lima", found[0]["name"])
}
