package bintest

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// scrape reads node i's metrics as the server's metrics listener serves them at
// /plugins/whatsapp-helpdesk/metrics, as "name{labels}" -> value.
func (e *env) scrape(i int) map[string]float64 {
	e.t.Helper()
	rec := e.node(i).ScrapeMetrics("/plugins/" + pluginID + "/metrics")
	require.Equal(e.t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(e.t, rec.Header().Get("Content-Type"), "text/plain")
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(rec.Body.String()))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cut := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[cut+1:], 64)
		require.NoError(e.t, err, line)
		out[line[:cut]] = v
	}
	return out
}

func TestMetricsEndpointCountsTraffic(t *testing.T) {
	e := newEnv(t, 1)
	before := e.scrape(0)
	assert.Zero(t, before[`whatsapp_helpdesk_webhook_messages_received_total{reason="text"}`])
	assert.Equal(t, 1.0, before[`whatsapp_helpdesk_build_info{version="`+e.c.Manifest.Version+`"}`])

	body := e.graph.InboundText(maria, "Maria", "wamid.m1", "oi", time.Now())
	e.deliver(0, body)
	e.deliver(0, body)
	e.deliverSigned(0, body, "sha256=00")
	convID, ch := e.conversationOf("wamid.m1")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Bom dia"})
	e.graph.FailNext(fakegraph.Messages, 1, fakegraph.Undeliverable())
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Tudo bem?"})

	m := e.scrape(0)
	assert.Equal(t, 1.0, m[`whatsapp_helpdesk_webhook_messages_received_total{reason="text"}`])
	assert.Equal(t, 1.0, m[`whatsapp_helpdesk_webhook_messages_duplicate_total{reason=""}`])
	assert.Equal(t, 1.0, m[`whatsapp_helpdesk_webhook_rejected_total{reason="signature"}`])
	assert.Equal(t, 1.0, m[`whatsapp_helpdesk_outbound_failed_total{reason="131026"}`])
	assert.GreaterOrEqual(t, m[`whatsapp_helpdesk_outbound_sent_total{reason="agent"}`], 1.0)
	assert.GreaterOrEqual(t, m[`whatsapp_helpdesk_credits_debited_total{reason=""}`], 1.0)
	assert.Equal(t, 2.0, m[`whatsapp_helpdesk_webhook_duration_seconds_count{status="200"}`])
	assert.Equal(t, 1.0, m[`whatsapp_helpdesk_webhook_duration_seconds_count{status="401"}`])
	assert.GreaterOrEqual(t, m[`whatsapp_helpdesk_graph_request_duration_seconds_count{endpoint="messages",status="200"}`], 1.0)
	assert.GreaterOrEqual(t, m[`whatsapp_helpdesk_graph_request_duration_seconds_count{endpoint="messages",status="400"}`], 1.0)

	// /whatsapp stats reads the same numbers.
	stats := e.command(e.admin.Id, e.queue.Id, "/whatsapp stats")
	assert.Contains(t, stats, "| webhook_messages_received:text | 1 |")
	assert.Contains(t, stats, "| outbound_failed:131026 | 1 |")
}

// conversationOf finds the conversation and channel of an inbound message.
func (e *env) conversationOf(wamid string) (string, *model.Channel) {
	e.t.Helper()
	for _, ch := range e.conversationChannels() {
		for _, p := range e.customerPosts(ch.Id) {
			if p.GetProp("wa_wamid") == wamid {
				return e.convOfChannel(p.ChannelId), ch
			}
		}
	}
	e.t.Fatal("no conversation for " + wamid)
	return "", nil
}
