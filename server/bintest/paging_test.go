package bintest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type page struct {
	Items []map[string]any `json:"items"`
	Total int              `json:"total"`
}

func (e *env) page(userID, path string) (int, page, string) {
	e.t.Helper()
	code, body := e.api(0, userID, http.MethodGet, path, nil)
	var p page
	if code == http.StatusOK {
		require.NoError(e.t, json.Unmarshal(body, &p), string(body))
	}
	return code, p, string(body)
}

func ids(p page) []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it["id"].(string))
	}
	return out
}

// An agent pages through the queue and the closed conversations, and through people found;
// every page is {items, total}, and no list or event carries a transcript.
func TestListsArePagedAndEventsCarrySummaries(t *testing.T) {
	e := newEnv(t, 1)
	var convs []string
	for i := 0; i < 5; i++ {
		id, _ := e.conversation(fmt.Sprintf("55119%08d", 40000000+i), fmt.Sprintf("Cliente Silva %d", i))
		convs = append(convs, id)
	}

	code, first, body := e.page(e.alice.Id, "/conversations?state=waiting&per_page=2")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, 5, first.Total)
	assert.Equal(t, convs[:2], ids(first), "the longest waiting first")
	_, last, _ := e.page(e.alice.Id, "/conversations?state=waiting&per_page=2&page=2")
	assert.Equal(t, convs[4:], ids(last))
	_, beyond, _ := e.page(e.alice.Id, "/conversations?state=waiting&per_page=2&page=9")
	assert.Empty(t, beyond.Items)
	assert.Equal(t, 5, beyond.Total)

	for _, bad := range []string{"per_page=101", "per_page=0", "page=-1", "page=x"} {
		code, _, body := e.page(e.alice.Id, "/conversations?state=waiting&"+bad)
		assert.Equal(t, http.StatusBadRequest, code, bad)
		assert.Contains(t, body, "page", bad)
	}
	code, _, body = e.page(e.alice.Id, "/conversations?state=bogus")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, body, "waiting, active or closed")

	// Closed conversations: the most recently closed first, no transcript.
	for _, id := range convs[:3] {
		require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, id))
		e.closeConversation(id)
	}
	e.waitIdle()
	code, closed, body := e.page(e.alice.Id, "/conversations?state=closed&per_page=2")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, 3, closed.Total)
	assert.Equal(t, []string{convs[2], convs[1]}, ids(closed))
	assert.NotContains(t, body, "transcript")

	// People: a page of the matches, ordered by name, and how many match.
	code, people, body := e.page(e.alice.Id, "/people?q=silva&per_page=2&page=1")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, 5, people.Total)
	require.Len(t, people.Items, 2)
	assert.Equal(t, "Cliente Silva 2", people.Items[0]["name"])
	_, byPhone, _ := e.page(e.alice.Id, "/people?q="+url.QueryEscape("+55 11 94000-0003"))
	require.Len(t, byPhone.Items, 1)
	assert.Equal(t, "Cliente Silva 3", byPhone.Items[0]["name"])
	code, _, _ = e.page(e.alice.Id, "/people?q=silva&per_page=500")
	assert.Equal(t, http.StatusBadRequest, code)

	// The ticket events of the closes are summaries: no transcript travels on the websocket.
	tickets := 0
	for _, ev := range e.store.WebSocketEvents() {
		if ev.Event != "ticket_updated" {
			continue
		}
		tickets++
		raw := ev.Payload["ticket"].(string)
		assert.False(t, strings.Contains(raw, "transcript"), raw)
		assert.Contains(t, raw, `"conversation_id"`)
	}
	assert.GreaterOrEqual(t, tickets, 3)
}
