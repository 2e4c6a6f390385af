package bintest

import (
	"encoding/json"
	"os"
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
	b := needBrowser(t)

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

	host := b.host(e)
	base := serve(t, host)

	shots := screenshotDir(t, b.root, "indicators")
	screenshot := filepath.Join(shots, "indicators.png")
	_ = os.Remove(screenshot)

	b.run(t, "indicators.e2e.mjs", []string{"E2E_EXPECT=" + string(expect), "E2E_NOW=" + strconv.FormatInt(browserNow.UnixMilli(), 10)}, base, screenshot)

	info, err := os.Stat(screenshot)
	require.NoError(t, err)
	require.Greater(t, info.Size(), int64(10_000), "a real screenshot of the tab")
	require.Less(t, info.Size(), int64(300_000), "screenshots stay small")
	// The switch the browser turned off reached the server: alice is paused, for every node.
	require.True(t, e.agents(e.bob.Id)[e.alice.Id].Paused, "the panel's switch paused alice")
}
