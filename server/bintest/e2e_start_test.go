package bintest

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartAndHistoryInChromium runs webapp/e2e/start.e2e.mjs in headless Chromium against the
// real plugin (the host page and relay of TestPanelEndToEndInChromium): the agent starts a
// conversation from the panel's "New conversation" form with a customer who had an earlier,
// closed conversation, and opens that conversation from the history. Screenshots go to
// docs/screenshots/new-conversation.png and history.png.
func TestStartAndHistoryInChromium(t *testing.T) {
	root := repoRoot()
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	mainJS := filepath.Join(root, "webapp", "dist", "main.js")
	for _, need := range []string{chromium, mainJS, filepath.Join(root, "webapp", "node_modules", "playwright-core")} {
		if _, err := os.Stat(need); err != nil {
			if os.Getenv("WHATSAPP_HELPDESK_E2E") == "required" {
				t.Fatalf("end-to-end test needs %s (make test installs it): %v", need, err)
			}
			t.Skipf("end-to-end test needs %s; run make test", need)
		}
	}

	e := newEnv(t, 1)
	e.graph.SetTemplates(pedidoEnviado)
	// The customer's earlier conversation, attended and ended: it becomes a draft ticket.
	earlier, _ := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, earlier))
	code, body := e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+earlier+"/close", nil)
	require.Equal(t, http.StatusOK, code, string(body))

	host := &e2eHost{e: e, static: map[string]string{
		"/":                    filepath.Join(root, "webapp", "e2e", "host.html"),
		"/static/main.js":      mainJS,
		"/static/react.js":     filepath.Join(root, "webapp", "node_modules", "react", "umd", "react.production.min.js"),
		"/static/react-dom.js": filepath.Join(root, "webapp", "node_modules", "react-dom", "umd", "react-dom.production.min.js"),
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: host, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	shots := screenshotDir(t, root, "start")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "webapp", "e2e", "start.e2e.mjs"),
		"http://"+ln.Addr().String(), shots, "+55 11 98765-4321", earlier)
	cmd.Dir = filepath.Join(root, "webapp")
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	require.NoError(t, err, "the browser scenario failed")

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

// screenshotDir is where a browser test saves its screenshots: under webapp/test-results (not
// committed), or over the README's copies in docs/screenshots with UPDATE_SCREENSHOTS=1, so that
// make test leaves the checkout as it found it.
func screenshotDir(t *testing.T, root, name string) string {
	dir := filepath.Join(root, "webapp", "test-results", name)
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join(root, "docs", "screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}
