// Package metrics counts what happens to messages, per node in memory, and merges the nodes'
// counts through the KV store so /whatsapp stats shows the whole cluster.
package metrics

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

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

// Counters holds this node's counts since it started and publishes them for the others.
type Counters struct {
	mu     sync.Mutex
	counts map[string]int64
	KV     store.KV
	Node   string
}

// New returns empty counters for node.
func New(kv store.KV, node string) *Counters {
	return &Counters{counts: map[string]int64{}, KV: kv, Node: node}
}

// Inc adds one to name (with an optional reason).
func (c *Counters) Inc(name string, reason ...string) {
	if c == nil {
		return
	}
	key := name
	if len(reason) > 0 && reason[0] != "" {
		key += ":" + reason[0]
	}
	c.mu.Lock()
	c.counts[key]++
	c.mu.Unlock()
}

func (c *Counters) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
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
