// Package metrics counts what happens to messages, per node in memory, and merges the nodes'
// counts through the KV store so /whatsapp stats shows the whole cluster.
package metrics

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Counter names. Reasons and Graph codes are appended after a colon, e.g. "rejected:signature".
const (
	Received   = "webhook_messages_received"
	Duplicate  = "webhook_messages_duplicate"
	Rejected   = "webhook_rejected"
	Statuses   = "webhook_statuses"
	MediaRetry = "inbound_media_pending"
	Sent       = "outbound_sent"
	SendFailed = "outbound_failed"
	Credits    = "credits_debited"
)

// Counters holds this node's counts since it started and publishes them for the others. The
// Prometheus counters are the only tally: /whatsapp stats and the metrics endpoint read the same
// numbers.
type Counters struct {
	mu   sync.Mutex
	prom *registry
	KV   store.KV
	Node string
}

// New returns empty counters for node, running the given plugin version.
func New(kv store.KV, node, version string) *Counters {
	return &Counters{prom: newRegistry(version), KV: kv, Node: node}
}

// Inc adds one to name (with an optional reason).
func (c *Counters) Inc(name string, reason ...string) {
	if c == nil {
		return
	}
	label := ""
	if len(reason) > 0 {
		label = reason[0]
	}
	c.mu.Lock()
	v := c.prom.counter(name)
	c.mu.Unlock()
	v.WithLabelValues(label).Inc()
}

// snapshot reads this node's counters back from Prometheus as "name" or "name:reason" keys.
func (c *Counters) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int64{}
	for name, vec := range c.prom.counters {
		ch := make(chan prometheus.Metric, 64)
		go func() { vec.Collect(ch); close(ch) }()
		for m := range ch {
			var pb dto.Metric
			if err := m.Write(&pb); err != nil {
				continue
			}
			key := name
			for _, l := range pb.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() != "" {
					key += ":" + l.GetValue()
				}
			}
			out[key] = int64(pb.GetCounter().GetValue())
		}
	}
	return out
}

type nodeCounts struct {
	At     int64            `json:"at"`
	Counts map[string]int64 `json:"counts"`
}

// Flush publishes this node's counts (one KV write, done periodically, not per message).
func (c *Counters) Flush() error {
	if err := store.SetJSON(c.KV, store.NodeStatsKey(c.Node), nodeCounts{At: time.Now().UnixMilli(), Counts: c.snapshot()}); err != nil {
		return err
	}
	return store.NewIndex(c.KV, store.NodeStatsIndexKey()).Add(c.Node)
}

// Cluster adds up the counts every node published, with this node's live counts.
func (c *Counters) Cluster() (map[string]int64, error) {
	total := c.snapshot()
	nodes, err := store.NewIndex(c.KV, store.NodeStatsIndexKey()).List()
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if n == c.Node {
			continue
		}
		var nc nodeCounts
		if _, err := store.GetJSON(c.KV, store.NodeStatsKey(n), &nc); err != nil {
			return nil, err
		}
		for k, v := range nc.Counts {
			total[k] += v
		}
	}
	return total, nil
}

// Text renders the cluster's counters as a Markdown table.
func (c *Counters) Text() string {
	total, err := c.Cluster()
	if err != nil {
		return "stats unavailable: " + err.Error()
	}
	keys := make([]string, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("| counter | value |\n|---|---|\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %d |\n", k, total[k])
	}
	if len(keys) == 0 {
		b.WriteString("| (nothing yet) | 0 |\n")
	}
	return b.String()
}
