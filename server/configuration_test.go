package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultsFillWhatAnAdminLeftEmpty(t *testing.T) {
	c := &configuration{GraphAPIBaseURL: "https://graph.example.com/"}
	c.applyDefaults()
	assert.Equal(t, "https://graph.example.com", c.GraphAPIBaseURL)
	assert.Equal(t, "v25.0", c.GraphAPIVersion)
	assert.Equal(t, "whatsapp-queue", c.QueueChannelName)
	assert.Equal(t, 5, c.MaxConversationsPerAgent)
	assert.Equal(t, 20, c.GraphAPITimeoutSeconds)
	assert.Equal(t, "//", c.InternalNotePrefix)
	require.NoError(t, c.validate())
	assert.ElementsMatch(t, []string{"access token", "phone number ID", "app secret", "team"}, c.missing())
}

func TestWrongSettingsAreNamed(t *testing.T) {
	c := &configuration{GraphAPIBaseURL: "ftp://x", GraphAPIVersion: "25", QueueChannelName: "Fila Principal", CreditsGranted: -1}
	err := c.validate()
	require.Error(t, err)
	for _, want := range []string{"base URL", "version", "queue channel", "negative"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestChatGroupsParse(t *testing.T) {
	c := &configuration{PhoneNumberID: "111", QueueChannelName: "whatsapp-queue", StartMessage: "oi",
		ChatGroups: `[{"name":"vendas","phone_number_id":"222","queue_channel":"fila-vendas"}]`}
	c.applyDefaults()
	groups, err := c.parseGroups()
	require.NoError(t, err)
	require.Len(t, groups, 2)
	assert.Equal(t, "111", groups[0].PhoneNumberID)
	assert.Equal(t, "oi", groups[0].StartMessage)
	assert.Equal(t, "vendas", groups[1].Name)

	for name, raw := range map[string]string{
		"not JSON":          `{`,
		"missing field":     `[{"name":"x","phone_number_id":"3"}]`,
		"bad channel name":  `[{"name":"x","phone_number_id":"3","queue_channel":"Fila X"}]`,
		"repeated number":   `[{"name":"x","phone_number_id":"111","queue_channel":"x"}]`,
		"repeated the name": `[{"name":"x","phone_number_id":"3","queue_channel":"x"},{"name":"x","phone_number_id":"4","queue_channel":"y"}]`,
	} {
		c.ChatGroups = raw
		_, err := c.parseGroups()
		assert.Error(t, err, name)
		assert.Error(t, c.validate(), name)
	}
}
