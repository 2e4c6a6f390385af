package bintest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/harness"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/mmfake"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// seedKV writes straight into the installation's shared store, bypassing the plugin: large
// states are seeded in milliseconds instead of through thousands of webhooks.
func (e *env) seedKV() store.KV { return &pluginapi.NewClient(e.node(0).API(), nil).KV }

// settled waits for the activation's one-time migrations, so their KV calls stay out of a
// measurement.
func (e *env) settled(b *testing.B) {
	kv := e.seedKV()
	harness.Eventually(b, time.Minute, func() bool {
		var done bool
		_, err := store.GetJSON(kv, store.MigrationKey("agent-loads-v1"), &done)
		return err == nil && done
	}, "the activation's migrations are done")
	e.waitIdle()
}

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
	// Active ones first, with their loads: a distribution run meanwhile must find nobody free.
	for agent, n := range active {
		var ids []string
		for i := 0; i < n; i++ {
			ids = append(ids, add(helpdesk.StateActive, agent))
		}
		if err := store.SetJSON(kv, store.AgentLoadKey(agent), ids); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < waiting; i++ {
		add(helpdesk.StateWaiting, "")
	}
}

// metrics collects a benchmark's figures over its sizes; ResetTimer drops reported ones, so
// they are reported together at the end.
type metrics []struct {
	v    float64
	unit string
}

func (m *metrics) add(v float64, unit string) {
	*m = append(*m, struct {
		v    float64
		unit string
	}{v, unit})
}

func (m metrics) report(b *testing.B) {
	for _, x := range m {
		b.ReportMetric(x.v, x.unit)
	}
}

// callsByMethod renders the calls per operation of each method, for BENCH_VERBOSE.
func callsByMethod(c *mmfake.Counting, n int) string {
	var parts []string
	all := c.Calls()
	for _, m := range c.Methods() {
		parts = append(parts, fmt.Sprintf("%s=%.1f", m, float64(all[m])/float64(n)))
	}
	return strings.Join(parts, " ")
}

// BenchmarkNewConversation reports the KV calls of a known customer's message that starts a new
// conversation, with automatic distribution on, 200 active conversations (both agents at their
// limit) and 10, then 1,000 waiting: the figure at 10 is the baseline of the same run.
func BenchmarkNewConversation(b *testing.B) {
	var m metrics
	defer func() { m.report(b) }()
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
		e.settled(b)
		e.seedQueue(b, waiting, map[string]int{e.alice.Id: 100, e.bob.Id: 100})

		calls := e.node(0).APICalls()
		calls.Reset()
		b.ResetTimer()
		for i, phone := range phones {
			e.text(phone, fmt.Sprintf("Cliente %d", i), "wamid.again."+phone, "voltei")
			e.waitIdle()
		}
		b.StopTimer()
		m.add(float64(kvCalls(calls))/float64(b.N), fmt.Sprintf("kv-calls/conv@%d-waiting", waiting))
		if os.Getenv("BENCH_VERBOSE") != "" {
			b.Logf("%d waiting, calls per conversation: %s", waiting, callsByMethod(calls, b.N))
		}
		if count, err := store.NewIndex(e.seedKV(), store.ConversationIndexKey(helpdesk.StateWaiting)).Count(); err != nil || count != waiting+b.N {
			b.Fatalf("%d waiting, want %d (%v): nobody had room", count, waiting+b.N, err)
		}
	}
}

// seedPeople writes n people of the default chat group straight into the store and indexes them
// for search as the upgrade backfill does.
func (e *env) seedPeople(b *testing.B, n int) {
	first := []string{"Maria", "José", "Ana", "João", "Antônia", "Francisco", "Carla", "Paulo", "Lucas", "Juliana",
		"Marcos", "Patrícia", "Pedro", "Aline", "Rafael", "Camila", "Bruno", "Larissa", "Diego", "Fernanda"}
	last := []string{"Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
		"Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa"}
	kv := e.seedKV()
	people := &helpdesk.People{KV: kv, Now: time.Now}
	var batch []*helpdesk.Person
	for i := 0; i < n; i++ {
		p := &helpdesk.Person{
			ID: model.NewId(), Name: first[i%len(first)] + " " + last[(i/len(first))%len(last)] + fmt.Sprintf(" %d", i),
			Phone: fmt.Sprintf("55%02d9%08d", 11+i%80, 30000000+i*7), Groups: []string{helpdesk.DefaultGroupName},
		}
		if err := store.SetJSON(kv, store.PersonKey(p.ID), p); err != nil {
			b.Fatal(err)
		}
		if batch = append(batch, p); len(batch) == 1000 || i == n-1 {
			if err := people.IndexAll(batch); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
}

// BenchmarkPeopleSearch reports the KV calls of an agent's people search (a first name, a
// surname, the digits of a phone, a whole number) at 100 people, the baseline, and at 10,000.
func BenchmarkPeopleSearch(b *testing.B) {
	queries := []string{"maria", "silva", "0000", "+55 12 93000-0007", "ana souza"}
	var m metrics
	defer func() { m.report(b) }()
	for _, n := range []int{100, 10000} {
		e := newEnv(b, 1, withSetting("RepairIntervalMillis", int(time.Hour.Milliseconds())))
		e.settled(b)
		e.seedPeople(b, n)
		e.waitIdle()
		calls := e.node(0).APICalls()
		calls.Reset()
		found := 0
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			code, body := e.api(0, e.alice.Id, http.MethodGet, "/people?per_page=20&q="+url.QueryEscape(queries[i%len(queries)]), nil)
			if code != http.StatusOK {
				b.Fatalf("search answered %d: %s", code, body)
			}
			var page struct {
				Total int `json:"total"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				b.Fatal(err)
			}
			found += page.Total
		}
		elapsed := time.Since(start)
		b.StopTimer()
		if found == 0 {
			b.Fatal("no search found anyone")
		}
		m.add(float64(kvCalls(calls))/float64(b.N), fmt.Sprintf("kv-calls/search@%d", n))
		m.add(float64(elapsed.Microseconds())/1000/float64(b.N), fmt.Sprintf("ms/search@%d", n))
	}
}
