package bintest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestIndicatorsInChromium runs webapp/e2e/indicators.e2e.mjs in headless Chromium against the
// real plugin after a scripted day (scriptIndicatorsDay): the Indicators tab must show the
// hand-computed numbers and one chart bar per started conversation's hour, the pause switch
// must reach the server, and a screenshot lands in webapp/test-results (docs/screenshots with UPDATE_SCREENSHOTS=1). It runs
// and skips like TestPanelEndToEndInChromium, whose loopback host (e2eHost) it reuses.
func TestIndicatorsInChromium(t *testing.T) {
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
	clock := scriptIndicatorsDay(e)
	// The browser's clock is set to the plugin's, so "the last 7 days" are the same days.
	browserNow := clock.base.Add(42 * time.Minute)
	clock.at(42 * time.Minute)
	hours := make([]int, 24)
	for _, at := range []time.Duration{0, 0, 25 * time.Minute, 26 * time.Minute} {
		hours[clock.base.Add(at).UTC().Hour()]++
	}
	expect, err := json.Marshal(map[string]any{
		"conversations": 4, "attended": 3, "wait": "4m 00s", "first": "5m 30s", "handle": "12m 40s",
		"hours": hours, "agents": []string{"alice", "bob"},
	})
	require.NoError(t, err)

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

	shots := screenshotDir(t, root, "indicators")
	screenshot := filepath.Join(shots, "indicators.png")
	_ = os.Remove(screenshot)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "webapp", "e2e", "indicators.e2e.mjs"), "http://"+ln.Addr().String(), screenshot)
	cmd.Dir = filepath.Join(root, "webapp")
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "E2E_EXPECT="+string(expect), "E2E_NOW="+strconv.FormatInt(browserNow.UnixMilli(), 10))
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	require.NoError(t, err, "the browser scenario failed")

	info, err := os.Stat(screenshot)
	require.NoError(t, err)
	require.Greater(t, info.Size(), int64(10_000), "a real screenshot of the tab")
	require.Less(t, info.Size(), int64(300_000), "screenshots stay small")
	// The switch the browser turned off reached the server: alice is paused, for every node.
	require.True(t, e.agents(e.bob.Id)[e.alice.Id].Paused, "the panel's switch paused alice")
}
