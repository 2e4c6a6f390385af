package bintest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/mmfake"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// seedKV writes straight into the installation's shared store, bypassing the plugin: large
// states are seeded in milliseconds instead of through thousands of webhooks.
func (e *env) seedKV() store.KV { return &pluginapi.NewClient(e.node(0).API(), nil).KV }

// kvCalls counts the KV calls among counted plugin-API calls.
func kvCalls(c *mmfake.Counting) int64 {
	var n int64
	for m, v := range c.Calls() {
		if strings.HasPrefix(m, "KV") {
			n += v
		}
	}
	return n
}

// seedQueue adds waiting conversations, and active ones spread over agents (each agent's load
// kept as the plugin keeps it).
func (e *env) seedQueue(b *testing.B, waiting int, active map[string]int) {
	kv := e.seedKV()
	at := time.Now().Add(-time.Hour).UnixMilli()
	add := func(state, agent string) string {
		at++
		c := helpdesk.Conversation{
			ID: model.NewId(), Group: helpdesk.DefaultGroupName, PersonID: model.NewId(), CustomerName: "Cliente",
			State: state, AgentID: agent, CreatedAt: at,
		}
		if err := store.SetJSON(kv, store.ConversationKey(c.ID), c); err != nil {
			b.Fatal(err)
		}
		if err := store.NewIndex(kv, store.ConversationIndexKey(state)).Add(c.ID); err != nil {
			b.Fatal(err)
		}
		return c.ID
	}
	for i := 0; i < waiting; i++ {
		add(helpdesk.StateWaiting, "")
	}
	for agent, n := range active {
		var ids []string
		for i := 0; i < n; i++ {
			ids = append(ids, add(helpdesk.StateActive, agent))
		}
		if err := store.SetJSON(kv, store.AgentLoadKey(agent), ids); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewConversation reports the KV calls of a known customer's message that starts a new
// conversation, with automatic distribution on, 200 active conversations (both agents at their
// limit) and 10, then 1,000 waiting: the figure at 10 is the baseline of the same run.
func BenchmarkNewConversation(b *testing.B) {
	for _, waiting := range []int{10, 1000} {
		e := newEnv(b, 1, withSetting("AutoDistribution", true), withSetting("MaxConversationsPerAgent", 100),
			withSetting("RepairIntervalMillis", int(time.Hour.Milliseconds())))
		phones := make([]string, b.N)
		for i := range phones {
			phones[i] = fmt.Sprintf("55119%08d", 20000000+i)
			convID, _ := e.conversation(phones[i], fmt.Sprintf("Cliente %d", i))
			if code, body := e.api(0, e.admin.Id, http.MethodPost, "/conversations/"+convID+"/close", nil); code != http.StatusOK {
				b.Fatalf("close answered %d: %s", code, body)
			}
		}
		e.waitIdle()
		e.seedQueue(b, waiting, map[string]int{e.alice.Id: 100, e.bob.Id: 100})

		calls := e.node(0).APICalls()
		calls.Reset()
		b.ResetTimer()
		for i, phone := range phones {
			e.text(phone, fmt.Sprintf("Cliente %d", i), "wamid.again."+phone, "voltei")
			e.waitIdle()
		}
		b.StopTimer()
		b.ReportMetric(float64(kvCalls(calls))/float64(b.N), fmt.Sprintf("kv-calls/conv@%d-waiting", waiting))
		if count, err := store.NewIndex(e.seedKV(), store.ConversationIndexKey(helpdesk.StateWaiting)).Count(); err != nil || count != waiting+b.N {
			b.Fatalf("%d waiting, want %d (%v): nobody had room", count, waiting+b.N, err)
		}
	}
}
