package bintest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/harness"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/mmfake"
)

// floor starts the baseline plugin (testdata/floorplugin): per request one atomic KV insert and
// one CreatePost through the same plugin RPC, the least any exactly-once ingest must do.
func floor(b *testing.B) (deliver func(body []byte) int) {
	store := mmfake.NewStore()
	user := store.NewUser("floor")
	team := store.NewTeam("floor", user.Id)
	ch := store.NewChannel(team.Id, "floor", model.ChannelTypeOpen, user.Id)
	dir := filepath.Join(repoRoot(), "server", "bintest", "testdata", "floorplugin")
	c := harness.New(b, harness.Options{
		ManifestPath: filepath.Join(dir, "plugin.json"),
		BinaryPath:   harness.BuildPlugin(b, dir),
		Store:        store,
		Quiet:        true,
	})
	url := "/plugins/floor/ingest?user_id=" + user.Id + "&channel_id=" + ch.Id
	return func(body []byte) int {
		return c.Node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body)), "").Code
	}
}

// webhook is a body as Meta delivers it. It is signed before the clock starts: signing is
// Meta's work, and the floor's requests carry no signature to make.
type webhook struct {
	body      []byte
	signature string
}

func (e *env) signed(body []byte) webhook { return webhook{body: body, signature: e.graph.Sign(body)} }

// rounds cuts the benchmark's webhooks into the turns the floor and the plugin take.
func rounds(hooks []webhook) [][]webhook {
	const turn = 500
	var out [][]webhook
	for start := 0; start < len(hooks); start += turn {
		out = append(out, hooks[start:min(start+turn, len(hooks))])
	}
	return out
}

// latencies keeps per-message ack times for percentiles.
type latencies []time.Duration

func (l latencies) percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

// BenchmarkInboundText measures the steady-state ingest of a text from a known customer through
// the real plugin RPC, next to the floor measured in the same run, and reports the ratio, the
// plugin-API calls per message, messages per second and the p99 acknowledgement time.
func BenchmarkInboundText(b *testing.B) {
	e := newEnv(b, 1)
	e.text(maria, "Maria Souza", fakegraph.NewWAMID(), "primeira mensagem") // the customer is known
	hooks := make([]webhook, b.N)
	for i := range hooks {
		hooks[i] = e.signed(e.graph.InboundText(maria, "Maria Souza", fakegraph.NewWAMID(), "mensagem "+strconv.Itoa(i), time.Now()))
	}
	floorDeliver := floor(b)

	// The floor and the plugin take turns over the same bodies, a round each, so a change in the
	// machine's load during the run weighs on both alike.
	floorTimes := make(latencies, 0, b.N)
	calls := e.node(0).APICalls()
	calls.Reset()
	times := make(latencies, 0, b.N)
	var elapsed time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	for _, round := range rounds(hooks) {
		for _, h := range round {
			start := time.Now()
			if code := floorDeliver(h.body); code != http.StatusOK {
				b.Fatalf("floor answered %d", code)
			}
			floorTimes = append(floorTimes, time.Since(start))
		}
		b.StartTimer()
		start := time.Now()
		for _, h := range round {
			t0 := time.Now()
			rec := e.deliverSigned(0, h.body, h.signature)
			times = append(times, time.Since(t0))
			if rec.Code != http.StatusOK {
				b.Fatalf("webhook answered %d: %s", rec.Code, rec.Body.String())
			}
		}
		elapsed += time.Since(start)
		b.StopTimer()
	}

	var floorTotal time.Duration
	for _, d := range floorTimes {
		floorTotal += d
	}
	n := float64(b.N)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(floorTotal.Nanoseconds()), "x-floor")
	b.ReportMetric(float64(floorTotal.Nanoseconds())/n, "floor-ns/op")
	b.ReportMetric(float64(calls.Total())/n, "api-calls/msg")
	b.ReportMetric(n/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(times.percentile(0.99).Microseconds())/1000, "p99-ms")
	if os.Getenv("BENCH_VERBOSE") != "" {
		var parts []string
		all := calls.Calls()
		for _, m := range calls.Methods() {
			parts = append(parts, fmt.Sprintf("%s=%.2f", m, float64(all[m])/n))
		}
		b.Logf("calls per message: %s", strings.Join(parts, " "))
	}
}

