package bintest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// closeTicket closes a conversation through the API and answers the ticket's id.
func (e *env) closeTicket(userID, convID string) string {
	e.t.Helper()
	code, body := e.api(0, userID, http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(e.t, http.StatusOK, code, string(body))
	var out struct {
		Ticket struct {
			ID string `json:"id"`
		} `json:"ticket"`
	}
	require.NoError(e.t, json.Unmarshal(body, &out))
	return out.Ticket.ID
}

// pressButton delivers the customer's press of a reply button, as WhatsApp reports it.
func (e *env) pressButton(from, name, replyTo, id, title string) {
	e.t.Helper()
	rec := e.deliver(0, e.graph.InboundMessage(fakegraph.Contact{Name: name, WaID: from}, map[string]any{
		"timestamp": time.Now().Unix(),
		"type":      "interactive",
		"context":   map[string]any{"from": e.graph.Options().PhoneNumberID, "id": replyTo},
		"interactive": map[string]any{
			"type":         "button_reply",
			"button_reply": map[string]any{"id": id, "title": title},
		},
	}))
	require.Equal(e.t, http.StatusOK, rec.Code, rec.Body.String())
	e.waitIdle()
}

func (e *env) channelMessages(channelID string) string {
	var out []string
	for _, p := range e.store.Posts(channelID) {
		out = append(out, p.Message)
	}
	return strings.Join(out, "\n")
}

func TestSatisfactionSurveyAfterCloseIsStoredOnTheTicket(t *testing.T) {
	e := newEnv(t, 1, withSetting("SurveyEnabled", true))
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	ticketID := e.closeTicket(e.alice.Id, convID)

	sent := e.graph.Sent()
	require.Len(t, sent, 1, "the survey, and nothing else")
	survey := sent[0]
	assert.Equal(t, "interactive", survey.Type)
	raw, _ := json.Marshal(survey.Raw["interactive"])
	assert.Contains(t, string(raw), `"text":"How was our service today?"`)
	for _, b := range []string{`"id":"csat:` + ticketID + `:3","title":"Great"`, `"id":"csat:` + ticketID + `:2","title":"Okay"`, `"id":"csat:` + ticketID + `:1","title":"Poor"`} {
		assert.Contains(t, string(raw), b)
	}
	assert.Empty(t, e.graph.Violations())
	assert.NotZero(t, e.ticket(ticketID)["survey_sent_at"])
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/credits", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `"used":1`, "the survey costs one credit")

	// Maria presses "Great": the ticket holds the score, she is thanked, and no conversation opens.
	e.pressButton(maria, "Maria Souza", survey.WAMID, "csat:"+ticketID+":3", "Great")
	csat, ok := e.ticket(ticketID)["csat"].(map[string]any)
	require.True(t, ok, "csat stored")
	assert.EqualValues(t, 3, csat["score"])
	assert.NotZero(t, csat["at"])
	assert.Contains(t, e.sentTexts(), "Thank you for your answer!")
	assert.Len(t, e.conversationChannels(), 1, "no new conversation channel")
	assert.Contains(t, e.channelMessages(ch.Id), "The customer rated the service: Great (3).")
	code, body = e.api(0, e.alice.Id, http.MethodGet, "/conversations?state=waiting", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `"total":0`)
	code, body = e.api(0, e.alice.Id, http.MethodGet, "/reports/summary", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Contains(t, string(body), `"csat_avg":3`, "the indicators count the answer")
	assert.Contains(t, string(body), `"csat_count":1`)
	code, body = e.api(0, e.alice.Id, http.MethodGet, "/tickets/export.csv?status=draft", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Regexp(t, ticketID+`,.*,3\r?\n`, string(body), "the CSV's csat column")

	// A second press is noted but the first answer wins, and she is not thanked twice.
	e.pressButton(maria, "Maria Souza", survey.WAMID, "csat:"+ticketID+":1", "Poor")
	assert.EqualValues(t, 3, e.ticket(ticketID)["csat"].(map[string]any)["score"])
	assert.Contains(t, e.channelMessages(ch.Id), "the first answer stands: Great")
	thanks := 0
	for _, s := range e.sentTexts() {
		if s == "Thank you for your answer!" {
			thanks++
		}
	}
	assert.Equal(t, 1, thanks)
	_, body = e.api(0, e.alice.Id, http.MethodGet, "/reports/summary", nil)
	assert.Contains(t, string(body), `"csat_count":1`, "a repeated press is not counted again")

	// A reply forged by someone else for Maria's ticket changes nothing: it is an ordinary message.
	e.pressButton("5521988887777", "Intruso", survey.WAMID, "csat:"+ticketID+":1", "Poor")
	assert.EqualValues(t, 3, e.ticket(ticketID)["csat"].(map[string]any)["score"])
	assert.Len(t, e.conversationChannels(), 2, "the intruder's message opens their own conversation")
}

func TestSurveyIsNotSentOutsideTheWindow(t *testing.T) {
	e := newEnv(t, 1, withSetting("SurveyEnabled", true), withSetting("SurveyQuestion", "Como foi?"))
	rec := e.deliver(0, e.graph.InboundText(maria, "Maria", "wamid.old", "oi", time.Now().Add(-25*time.Hour)))
	require.Equal(t, http.StatusOK, rec.Code)
	ch := e.onlyConversationChannel()
	convID := e.convOfChannel(ch.Id)
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	ticketID := e.closeTicket(e.alice.Id, convID)
	assert.Empty(t, e.graph.Sent(), "nothing is sent outside the window")
	ticket := e.ticket(ticketID)
	assert.Equal(t, "window_closed", ticket["csat_skipped"])
	assert.Nil(t, ticket["csat"])

	// A press for a survey that was never sent is not an answer.
	e.pressButton(maria, "Maria", "wamid.none", "csat:"+ticketID+":3", "Great")
	assert.Nil(t, e.ticket(ticketID)["csat"])
}

func TestSurveySpeaksPortugueseOnABrazilianServer(t *testing.T) {
	e := newEnv(t, 1, withSetting("SurveyEnabled", true))
	e.store.UpdateConfig(func(c *model.Config) { c.LocalizationSettings.DefaultServerLocale = model.NewPointer("pt-BR") })
	require.NoError(t, e.c.UpdateSettings(map[string]any{"SurveyQuestion": ""})) // the plugin rereads the locale
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	ticketID := e.closeTicket(e.alice.Id, convID)
	sent := e.graph.Sent()
	require.Len(t, sent, 1)
	raw, _ := json.Marshal(sent[0].Raw["interactive"])
	assert.Contains(t, string(raw), `"text":"Como foi o nosso atendimento hoje?"`)
	for _, title := range []string{`"title":"Ótimo"`, `"title":"Regular"`, `"title":"Ruim"`} {
		assert.Contains(t, string(raw), title)
	}
	e.pressButton(maria, "Maria Souza", sent[0].WAMID, "csat:"+ticketID+":2", "Regular")
	assert.EqualValues(t, 2, e.ticket(ticketID)["csat"].(map[string]any)["score"])
	assert.Contains(t, e.sentTexts(), "Obrigado pela sua resposta!")
	assert.Contains(t, e.channelMessages(ch.Id), "O cliente avaliou o atendimento: Regular (2).")
}
