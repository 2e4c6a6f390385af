package bintest

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
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
	b := needBrowser(t)

	line, _ := hoursAhead() // the desk opens in two hours: it is closed now
	e := newEnv(t, 1, withSetting("BusinessHours", line), withSetting("TimeZone", "UTC"), withSetting("Holidays", ""),
		withSetting("SurveyEnabled", true))
	host := b.host(e)
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
	base := serve(t, mux)

	shots := screenshotDir(t, b.root, "servicelevels")
	b.run(t, "servicelevels.e2e.mjs", nil, base, shots)
	for _, name := range []string{"outside-hours.png", "ticket-csat.png"} {
		info, err := os.Stat(filepath.Join(shots, name))
		require.NoError(t, err)
		require.Greater(t, info.Size(), int64(10_000), "a real screenshot: %s", name)
		require.Less(t, info.Size(), int64(300_000), "screenshots stay small: %s", name)
	}
}