// BenchmarkInboundTextConcurrent delivers from several customers at once, as Meta does, and
// reports throughput on this machine next to the floor under the same concurrency.
func BenchmarkInboundTextConcurrent(b *testing.B) {
	const workers = 8
	e := newEnv(b, 1)
	customers := make([]string, workers)
	for w := range customers {
		customers[w] = fmt.Sprintf("55119%08d", 10000000+w)
		e.text(customers[w], "Cliente "+strconv.Itoa(w), fakegraph.NewWAMID(), "oi")
	}
	hooks := make([]webhook, b.N)
	for i := range hooks {
		hooks[i] = e.signed(e.graph.InboundText(customers[i%workers], "Cliente "+strconv.Itoa(i%workers), fakegraph.NewWAMID(), "mensagem "+strconv.Itoa(i), time.Now()))
	}
	run := func(deliver func(webhook) int, hooks []webhook) time.Duration {
		next := make(chan webhook, len(hooks))
		for _, h := range hooks {
			next <- h
		}
		close(next)
		done := make(chan struct{})
		start := time.Now()
		for w := 0; w < workers; w++ {
			go func() {
				defer func() { done <- struct{}{} }()
				for h := range next {
					if code := deliver(h); code != http.StatusOK {
						b.Errorf("answered %d", code)
						return
					}
				}
			}()
		}
		for w := 0; w < workers; w++ {
			<-done
		}
		return time.Since(start)
	}
	floorDeliver := floor(b)
	floorHook := func(h webhook) int { return floorDeliver(h.body) }
	plugin := func(h webhook) int { return e.deliverSigned(0, h.body, h.signature).Code }
	var floorTime, elapsed time.Duration
	b.ResetTimer()
	b.StopTimer()
	for _, round := range rounds(hooks) { // turns, as in BenchmarkInboundText
		floorTime += run(floorHook, round)
		b.StartTimer()
		elapsed += run(plugin, round)
		b.StopTimer()
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/floorTime.Seconds(), "floor-msgs/s")
	b.ReportMetric(elapsed.Seconds()/floorTime.Seconds(), "x-floor")
}

// BenchmarkInboundMemory ingests b.N messages (make bench uses 100,000) and reports the plugin
// process's resident memory growth over the second half of the run: flat means no leak.
func BenchmarkInboundMemory(b *testing.B) {
	e := newEnv(b, 1)
	e.text(maria, "Maria Souza", fakegraph.NewWAMID(), "oi")
	pid, err := e.node(0).PID()
	if err != nil {
		b.Fatal(err)
	}
	rss := func() float64 {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
				return kb / 1024
			}
		}
		return 0
	}
	var half float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i == b.N/2 {
			half = rss()
		}
		body := e.graph.InboundText(maria, "Maria Souza", fakegraph.NewWAMID(), "mensagem", time.Now())
		if rec := e.deliver(0, body); rec.Code != http.StatusOK {
			b.Fatalf("answered %d", rec.Code)
		}
	}
	b.StopTimer()
	end := rss()
	b.ReportMetric(end, "plugin-rss-MB")
	b.ReportMetric(end-half, "rss-growth-2nd-half-MB")
}

// BenchmarkOutboundPaced posts b.N agent messages at once with the send rate set to 50/s and
// reports the rate WhatsApp saw: paced to the setting, with every message delivered.
func BenchmarkOutboundPaced(b *testing.B) {
	const rate = 50
	e := newEnv(b, 1, withSetting("MessagesPerSecond", rate), withSetting("CreditsGranted", 1_000_000))
	convID, ch := e.conversation(maria, "Maria")
	if code := e.attend(0, e.alice.Id, convID); code != http.StatusOK {
		b.Fatalf("attend answered %d", code)
	}
	e.graph.Reset()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, appErr := e.node(0).CreatePostAs(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "msg " + strconv.Itoa(i)}); appErr != nil {
			b.Fatal(appErr)
		}
	}
	e.waitIdle()
	harness.Eventually(b, time.Minute, func() bool { return len(e.sentTexts()) >= b.N }, "every message is sent")
	elapsed := time.Since(start)
	b.StopTimer()
	sent := len(e.sentTexts())
	if sent != b.N {
		b.Fatalf("sent %d of %d", sent, b.N)
	}
	b.ReportMetric(float64(sent)/elapsed.Seconds(), "sends/s")
	b.ReportMetric(rate, "configured/s")
}
