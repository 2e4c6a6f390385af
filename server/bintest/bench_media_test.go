package bintest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/harness"
)

// procMB reads one of the memory figures (VmRSS, VmHWM) of a process, in MB.
func procMB(b *testing.B, pid int, field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, field+":") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// BenchmarkMediaBurst delivers 8 documents of 50 MB at once (8 customers, 8 webhooks in
// parallel) and reports the plugin process's peak resident memory, next to its resident memory
// before the burst (the same run's baseline). Every document must end up attached to its post.
func BenchmarkMediaBurst(b *testing.B) {
	const docs, size = 8, 50 << 20
	e := newEnv(b, 1, withSetting("GraphAPITimeoutSeconds", 30))
	data := bytes.Repeat([]byte("%PDF-1.7 boleto "), size/16)
	for i := 0; i < docs; i++ {
		e.graph.AddMedia(fmt.Sprintf("9000%d", i), "application/pdf", data)
	}
	pid, err := e.node(0).PID()
	if err != nil {
		b.Fatal(err)
	}
	e.text(maria, "Maria Souza", fakegraph.NewWAMID(), "oi")
	before := procMB(b, pid, "VmRSS")
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		var wg sync.WaitGroup
		wamids := make([]string, docs)
		for i := 0; i < docs; i++ {
			wamids[i] = fmt.Sprintf("wamid.burst.%d.%d", n, i)
			body := e.graph.InboundMessage(fakegraph.Contact{Name: fmt.Sprintf("Cliente %d", i), WaID: fmt.Sprintf("55119%08d", 60000000+i)},
				map[string]any{"id": wamids[i], "from": fmt.Sprintf("55119%08d", 60000000+i), "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
					"type": "document", "document": map[string]any{"id": fmt.Sprintf("9000%d", i), "mime_type": "application/pdf", "filename": fmt.Sprintf("boleto-%d.pdf", i)}})
			wg.Add(1)
			go func() {
				defer wg.Done()
				if rec := e.deliver(0, body); rec.Code != http.StatusOK {
					b.Errorf("document %d answered %d", i, rec.Code)
				}
			}()
		}
		wg.Wait()
		e.waitIdle()
		harness.Eventually(b, 2*time.Minute, func() bool {
			attached := 0
			for _, ch := range e.conversationChannels() {
				for _, p := range e.customerPosts(ch.Id) {
					for _, w := range wamids {
						if p.GetProp("wa_wamid") == w && len(p.FileIds) == 1 {
							attached++
						}
					}
				}
			}
			return attached == docs
		}, "every document is attached to its post")
	}
	b.StopTimer()
	b.ReportMetric(before, "rss-before-MB")
	b.ReportMetric(procMB(b, pid, "VmHWM"), "peak-rss-MB")
	b.ReportMetric(docs*size>>20, "MB-arriving")
}
