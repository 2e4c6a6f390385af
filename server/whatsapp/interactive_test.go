package whatsapp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

var surveyButtons = []whatsapp.OutButton{{ID: "csat:t1:3", Title: "Ótimo"}, {ID: "csat:t1:2", Title: "Regular"}, {ID: "csat:t1:1", Title: "Ruim"}}

func TestInteractiveButtonsWireFormat(t *testing.T) {
	raw, err := whatsapp.NewOutButtons("551187654321", "Como foi o atendimento?", surveyButtons...).WireJSON()
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(raw, &got))
	assert.Equal(t, "interactive", got["type"])
	in := got["interactive"].(map[string]any)
	assert.Equal(t, "button", in["type"])
	assert.Equal(t, "Como foi o atendimento?", in["body"].(map[string]any)["text"])
	buttons := in["action"].(map[string]any)["buttons"].([]any)
	require.Len(t, buttons, 3)
	assert.Equal(t, map[string]any{"type": "reply", "reply": map[string]any{"id": "csat:t1:3", "title": "Ótimo"}}, buttons[0])
}

func TestInteractiveButtonsValidation(t *testing.T) {
	for name, m := range map[string]whatsapp.OutMessage{
		"no body":        whatsapp.NewOutButtons("5511", " ", surveyButtons...),
		"no buttons":     whatsapp.NewOutButtons("5511", "?"),
		"four buttons":   whatsapp.NewOutButtons("5511", "?", append(surveyButtons, whatsapp.OutButton{ID: "x", Title: "x"})...),
		"long title":     whatsapp.NewOutButtons("5511", "?", whatsapp.OutButton{ID: "a", Title: strings.Repeat("a", 21)}),
		"repeated title": whatsapp.NewOutButtons("5511", "?", whatsapp.OutButton{ID: "a", Title: "A"}, whatsapp.OutButton{ID: "b", Title: "A"}),
		"spaced id":      whatsapp.NewOutButtons("5511", "?", whatsapp.OutButton{ID: " a", Title: "A"}),
		"long body":      whatsapp.NewOutButtons("5511", strings.Repeat("a", 1025), surveyButtons...),
		"two parts at once": func() whatsapp.OutMessage {
			m := whatsapp.NewOutButtons("5511", "?", surveyButtons...)
			m.Text = &whatsapp.OutText{Body: "x"}
			return m
		}(),
	} {
		assert.ErrorIs(t, m.Validate(), whatsapp.ErrInvalidMessage, name)
	}
}

// The fake Graph validates every request against Meta's OpenAPI file: a reply-button message is
// accepted with no violation.
func TestFakeInteractiveButtonsRoundTrip(t *testing.T) {
	f := setup(t)
	_, err := f.client.Send(context.Background(), whatsapp.NewOutButtons("551187654321", "Como foi o atendimento?", surveyButtons...))
	require.NoError(t, err)
	sent := f.fake.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, "interactive", sent[0].Type)
	assert.Empty(t, f.fake.Violations())
}
