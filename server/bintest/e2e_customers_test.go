package bintest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTicketsSearchAndTagsInChromium runs webapp/e2e/customers.e2e.mjs in headless Chromium
// against the real plugin (the host of e2e_test.go): an agent tags a conversation in the panel,
// closes it, finds its ticket by a transcript word and by tag, and downloads the CSV.
func TestTicketsSearchAndTagsInChromium(t *testing.T) {
	b := needBrowser(t)

	e := newEnv(t, 1)
	host := b.host(e)
	base := serve(t, host)

	artifacts := filepath.Join(b.root, "webapp", "test-results")
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	screenshot := filepath.Join(artifacts, "tickets-search.png")

	b.run(t, "customers.e2e.mjs", nil, base, screenshot)

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
