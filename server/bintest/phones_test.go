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

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// phoneForms are the ways a number could show up in a key or a log line: its digits (which
// "+digits" contains), the Brazilian form without the ninth digit, and both formatted.
func phoneForms(raw string) []string {
	canon := helpdesk.CanonicalPhone(raw)
	forms := []string{canon, helpdesk.FormatPhone(canon)}
	if len(canon) == 13 && strings.HasPrefix(canon, "55") && canon[4] == '9' {
		short := canon[:4] + canon[5:]
		forms = append(forms, short, helpdesk.FormatPhone(short))
	}
	return forms
}

// assertNoPhoneInKeysOrLogs checks every KV key and every plugin log line for every form of
// every number.
func (e *env) assertNoPhoneInKeysOrLogs(phones ...string) {
	e.t.Helper()
	keys := e.store.KVKeys(pluginID)
	require.NotEmpty(e.t, keys)
	logs := strings.Split(e.store.LogText()+"\n"+e.c.Logs(), "\n")
	for _, phone := range phones {
		for _, form := range phoneForms(phone) {
			for _, k := range keys {
				assert.NotContains(e.t, k, form, "a KV key holds a phone number")
			}
			for _, line := range logs {
				assert.NotContains(e.t, line, form, "a log line holds a phone number")
			}
		}
	}
}

// TestPhoneNumbersAreInNoKVKeyOrLogLine runs customers with and without the ninth digit, a
// foreign number, a BSUID-only contact and a person typed in by an agent through attend, send,
// close and ticket save, with Graph faults and KV faults on the phone keys (whose errors quote
// the key into the log), then greps every key and log line for every form of every number.
func TestPhoneNumbersAreInNoKVKeyOrLogLine(t *testing.T) {
	e := newEnv(t, 1, withSetting("GraphAPITimeoutSeconds", 1))
	const (
		joana = "5521998765432" // with the ninth digit
		john  = "14155550123"
		typed = "+55 31 98888-7777" // typed by an agent for a new person
	)
	phoneKey := func(op, key string) bool { return strings.HasPrefix(key, "v1/phoneh/") }

	// Maria writes without the ninth digit, then with it: one person, one conversation.
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Olá Maria, já verifico"})
	e.graph.FailNext(fakegraph.Messages, 1, fakegraph.Undeliverable())
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Esta não chega"})
	again, againCh := e.conversation("5511987654321", "Maria Souza")
	assert.Equal(t, convID, again, "both forms of the number are one person")
	assert.Equal(t, ch.Id, againCh.Id)

	// Joana: attended by her number, a media download that fails.
	joanaConv, joanaCh := e.conversation(joana, "Joana")
	assert.NotContains(t, e.command(e.bob.Id, e.queue.Id, "/whatsapp attend "+joana), "error")
	e.graph.AddMedia("media.joana", "image/jpeg", []byte{0xff, 0xd8, 0xff, 0xe0})
	e.graph.FailNext(fakegraph.Media, 4, fakegraph.ServerError())
	e.deliver(0, e.graph.InboundMedia(fakegraph.Contact{Name: "Joana", WaID: joana}, "image", "media.joana", "", ""))
	e.waitIdle()
	e.graph.FailNext(fakegraph.Messages, 4, fakegraph.Timeout(1500*time.Millisecond))
	e.say(e.bob.Id, &model.Post{ChannelId: joanaCh.Id, Message: "Recebi?"})

	// John's first message meets a KV fault on the phone keys: Meta gets an error and retries.
	body := e.graph.InboundText(john, "John", fakegraph.NewWAMID(), "Hello", time.Now())
	e.store.SetKVFault(phoneKey)
	assert.NotEqual(t, http.StatusOK, e.deliver(0, body).Code, "the KV fault reaches the webhook")
	e.store.SetKVFault(nil)
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	e.waitIdle()

	// A contact known only by its business-scoped user id.
	rec := e.deliver(0, e.graph.InboundMessage(fakegraph.Contact{Name: "Ana", UserID: "BR.1134912086553027419"},
		map[string]any{"type": "text", "text": map[string]any{"body": "oi"}}))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	// An agent types a person in: a KV fault first (a 500, logged), then it works; the same
	// number again is a conflict.
	e.store.SetKVFault(func(op, key string) bool { return op == "set" && phoneKey(op, key) })
	code, _ := e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Pedro", "phone": "+1 415 555 0199"})
	assert.Equal(t, http.StatusInternalServerError, code)
	e.store.SetKVFault(nil)
	code, _ = e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Pedro", "phone": "+1 415 555 0199"})
	assert.Equal(t, http.StatusCreated, code)
	code, _ = e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Pedro 2", "phone": "14155550199"})
	assert.Equal(t, http.StatusConflict, code)

	// Maria's conversation closes into a ticket saved for a new person.
	e.closeConversation(convID)
	code, raw := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=draft", nil)
	require.Equal(t, http.StatusOK, code)
	drafts := pagedItems(t, raw)
	require.Len(t, drafts, 1)
	ticketID := drafts[0]["id"].(string)
	code, raw = e.api(0, e.alice.Id, http.MethodPatch, "/tickets/"+ticketID, map[string]any{
		"new_customer": map[string]string{"name": "Maria Lima", "phone": typed},
	})
	require.Equal(t, http.StatusOK, code, string(raw))
	code, raw = e.api(0, e.alice.Id, http.MethodPost, "/tickets/"+ticketID+"/save", nil)
	require.Equal(t, http.StatusOK, code, string(raw))
	e.graph.FailNext(fakegraph.Messages, 1, fakegraph.ReEngagement())
	code, raw = e.api(0, e.bob.Id, http.MethodPost, "/conversations/"+joanaConv+"/close", nil)
	require.Equal(t, http.StatusOK, code, string(raw))
	e.waitIdle()

	logs := e.store.LogText()
	require.Contains(t, logs, "Could not process a WhatsApp message", "the KV fault on a phone key was logged")
	require.Contains(t, logs, "WhatsApp Helpdesk API error", "the KV fault on a typed phone was logged")
	e.assertNoPhoneInKeysOrLogs(maria, joana, john, "14155550199", typed)
}

