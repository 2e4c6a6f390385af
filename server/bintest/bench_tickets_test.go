package bintest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// seedTickets writes n tickets of the default chat group straight into the store, a second
// apart, all saved but the newest `drafts`, as an earlier version left them, and lists them as
// the upgrade's migration does.
func (e *env) seedTickets(b *testing.B, n, drafts int) {
	kv := e.seedKV()
	start := time.Now().Add(-time.Duration(n) * time.Second)
	index := map[string][]string{}
	for i := range n {
		at := start.Add(time.Duration(i) * time.Second).UnixMilli()
		t := &helpdesk.Ticket{ID: fmt.Sprintf("seed%05d", i), ConversationID: fmt.Sprintf("seedconv%05d", i),
			Status: helpdesk.TicketSaved, Subject: fmt.Sprintf("Pedido %d", i), CustomerID: fmt.Sprintf("seedperson%05d", i),
			CreatedAt: at, SavedAt: at, Group: helpdesk.DefaultGroupName}
		if i >= n-drafts {
			t.Status, t.SavedAt = helpdesk.TicketDraft, 0
		}
		if err := store.SetJSON(kv, store.TicketKey(t.ID), t); err != nil {
			b.Fatal(err)
		}
		index[t.Status] = append(index[t.Status], t.ID)
	}
	for status, ids := range index {
		if err := store.SetJSON(kv, store.TicketIndexKey(status), ids); err != nil {
			b.Fatal(err)
		}
		if err := store.NewIndex(kv, store.TicketIndexKey(status)).Migrate(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := helpdesk.BackfillTicketLists(&helpdesk.Tickets{KV: kv, Now: time.Now}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTicketList reports the KV calls of the panel's first ticket pages (the Tickets tab:
// every ticket, 20 a page; the Draft tab: drafts, 100 a page) for an agent at 100 tickets, the
// baseline, and at 10,000, with the ratio of the two; one Tickets tab page read the way earlier
// versions read it (every card of the status indexes), for comparison; and a search's first
// page by a word every ticket has ("pedido") and by one only one ticket has (its number), which
// shows what still grows with history.
func BenchmarkTicketList(b *testing.B) {
	var m metrics
	defer func() { m.report(b) }()
	first := map[string]float64{}
	for _, n := range []int{100, 10_000} {
		e := newEnv(b, 1, withSetting("RepairIntervalMillis", int(time.Hour.Milliseconds())))
		e.settled(b)
		e.seedTickets(b, n, 15)
		e.waitIdle()
		for _, tab := range []struct{ name, query string }{{"tickets", "per_page=20"}, {"drafts", "status=draft&per_page=100"}} {
			calls := e.node(0).APICalls()
			calls.Reset()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?"+tab.query, nil); code != http.StatusOK {
					b.Fatalf("tickets answered %d: %s", code, body)
				}
			}
			b.StopTimer()
			perPage := float64(kvCalls(calls)) / float64(b.N)
			m.add(perPage, fmt.Sprintf("kv-calls/%s@%d", tab.name, n))
			if n == 100 {
				first[tab.name] = perPage
			} else {
				m.add(perPage/first[tab.name], fmt.Sprintf("ratio-%s@%d/100", tab.name, n))
			}
		}
		// Search reads the buckets of the query's words, which the seeds have once indexed.
		tickets := &helpdesk.Tickets{KV: e.seedKV(), Now: time.Now}
		for i := range n {
			if err := tickets.Reindex(fmt.Sprintf("seed%05d", i)); err != nil {
				b.Fatal(err)
			}
		}
		for _, search := range []struct{ name, query string }{{"search-common-word", "q=pedido&per_page=20"}, {"search-rare-word", fmt.Sprintf("q=%d&per_page=20", n/2)}} {
			calls := e.node(0).APICalls()
			calls.Reset()
			code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?"+search.query, nil)
			if code != http.StatusOK {
				b.Fatalf("search answered %d: %s", code, body)
			}
			m.add(float64(kvCalls(calls)), fmt.Sprintf("kv-calls/%s@%d", search.name, n))
		}
		// Without the lists' ready mark, queries read as before the upgrade's migration.
		e.store.SetKVValue(pluginID, store.TicketListsKey(), []byte(`{"groups":["default"]}`), 0)
		calls := e.node(0).APICalls()
		calls.Reset()
		if code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?per_page=20", nil); code != http.StatusOK {
			b.Fatalf("tickets answered %d: %s", code, body)
		}
		m.add(float64(kvCalls(calls)), fmt.Sprintf("kv-calls/tickets-unlisted@%d", n))
	}
}
