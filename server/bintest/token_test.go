package bintest

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// TestTheTokenNeverLeaksUnderGraphFaults injects every Graph fault, a dropped connection among
// them, into sends, media downloads and every attempt at the second page of the template
// listing (whose paging link carries the token, as Graph's do), runs the periodic template sync
// into a transport error on that link, and lets a media lookup name a host outside Meta's; then
// greps every log line, every command and API answer and every post, and what that host got.
func TestTheTokenNeverLeaksUnderGraphFaults(t *testing.T) {
	// The host a spoofed media lookup names: https with a certificate the plugin trusts, so
	// that only the plugin's own allowlist keeps the token from it.
	jpeg := []byte{0xff, 0xd8, 0xff, 0xe0}
	var foreignMu sync.Mutex
	var foreignAuth []string
	foreign := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignMu.Lock()
		foreignAuth = append(foreignAuth, r.Header.Get("Authorization"))
		foreignMu.Unlock()
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(jpeg)
	}))
	t.Cleanup(foreign.Close)
	caFile := filepath.Join(t.TempDir(), "foreign-ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: foreign.Certificate().Raw}), 0o600))
	t.Setenv("SSL_CERT_FILE", caFile) // inherited by the plugin processes started below

	e := newEnv(t, 1, withSetting("GraphAPITimeoutSeconds", 1))
	token := e.graph.Options().AccessToken
	e.graph.SetPagingAccessToken(true)
	var templates []fakegraph.Template
	for i := range 150 { // two pages of 100
		templates = append(templates, fakegraph.Template{Name: fmt.Sprintf("t%03d", i), Language: "pt_BR", Status: "APPROVED",
			Category: "UTILITY", Components: []fakegraph.TemplateComponent{{Type: "BODY", Text: "Olá"}}})
	}
	e.graph.SetTemplates(templates...)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))

	var answers []string
	faults := map[string]fakegraph.Fault{
		"rate limited": fakegraph.RateLimited(), "pair rate limit": fakegraph.PairRateLimit(), "server error": fakegraph.ServerError(),
		"token expired": fakegraph.TokenExpired(), "re-engagement": fakegraph.ReEngagement(), "undeliverable": fakegraph.Undeliverable(),
		"timeout":   fakegraph.Timeout(1500 * time.Millisecond),
		"html page": {HTTPStatus: http.StatusBadGateway, Body: "<html>bad gateway " + token[:4] + "</html>"},
		"hangup":    {Hangup: true},
	}
	for name, f := range faults {
		// The second page of the template listing fails, on every attempt of the client (and
		// of Go's transport, which replays an idempotent request once on a dropped connection).
		e.graph.ClearFaults()
		e.graph.FailNext(fakegraph.Templates, 1, fakegraph.Fault{Pass: true})
		e.graph.FailNext(fakegraph.Templates, 10, f)
		answers = append(answers, e.command(e.alice.Id, ch.Id, "/whatsapp templates"))
		_, body := e.api(0, e.alice.Id, http.MethodGet, "/templates", nil)
		answers = append(answers, string(body))

		// A send fails.
		e.graph.ClearFaults()
		e.graph.FailNext(fakegraph.Messages, 1, f)
		e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "falha " + name})
		// A media download fails.
		e.graph.ClearFaults()
		e.graph.AddMedia("media."+strings.ReplaceAll(name, " ", "-"), "image/jpeg", []byte{0xff, 0xd8, 0xff, 0xe0})
		e.graph.FailNext(fakegraph.Media, 1, f)
		e.deliver(0, e.graph.InboundMedia(fakegraph.Contact{Name: "Maria", WaID: maria}, "image", "media."+strings.ReplaceAll(name, " ", "-"), "", ""))
		e.waitIdle()
	}
	// A dropped connection on the paging link: the answer says the listing failed, and names
	// neither the link nor the token.
	e.graph.ClearFaults()
	e.graph.FailNext(fakegraph.Templates, 1, fakegraph.Fault{Pass: true})
	e.graph.FailNext(fakegraph.Templates, 10, fakegraph.Fault{Hangup: true})
	failed := e.command(e.alice.Id, ch.Id, "/whatsapp templates")
	assert.NotContains(t, failed, "t000", "the listing failed")
	assert.NotContains(t, failed, "access_token")
	answers = append(answers, failed)

	// The periodic sync runs into the same error and logs it: restart with its last run
	// forgotten, so it runs at once.
	e.node(0).Deactivate()
	require.Nil(t, e.node(0).API().KVDelete("cron_templates-sync"))
	e.graph.ClearFaults()
	e.graph.FailNext(fakegraph.Templates, 1, fakegraph.Fault{Pass: true})
	e.graph.FailNext(fakegraph.Templates, 10, fakegraph.Fault{Hangup: true})
	require.NoError(t, e.node(0).Activate())
	e.eventually(func() bool { return strings.Contains(e.c.Logs(), "Periodic template sync failed") },
		"the periodic sync met the dropped connection")

	// The media lookup names a host outside Meta's: it gets no request, so no token.
	e.graph.ClearFaults()
	e.graph.AddMedia("media.elsewhere", "image/jpeg", jpeg)
	e.graph.SetMediaURL("media.elsewhere", foreign.URL+"/media.jpg")
	e.deliver(0, e.graph.InboundMedia(fakegraph.Contact{Name: "Maria", WaID: maria}, "image", "media.elsewhere", "", ""))
	e.waitIdle()
	foreignMu.Lock()
	got := append([]string(nil), foreignAuth...)
	foreignMu.Unlock()
	for _, auth := range got {
		assert.NotContains(t, auth, token, "the token went to a host outside Meta's")
	}
	assert.Empty(t, got, "a host that may not get the token gets no request")

	answers = append(answers, e.ephemerals(e.alice.Id)...)
	for _, p := range e.store.Posts(ch.Id) {
		answers = append(answers, p.Message, fmt.Sprint(p.GetProps()))
	}
	answers = append(answers, e.command(e.admin.Id, ch.Id, "/whatsapp stats"))
	require.NotEmpty(t, answers)
	for _, a := range answers {
		assert.NotContains(t, a, token, "the token is in an answer")
	}
	logs := e.c.Logs() + "\n" + e.store.LogText()
	require.Contains(t, logs, "Could not fetch WhatsApp media", "the faults were logged")
	for _, line := range strings.Split(logs, "\n") {
		assert.NotContains(t, line, token, "the token is in a log line")
	}
}