// TestPhoneKeysOfAnOlderVersionAreMigratedOnActivation rewrites a running installation's KV
// store the way versions before the hashing left it (phone keys in clear, no secret, no
// migration flag), activates two nodes at once, and shows that no key holds a number and the
// customer's next message finds the same person and conversation.
func TestPhoneKeysOfAnOlderVersionAreMigratedOnActivation(t *testing.T) {
	e := newEnv(t, 2)
	convID, ch := e.conversation(maria, "Maria Souza")
	code, _ := e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Pedro", "phone": "+1 415 555 0199"})
	require.Equal(t, http.StatusCreated, code)
	e.waitIdle()
	for i := range 2 {
		e.node(i).Deactivate()
	}

	byPhone := map[string]string{} // canonical phone -> person id, as the old keys held them
	for _, key := range e.store.KVKeys(pluginID) {
		if !strings.HasPrefix(key, "v1/person/") {
			continue
		}
		var p helpdesk.Person
		require.NoError(t, json.Unmarshal(e.store.KVValue(pluginID, key), &p))
		byPhone[p.Phone] = p.ID
	}
	require.Len(t, byPhone, 2)
	api := e.node(0).API()
	for _, key := range e.store.KVKeys(pluginID) {
		if strings.HasPrefix(key, "v1/phoneh/") || key == "v1/secret/phones" || key == "v1/migrated/phonekeys" {
			require.Nil(t, api.KVDelete(key))
		}
	}
	for phone, id := range byPhone {
		raw, err := json.Marshal(id)
		require.NoError(t, err)
		e.store.SetKVValue(pluginID, "v1/phone/"+phone, raw, 0)
	}

	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, e.node(i).Activate())
		}()
	}
	wg.Wait()

	e.assertNoPhoneInKeysOrLogs(maria, "14155550199")
	assert.NotEmpty(t, e.store.KVValue(pluginID, "v1/migrated/phonekeys"), "done is recorded")
	assert.Contains(t, e.store.LogText(), "Replaced phone numbers in KV keys")

	// Maria writes again, in the other form of her number, to the other node.
	wamid := fakegraph.NewWAMID()
	rec := e.deliver(1, e.graph.InboundText("5511987654321", "Maria Souza", wamid, "Ainda aguardo", time.Now()))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	e.waitIdle()
	got, gotCh := e.conversationOf(wamid)
	assert.Equal(t, convID, got, "the same person and conversation")
	assert.Equal(t, ch.Id, gotCh.Id)
	// The typed-in person is still found by number.
	code, _ = e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Pedro 2", "phone": "14155550199"})
	assert.Equal(t, http.StatusConflict, code)
	e.assertNoPhoneInKeysOrLogs(maria, "14155550199")
}
