package bintest

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/harness"
)

// BenchmarkOutboundPacedCluster posts b.N agent messages at once spread over three nodes (one
// conversation each) with the send rate set to 50/s, and reports the rate WhatsApp saw for the
// whole cluster against the setting, and the KV calls per send: all of them, and those on the
// pacing windows' keys (what holding the rate across nodes costs).
func BenchmarkOutboundPacedCluster(b *testing.B) {
	const rate = 50
	var m metrics
	defer func() { m.report(b) }()
	for _, run := range []struct {
		name  string
		nodes int
		rate  int
	}{{"paced", 3, rate}} {
		e := newEnv(b, run.nodes, withSetting("MessagesPerSecond", run.rate), withSetting("CreditsGranted", 1_000_000))
		channels := make([]string, run.nodes)
		for i := range channels {
			convID, ch := e.conversation(fmt.Sprintf("55119%08d", 50000000+i), fmt.Sprintf("Cliente %d", i))
			if code := e.attend(0, e.alice.Id, convID); code != http.StatusOK {
				b.Fatalf("attend answered %d", code)
			}
			channels[i] = ch.Id
		}
		e.settled(b)
		// The store's fault hook, failing nothing, counts the calls on the pacing windows' keys.
		var paceCalls atomic.Int64
		e.store.SetKVFault(func(_, key string) bool {
			if strings.HasPrefix(key, "v1/pace/") {
				paceCalls.Add(1)
			}
			return false
		})
		e.graph.Reset()
		for i := 0; i < run.nodes; i++ {
			e.node(i).APICalls().Reset()
		}
		b.ResetTimer()
		var wg sync.WaitGroup
		for n := 0; n < run.nodes; n++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := n; i < b.N; i += run.nodes {
					if _, appErr := e.node(n).CreatePostAs(e.alice.Id, &model.Post{ChannelId: channels[n], Message: "msg " + strconv.Itoa(i)}); appErr != nil {
						b.Error(appErr)
					}
				}
			}()
		}
		wg.Wait()
		harness.Eventually(b, 2*time.Minute, func() bool { return len(e.sentTexts()) >= b.N }, "every message is sent")
		e.waitIdle()
		b.StopTimer()
		sent := e.graph.Sent()
		if len(sent) != b.N {
			b.Fatalf("%s: sent %d of %d", run.name, len(sent), b.N)
		}
		var kv int64
		for i := 0; i < run.nodes; i++ {
			kv += kvCalls(e.node(i).APICalls())
		}
		e.store.SetKVFault(nil)
		m.add(float64(kv)/float64(b.N), "kv-calls/send@"+run.name)
		m.add(float64(paceCalls.Load())/float64(b.N), "pacing-kv-calls/send@"+run.name)
		if os.Getenv("BENCH_VERBOSE") != "" {
			b.Logf("node 0, calls per send: %s", callsByMethod(e.node(0).APICalls(), b.N/run.nodes))
		}
		if run.rate > 0 {
			first, last := sent[0].At, sent[0].At
			for _, s := range sent {
				first, last = minTime(first, s.At), maxTime(last, s.At)
			}
			// n sends take n-1 intervals at the paced rate.
			seen := float64(len(sent)-1) / last.Sub(first).Seconds()
			m.add(seen, "sends/s@3-nodes")
			m.add(rate, "configured/s")
			m.add(seen/rate, "ratio-to-setting")
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
