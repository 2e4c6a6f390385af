package bintest

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartAndHistoryInChromium runs webapp/e2e/start.e2e.mjs in headless Chromium against the
// real plugin (the host page and relay of TestPanelEndToEndInChromium): the agent starts a
// conversation from the panel's "New conversation" form with a customer who had an earlier,
// closed conversation, and opens that conversation from the history. Screenshots go to
// docs/screenshots/new-conversation.png and history.png.
func TestStartAndHistoryInChromium(t *testing.T) {
	b := needBrowser(t)

	e := newEnv(t, 1)
	e.graph.SetTemplates(pedidoEnviado)
	// The customer's earlier conversation, attended and ended: it becomes a draft ticket.
	earlier, _ := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, earlier))
	code, body := e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+earlier+"/close", nil)
	require.Equal(t, http.StatusOK, code, string(body))

	host := b.host(e)
	base := serve(t, host)

	shots := screenshotDir(t, b.root, "start")
	b.run(t, "start.e2e.mjs", nil, base, shots, "+55 11 98765-4321", earlier)

	for _, name := range []string{"new-conversation.png", "history.png"} {
		info, err := os.Stat(filepath.Join(shots, name))
		require.NoError(t, err)
		assert.Greater(t, info.Size(), int64(10_000), "a real screenshot: %s", name)
	}
	// The server agrees with what the browser saw: the template went out with its parameters.
	sent := e.graph.Sent()
	require.NotEmpty(t, sent)
	last := sent[len(sent)-1]
	assert.Equal(t, "pedido_enviado", last.TemplateName)
	assert.Equal(t, maria, last.To, "to the number WhatsApp reported")
	chans := e.conversationChannels()
	require.Len(t, chans, 2, "a new channel for the new conversation")
	linked := 0
	for _, ch := range chans {
		for _, p := range e.postsWithKind(ch.Id, "previous_conversation") {
			assert.Contains(t, p.Message, "~wa-"+earlier, "the started channel links the earlier conversation")
			linked++
		}
	}
	assert.Equal(t, 1, linked)
}
