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

	"github.com/stretchr/testify/require"
)

// TestTicketsSearchAndTagsInChromium runs webapp/e2e/customers.e2e.mjs in headless Chromium
// against the real plugin (the host of e2e_test.go): an agent tags a conversation in the panel,
// closes it, finds its ticket by a transcript word and by tag, and downloads the CSV.
func TestTicketsSearchAndTagsInChromium(t *testing.T) {
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

	artifacts := filepath.Join(root, "webapp", "test-results")
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	screenshot := filepath.Join(artifacts, "tickets-search.png")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "webapp", "e2e", "customers.e2e.mjs"), "http://"+ln.Addr().String(), screenshot)
	cmd.Dir = filepath.Join(root, "webapp")
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	require.NoError(t, err, "the browser scenario failed")

	info, err := os.Stat(screenshot)
	require.NoError(t, err)
	require.Greater(t, info.Size(), int64(10_000), "a real screenshot of the tickets view")
	// The server agrees with what the browser saw.
	ids, total := e.tickets("tag=troca")
	require.Equal(t, 1, total)
	require.Equal(t, []string{"entrega", "troca"}, toStrings(e.ticket(ids[0])["tags"]))
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
