package bintest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A missing setting keeps the plugin alive and says what to fix; webhooks get 503 so Meta keeps
// the messages until the admin is done.
func TestMissingSettingIsReportedNotFatal(t *testing.T) {
	e := newEnv(t, 1, withSetting("TeamName", ""))
	require.NoError(t, e.node(0).Healthy())
	rec := e.deliver(0, e.graph.InboundText(maria, "Maria", "wamid.x", "oi", time.Now()))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), "team")
	assert.Contains(t, e.store.LogText(), "not configured yet")

	resp, appErr := e.node(0).ExecuteCommand(e.alice.Id, e.queue.Id, e.team.Id, "/whatsapp queue")
	require.Nil(t, appErr)
	assert.Contains(t, resp.Text, "team")

	// Fixing the setting takes effect without a restart, and Meta's redelivery goes through.
	require.NoError(t, e.c.UpdateSettings(map[string]any{"TeamName": "acme"}))
	rec = e.deliver(0, e.graph.InboundText(maria, "Maria", "wamid.x", "oi", time.Now()))
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Len(t, e.conversationChannels(), 1)
}

func TestInvalidSettingIsReported(t *testing.T) {
	e := newEnv(t, 1, withSetting("ChatGroups", "[not json"), withSetting("GraphAPIVersion", "25"))
	require.NoError(t, e.node(0).Healthy())
	logs := e.store.LogText()
	assert.Contains(t, logs, "Graph API version")
	assert.Contains(t, logs, "chat groups")
	rec := e.deliver(0, e.graph.InboundText(maria, "Maria", "wamid.y", "oi", time.Now()))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.True(t, strings.Contains(rec.Body.String(), "invalid"), rec.Body.String())
}

func TestVerifyTokenIsGeneratedWhenEmpty(t *testing.T) {
	e := newEnv(t, 1, withSetting("WebhookVerifyToken", ""))
	saved := e.store.PluginSettings(pluginID)
	token, _ := saved["webhookverifytoken"].(string)
	require.NotEmpty(t, token, "a generated token is saved so the System Console shows it")
	assert.Equal(t, e.graph.Options().AccessToken, saved["accesstoken"], "saving the token keeps the other secrets")
	assert.Equal(t, e.graph.Options().AppSecret, saved["appsecret"])
	req, _ := http.NewRequest(http.MethodGet, "/plugins/"+pluginID+"/webhook?hub.mode=subscribe&hub.verify_token="+token+"&hub.challenge=42", nil)
	rec := e.node(0).ServeHTTP(req, "")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "42", rec.Body.String())
}

func TestSystemConsoleRejectsWrongSettings(t *testing.T) {
	e := newEnv(t, 1)
	require.True(t, e.node(0).Implements(plugin.ConfigurationWillBeSavedID))
	cfg := e.store.Config()
	cfg.PluginSettings.Plugins[pluginID] = map[string]any{"graphapiversion": "25", "chatgroups": `[{"name":"x"}]`, "teamname": "acme"}
	_, err := e.node(0).Hooks().ConfigurationWillBeSaved(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Graph API version must look like v25.0")
	assert.Contains(t, err.Error(), "chat group 1 needs name, phone_number_id and queue_channel")

	cfg.PluginSettings.Plugins[pluginID] = map[string]any{"graphapiversion": "v26.0", "teamname": "acme", "queuechannelname": "support-queue"}
	_, err = e.node(0).Hooks().ConfigurationWillBeSaved(cfg)
	assert.NoError(t, err)
}
