package bintest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// TestTheTokenNeverLeaksUnderGraphFaults injects every Graph fault into sends, media
// downloads and the second page of the template listing (whose paging link carries the token,
// as Graph's do), then greps every log line, every command and API answer and every post.
func TestTheTokenNeverLeaksUnderGraphFaults(t *testing.T) {
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
	}
	for name, f := range faults {
		// The second page of the template listing fails.
		e.graph.ClearFaults()
		e.graph.FailNext(fakegraph.Templates, 1, fakegraph.Fault{Pass: true})
		e.graph.FailNext(fakegraph.Templates, 3, f)
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
	e.graph.ClearFaults()
	answers = append(answers, e.ephemerals(e.alice.Id)...)
	for _, p := range e.store.Posts(ch.Id) {
		answers = append(answers, p.Message, fmt.Sprint(p.GetProps()))
	}
	answers = append(answers, e.command(e.admin.Id, ch.Id, "/whatsapp stats"))
	require.NotEmpty(t, answers)
	for _, a := range answers {
		assert.NotContains(t, a, token, "the token is in an answer")
	}
	logs := e.c.Logs()
	require.Contains(t, logs, "Could not fetch WhatsApp media", "the faults were logged")
	for _, line := range strings.Split(logs, "\n") {
		assert.NotContains(t, line, token, "the token is in a log line")
	}
}
