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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// TestPanelEndToEndInChromium runs webapp/e2e/panel.e2e.mjs in headless Debian Chromium against
// the real plugin: a loopback server serves a host page that provides window.registerPlugin and
// React the way Mattermost does, the built main.js, and forwards /plugins/whatsapp-helpdesk/* to
// the plugin's ServeHTTP as a logged-in agent. `make test` installs chromium and requires this
// test (WHATSAPP_HELPDESK_E2E=required); elsewhere it is skipped when chromium is missing.
func TestPanelEndToEndInChromium(t *testing.T) {
	b := needBrowser(t)

	e := newEnv(t, 1)
	host := b.host(e)
	base := serve(t, host)

	artifacts := filepath.Join(b.root, "webapp", "test-results")
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	screenshot := filepath.Join(artifacts, "panel.png")

	b.run(t, "panel.e2e.mjs", nil, base, screenshot)

	info, err := os.Stat(screenshot)
	require.NoError(t, err)
	require.Greater(t, info.Size(), int64(10_000), "a real screenshot of the panel")
	// The server agrees with what the browser saw.
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=saved", nil)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(body), "Pedido 4821 não entregue")
}

// browser is what every browser test needs: the repository, Debian's chromium and the built
// webapp. needBrowser fails the test when they are missing under make test
// (WHATSAPP_HELPDESK_E2E=required) and skips it elsewhere.
type browser struct{ root, chromium, mainJS string }

func needBrowser(t *testing.T) browser {
	b := browser{root: repoRoot(), chromium: os.Getenv("CHROMIUM")}
	if b.chromium == "" {
		b.chromium = "/usr/bin/chromium"
	}
	b.mainJS = filepath.Join(b.root, "webapp", "dist", "main.js")
	for _, need := range []string{b.chromium, b.mainJS, filepath.Join(b.root, "webapp", "node_modules", "playwright-core")} {
		if _, err := os.Stat(need); err != nil {
			if os.Getenv("WHATSAPP_HELPDESK_E2E") == "required" {
				t.Fatalf("end-to-end test needs %s (make test installs it): %v", need, err)
			}
			t.Skipf("end-to-end test needs %s; run make test", need)
		}
	}
	return b
}

// host is the page standing in for Mattermost, with the built bundle and React, relaying the
// plugin's routes to e's plugin.
func (b browser) host(e *env) *e2eHost {
	return &e2eHost{e: e, static: map[string]string{
		"/":                    filepath.Join(b.root, "webapp", "e2e", "host.html"),
		"/static/main.js":      b.mainJS,
		"/static/react.js":     filepath.Join(b.root, "webapp", "node_modules", "react", "umd", "react.production.min.js"),
		"/static/react-dom.js": filepath.Join(b.root, "webapp", "node_modules", "react-dom", "umd", "react-dom.production.min.js"),
	}}
}

// serve serves h on 127.0.0.1 until the test ends and answers its base URL.
func serve(t *testing.T, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// run runs the scenario webapp/e2e/<script> in Chromium with args (and env added to the
// environment), logs what it printed, and fails the test if it failed.
func (b browser) run(t *testing.T, script string, env []string, args ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(b.root, "webapp", "e2e", script)}, args...)...)
	cmd.Dir = filepath.Join(b.root, "webapp")
	cmd.Env = append(append(os.Environ(), "CHROMIUM="+b.chromium), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	require.NoError(t, err, "the browser scenario failed")
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

// e2eHost is the loopback server the browser talks to, standing in for the Mattermost server.
type e2eHost struct {
	e      *env
	static map[string]string
	mu     sync.Mutex
}

func (h *e2eHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/plugins/"+pluginID+"/"):
		// The server authenticates the session and passes the user to the plugin.
		req := r.Clone(r.Context())
		rec := h.e.node(0).ServeHTTP(req, h.e.alice.Id)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	case r.URL.Path == "/e2e/session":
		writeTestJSON(w, map[string]string{"user": h.e.alice.Id})
	case r.URL.Path == "/e2e/deliver":
		h.deliver(w, r)
	case r.URL.Path == "/e2e/events":
		h.events(w, r)
	default:
		path, ok := h.static[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(path, ".js") {
			w.Header().Set("Content-Type", "text/javascript")
		}
		http.ServeFile(w, r, path)
	}
}

// deliver sends a customer message through the real webhook path, signed like Meta.
func (h *e2eHost) deliver(w http.ResponseWriter, r *http.Request) {
	var in struct{ From, Name, Text string }
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	wamid := fakegraph.NewWAMID()
	rec := h.e.deliver(0, h.e.graph.InboundText(in.From, in.Name, wamid, in.Text, time.Now()))
	if rec.Code != http.StatusOK {
		http.Error(w, rec.Body.String(), rec.Code)
		return
	}
	for _, ch := range h.e.conversationChannels() {
		for _, p := range h.e.customerPosts(ch.Id) {
			if p.GetProp("wa_wamid") == wamid {
				writeTestJSON(w, map[string]any{"conversation_id": h.e.convOfChannel(ch.Id)})
				return
			}
		}
	}
	http.Error(w, "message not posted", http.StatusInternalServerError)
}

// events relays the plugin's websocket events, as Mattermost's websocket would deliver them to
// a member of the channel they are broadcast to.
func (h *e2eHost) events(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	type event struct {
		Seq   int            `json:"seq"`
		Event string         `json:"event"`
		Data  map[string]any `json:"data"`
	}
	out := []event{}
	for i, ev := range h.e.store.WebSocketEvents() {
		if i+1 <= after {
			continue
		}
		if ev.Broadcast != nil && ev.Broadcast.ChannelId != "" && !h.e.store.IsChannelMember(ev.Broadcast.ChannelId, h.e.alice.Id) {
			continue
		}
		out = append(out, event{Seq: i + 1, Event: "custom_" + pluginID + "_" + ev.Event, Data: ev.Payload})
	}
	writeTestJSON(w, out)
}

func writeTestJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
