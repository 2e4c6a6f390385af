package bintest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// closedBy attends and closes a conversation as userID and answers its ticket.
func (e *env) closedBy(userID, convID string) string {
	e.t.Helper()
	require.Equal(e.t, http.StatusOK, e.attend(0, userID, convID))
	return e.closeTicket(userID, convID)
}

// The panel's ticket lists through the real plugin: each agent sees their chat groups' tickets,
// an admin all of them, newest first and paged; an upgrade from a version without ticket lists
// answers the same before and after its migration, which lists the earlier tickets under the
// ones made since.
func TestTicketListsAreScopedPagedAndBuiltForEarlierTickets(t *testing.T) {
	e := newEnv(t, 1, withSalesGroup())
	e.store.AddToChannel(e.salesQueue().Id, e.carol.Id) // carol is a sales agent only
	convA, _ := e.conversation(maria, "Maria Souza")
	ticketA := e.closedBy(e.alice.Id, convA)
	time.Sleep(5 * time.Millisecond)
	body := e.toSales(e.graph.InboundText("5521998765432", "João Vendas", fakegraph.NewWAMID(), "oi", time.Now()))
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	var convB string
	e.eventually(func() bool {
		code, raw := e.api(0, e.carol.Id, http.MethodGet, "/conversations?state=waiting", nil)
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if code != http.StatusOK || json.Unmarshal(raw, &page) != nil || len(page.Items) != 1 {
			return false
		}
		convB = page.Items[0].ID
		return true
	}, "the sales conversation waits")
	ticketB := e.closedBy(e.carol.Id, convB)
	time.Sleep(5 * time.Millisecond)
	convC, _ := e.conversation("5531912345678", "Carla Dias")
	ticketC := e.closedBy(e.alice.Id, convC)
	code, raw := e.api(0, e.alice.Id, http.MethodPost, "/tickets/"+ticketC+"/save", nil)
	require.Equal(t, http.StatusOK, code, string(raw))

	check := func(stage string) {
		t.Helper()
		for _, c := range []struct {
			user, query string
			want        []string
			total       int
		}{
			{e.alice.Id, "", []string{ticketC, ticketA}, 2},
			{e.carol.Id, "", []string{ticketB}, 1},
			{e.admin.Id, "", []string{ticketC, ticketB, ticketA}, 3},
			{e.admin.Id, "status=draft", []string{ticketB, ticketA}, 2},
			{e.admin.Id, "status=saved", []string{ticketC}, 1},
			{e.alice.Id, "status=draft", []string{ticketA}, 1},
			{e.carol.Id, "status=saved", []string{}, 0},
			{e.admin.Id, "per_page=1&page=1", []string{ticketB}, 3},
			{e.admin.Id, "per_page=2&page=1", []string{ticketA}, 3},
		} {
			ids, total := e.ticketsAs(c.user, c.query)
			assert.Equal(t, c.want, ids, "%s: %q", stage, c.query)
			assert.Equal(t, c.total, total, "%s: %q", stage, c.query)
		}
	}
	ready := func() bool { return strings.Contains(string(e.store.KVValue(pluginID, "v1/tlists")), `"ready":true`) }
	require.True(t, ready(), "a new installation's migration finds nothing to list and is done")
	check("listed as made")

	// What a version without ticket lists left: no places, no lists, no marker.
	for _, k := range e.store.KVKeys(pluginID) {
		switch {
		case strings.HasPrefix(k, "v1/idx/tlist/"), strings.HasPrefix(k, "v1/tseq/"), k == "v1/tlists", k == "v1/migrated/ticket-lists-v1":
			e.store.SetKVValue(pluginID, k, nil, 0)
		case strings.HasPrefix(k, "v1/ticket/"), strings.HasPrefix(k, "v1/tsearch/e/"):
			var rec map[string]any
			require.NoError(t, json.Unmarshal(e.store.KVValue(pluginID, k), &rec))
			delete(rec, "seq")
			delete(rec, "l")
			delete(rec, "lg")
			raw, err := json.Marshal(rec)
			require.NoError(t, err)
			e.store.SetKVValue(pluginID, k, raw, 0)
		}
	}
	check("before the migration: read the old way")

	e.node(0).Deactivate()
	require.NoError(t, e.node(0).Activate())
	e.eventually(ready, "the migration lists the earlier tickets")
	check("after the migration")
	var rec struct {
		Seq int64 `json:"seq"`
	}
	require.NoError(t, json.Unmarshal(e.store.KVValue(pluginID, "v1/ticket/"+ticketA), &rec))
	assert.Equal(t, int64(1), rec.Seq, "the default group's first ticket")

	// A ticket made now is the newest, above the earlier ones.
	time.Sleep(5 * time.Millisecond)
	convD, _ := e.conversation("5541987654321", "Davi Reis")
	ticketD := e.closedBy(e.bob.Id, convD)
	ids, total := e.ticketsAs(e.alice.Id, "")
	assert.Equal(t, []string{ticketD, ticketC, ticketA}, ids)
	assert.Equal(t, 3, total)
	ids, _ = e.ticketsAs(e.admin.Id, "status=draft&per_page=2")
	assert.Equal(t, []string{ticketD, ticketB}, ids)
}
