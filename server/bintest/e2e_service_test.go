package bintest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// TestServiceLevelsEndToEndInChromium drives the service-level parts of the panel in headless
// Chromium against the real plugin: the outside-business-hours banner, and a ticket's
// satisfaction answer arriving while the agent looks at it (webapp/e2e/servicelevels.e2e.mjs).
func TestServiceLevelsEndToEndInChromium(t *testing.T) {
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

	line, _ := hoursAhead() // the desk opens in two hours: it is closed now
	e := newEnv(t, 1, withSetting("BusinessHours", line), withSetting("TimeZone", "UTC"), withSetting("Holidays", ""),
		withSetting("SurveyEnabled", true))
	host := &e2eHost{e: e, static: map[string]string{
		"/":                    filepath.Join(root, "webapp", "e2e", "host.html"),
		"/static/main.js":      mainJS,
		"/static/react.js":     filepath.Join(root, "webapp", "node_modules", "react", "umd", "react.production.min.js"),
		"/static/react-dom.js": filepath.Join(root, "webapp", "node_modules", "react-dom", "umd", "react-dom.production.min.js"),
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("/e2e/press", func(w http.ResponseWriter, r *http.Request) {
		// The customer presses a survey button on their phone.
		var in struct{ From, Name, Ticket string }
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		host.mu.Lock()
		defer host.mu.Unlock()
		var surveyWAMID string
		for _, m := range e.graph.Sent() {
			if m.Type == "interactive" {
				surveyWAMID = m.WAMID
			}
		}
		if surveyWAMID == "" {
			http.Error(w, "no survey was sent", http.StatusConflict)
			return
		}
		// Not e.pressButton: require must not stop the test from this handler's goroutine.
		rec := e.deliver(0, e.graph.InboundMessage(fakegraph.Contact{Name: in.Name, WaID: in.From}, map[string]any{
			"timestamp":   time.Now().Unix(),
			"type":        "interactive",
			"context":     map[string]any{"from": e.graph.Options().PhoneNumberID, "id": surveyWAMID},
			"interactive": map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": "csat:" + in.Ticket + ":3", "title": "Great"}},
		}))
		if rec.Code != http.StatusOK {
			http.Error(w, rec.Body.String(), rec.Code)
			return
		}
		writeTestJSON(w, map[string]any{"ok": true})
	})
	mux.Handle("/", host)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	// Written under test-results (not committed); docs/screenshots holds copies for the README.
	shots := filepath.Join(root, "webapp", "test-results", "servicelevels")
	require.NoError(t, os.MkdirAll(shots, 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "webapp", "e2e", "servicelevels.e2e.mjs"), "http://"+ln.Addr().String(), shots)
	cmd.Dir = filepath.Join(root, "webapp")
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	require.NoError(t, err, "the browser scenario failed")
	for _, name := range []string{"outside-hours.png", "ticket-csat.png"} {
		info, err := os.Stat(filepath.Join(shots, name))
		require.NoError(t, err)
		require.Greater(t, info.Size(), int64(10_000), "a real screenshot: %s", name)
		require.Less(t, info.Size(), int64(300_000), "screenshots stay small: %s", name)
	}
}
