package bintest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// pagedItems reads the items of a paged list answer.
func pagedItems(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var out struct {
		Items []map[string]any `json:"items"`
		Total *int             `json:"total"`
	}
	require.NoError(t, json.Unmarshal(body, &out), string(body))
	require.NotNil(t, out.Total, "a paged answer has a total: %s", body)
	return out.Items
}

// tickets searches tickets as alice and answers the ids found (newest first) and the total.
func (e *env) tickets(query string) ([]string, int) {
	e.t.Helper()
	return e.ticketsAs(e.alice.Id, query)
}

// ticketsAs answers GET tickets?query as userID: the ids in order and the total.
func (e *env) ticketsAs(userID, query string) ([]string, int) {
	e.t.Helper()
	code, body := e.api(0, userID, http.MethodGet, "/tickets?"+query, nil)
	require.Equal(e.t, http.StatusOK, code, string(body))
	var out struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	require.NoError(e.t, json.Unmarshal(body, &out))
	ids := []string{}
	for _, it := range out.Items {
		assert.NotContains(e.t, it, "transcript", "search answers carry no transcripts")
		ids = append(ids, it["id"].(string))
	}
	return ids, out.Total
}

// ticketOf closes a conversation as alice and answers its ticket's id.
func (e *env) ticketOf(convID string) string {
	e.t.Helper()
	id := e.closeTicket(e.alice.Id, convID)
	require.NotEmpty(e.t, id)
	return id
}

func (e *env) ticket(id string) map[string]any {
	e.t.Helper()
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets/"+id, nil)
	require.Equal(e.t, http.StatusOK, code, string(body))
	var out map[string]any
	require.NoError(e.t, json.Unmarshal(body, &out))
	return out
}

func TestTagsSurviveCloseAndTicketsAreSearchedPagedAndExported(t *testing.T) {
	e := newEnv(t, 1)
	const joana = "5521998765432"
	convID, ch := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.text(maria, "Maria Souza", fakegraph.NewWAMID(), "Meu pedido chegou quebrado")
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Vamos trocar o produto"})

	// Tags from the channel: folded to lower case; bad ones refused clearly, nothing changed.
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp tag Entrega urgente"), "`entrega` `urgente`")
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp tag "+strings.Repeat("x", 33)), "longer than 32 characters")
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp tag a b c d e f g h i"), "At most 10 tags")
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp tag"), "Usage")
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp untag urgente"), "`entrega`")
	assert.Contains(t, e.command(e.bob.Id, ch.Id, "/whatsapp tag bob"), "alice", "only who handles the conversation tags it")
	queueReply := e.command(e.alice.Id, e.queue.Id, "/whatsapp tag entrega")
	assert.NotContains(t, queueReply, "`entrega`", "outside a conversation channel nothing is tagged")

	// The panel's editor replaces them (PATCH conversations/{id}), for who handles it only.
	code, body := e.api(0, e.bob.Id, http.MethodPatch, "/conversations/"+convID, map[string]any{"tags": []string{"bob"}})
	assert.Equal(t, http.StatusForbidden, code, string(body))
	code, body = e.api(0, e.alice.Id, http.MethodPatch, "/conversations/"+convID, map[string]any{"tags": []string{"two words"}})
	assert.Equal(t, http.StatusBadRequest, code, string(body))
	code, body = e.api(0, e.alice.Id, http.MethodPatch, "/conversations/"+convID, map[string]any{"tags": []string{"entrega", "Troca"}})
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Contains(t, string(body), `"tags":["entrega","troca"]`)

	// Tags survive close: the ticket carries the conversation's tags.
	mariaTicket := e.ticketOf(convID)
	assert.Equal(t, []any{"entrega", "troca"}, e.ticket(mariaTicket)["tags"])
	assert.Contains(t, e.command(e.alice.Id, ch.Id, "/whatsapp tag late"), "closed", "a closed conversation's tags are its ticket's")

	// A second customer's ticket, a moment later.
	time.Sleep(5 * time.Millisecond)
	conv2, _ := e.conversation(joana, "Joana Prado")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, conv2))
	joanaTicket := e.ticketOf(conv2)

	// Search: a transcript word, a tag, the customer's name and phone, and everything paged.
	ids, total := e.tickets("q=quebrado")
	assert.Equal(t, []string{mariaTicket}, ids)
	assert.Equal(t, 1, total)
	ids, _ = e.tickets("q=QUEBRADO+pedido")
	assert.Equal(t, []string{mariaTicket}, ids, "every word must match, accents and case folded")
	ids, _ = e.tickets("q=quebrado+joana")
	assert.Empty(t, ids)
	ids, _ = e.tickets("tag=entrega")
	assert.Equal(t, []string{mariaTicket}, ids)
	ids, _ = e.tickets("q=joana")
	assert.Equal(t, []string{joanaTicket}, ids)
	ids, _ = e.tickets("q=%2B55+21+99876-5432")
	assert.Equal(t, []string{joanaTicket}, ids, "a phone as people write it")
	ids, _ = e.tickets("q=99876-5432")
	assert.Equal(t, []string{joanaTicket}, ids, "a phone without country and area code")
	ids, total = e.tickets("q=ajuda&per_page=1")
	assert.Equal(t, []string{joanaTicket}, ids, "newest first")
	assert.Equal(t, 2, total)
	ids, total = e.tickets("q=ajuda&per_page=1&page=1")
	assert.Equal(t, []string{mariaTicket}, ids)
	assert.Equal(t, 2, total)
	ids, total = e.tickets("status=draft")
	assert.Len(t, ids, 2)
	assert.Equal(t, 2, total)
	ids, _ = e.tickets("status=saved")
	assert.Empty(t, ids)
	ids, _ = e.tickets("from=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	assert.Empty(t, ids, "nothing was created in the future")
	ids, _ = e.tickets("from=" + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339) + "&to=" + strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
	assert.Len(t, ids, 2)
	for _, bad := range []string{"per_page=101", "from=yesterday", "status=open", "tag=" + strings.Repeat("y", 33)} {
		code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?"+bad, nil)
		assert.Equal(t, http.StatusBadRequest, code, bad)
		assert.Contains(t, string(body), `"error"`, bad)
	}

	// Tags on PATCH tickets/{id}: validated, replaced, and search follows.
	for _, bad := range []any{[]string{strings.Repeat("z", 33)}, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, []string{"two words"}} {
		code, body := e.api(0, e.alice.Id, http.MethodPatch, "/tickets/"+joanaTicket, map[string]any{"tags": bad})
		assert.Equal(t, http.StatusBadRequest, code, string(body))
		assert.Contains(t, string(body), `"error"`)
	}
	code, body = e.api(0, e.alice.Id, http.MethodPatch, "/tickets/"+joanaTicket, map[string]any{"tags": []string{"VIP", "entrega"}})
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Contains(t, string(body), `"tags":["vip","entrega"]`)
	ids, total = e.tickets("tag=entrega")
	assert.ElementsMatch(t, []string{mariaTicket, joanaTicket}, ids)
	assert.Equal(t, 2, total)
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/tickets/"+joanaTicket+"/save", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	code, body = e.api(0, e.alice.Id, http.MethodPatch, "/tickets/"+joanaTicket, map[string]any{"tags": []string{"vip"}})
	require.Equal(t, http.StatusOK, code, "a saved ticket's tags can still change: %s", body)
	ids, _ = e.tickets("tag=entrega")
	assert.Equal(t, []string{mariaTicket}, ids, "an untagged ticket leaves the tag's bucket")
	ids, _ = e.tickets("tag=vip&status=saved")
	assert.Equal(t, []string{joanaTicket}, ids)

	// Without words: the saved ticket left the drafts' list for the saved one, and every ticket
	// pages newest first.
	ids, total = e.tickets("status=saved")
	assert.Equal(t, []string{joanaTicket}, ids)
	assert.Equal(t, 1, total)
	ids, total = e.tickets("status=draft")
	assert.Equal(t, []string{mariaTicket}, ids)
	assert.Equal(t, 1, total)
	ids, total = e.tickets("per_page=1")
	assert.Equal(t, []string{joanaTicket}, ids)
	assert.Equal(t, 2, total)
	ids, total = e.tickets("per_page=1&page=1")
	assert.Equal(t, []string{mariaTicket}, ids)
	assert.Equal(t, 2, total)
	ids, _ = e.tickets("per_page=1&page=2")
	assert.Empty(t, ids)

	// CSV export with the same filters: BOM, the header, one row per ticket.
	rec := e.node(0).ServeHTTP(httptest.NewRequest(http.MethodGet, "/plugins/"+pluginID+"/api/v1/tickets/export.csv", nil), e.alice.Id)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "text/csv; charset=utf-8", rec.Header().Get("Content-Type"))
	raw := rec.Body.String()
	require.True(t, strings.HasPrefix(raw, "\uFEFF"), "UTF-8 with a byte order mark")
	lines := strings.Split(strings.TrimRight(strings.TrimPrefix(raw, "\uFEFF"), "\n"), "\n")
	require.Len(t, lines, 3, raw)
	assert.Equal(t, "id,status,subject,customer,phone,agent,tags,created_at,closed_at,saved_at,wait_seconds,first_response_seconds,handle_seconds,csat", lines[0])
	assert.True(t, strings.HasPrefix(lines[1], joanaTicket+",saved,Joana Prado,Joana Prado,5521998765432,"), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], mariaTicket+",draft,Maria Souza,Maria Souza,5511987654321,"), lines[2])
	cells := strings.Split(lines[2], ",")
	require.Len(t, cells, 14)
	assert.Equal(t, "entrega troca", cells[6])
	assert.NotEmpty(t, cells[7], "created_at")
	assert.NotEmpty(t, cells[8], "closed_at")
	assert.Empty(t, cells[9], "a draft is not saved")
	assert.NotEmpty(t, cells[10], "wait_seconds")
	assert.NotEmpty(t, cells[11], "first_response_seconds: alice wrote")
	assert.NotEmpty(t, cells[12], "handle_seconds")
	rec = e.node(0).ServeHTTP(httptest.NewRequest(http.MethodGet, "/plugins/"+pluginID+"/api/v1/tickets/export.csv?q=quebrado", nil), e.alice.Id)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Len(t, strings.Split(strings.TrimRight(rec.Body.String(), "\n"), "\n"), 2, "the filters apply")
}

func TestPeopleAreEditedAndMergedAndTheNextMessageFindsTheSurvivor(t *testing.T) {
	e := newEnv(t, 2)
	const joana = "5521998765432"
	conv1, _ := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, conv1))
	ticket1 := e.ticketOf(conv1)
	conv2, _ := e.conversation(joana, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, conv2))
	ticket2 := e.ticketOf(conv2)
	from := e.ticket(ticket1)["customer"].(map[string]any)["id"].(string)
	into := e.ticket(ticket2)["customer"].(map[string]any)["id"].(string)
	require.NotEqual(t, from, into)

	// PATCH validates: name, email, phone; a phone of someone else is a 409 naming them.
	patch := func(id string, body map[string]any) (int, map[string]any) {
		code, raw := e.api(0, e.alice.Id, http.MethodPatch, "/people/"+id, body)
		var out map[string]any
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
		return code, out
	}
	for _, bad := range []map[string]any{{"name": " "}, {"email": "not an email"}, {"phone": "12"}, {"name": strings.Repeat("n", 65)}} {
		code, out := patch(from, bad)
		assert.Equal(t, http.StatusBadRequest, code, "%v", bad)
		assert.NotEmpty(t, out["error"])
	}
	code, out := patch(from, map[string]any{"phone": "+55 21 99876-5432"})
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, into, out["person_id"])
	code, out = patch(from, map[string]any{"name": "Maria Lima", "email": "maria@example.com", "organization": "Loja Azul", "notes": "Prefere WhatsApp"})
	require.Equal(t, http.StatusOK, code, "%v", out)
	assert.Equal(t, "Maria Lima", out["name"])
	assert.Equal(t, "Loja Azul", out["organization"])
	assert.Equal(t, "Prefere WhatsApp", out["notes"])
	assert.Equal(t, "5511987654321", out["phone"], "the phone stays")

	// Agents edited her: a new person with her phone is refused, offering her instead.
	code, raw := e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": "Outra Maria", "phone": "+55 11 98765-4321"})
	assert.Equal(t, http.StatusConflict, code, string(raw))
	assert.Contains(t, string(raw), `"person_id":"`+from+`"`)

	// The same on a ticket's new customer: 409 naming her, so the panel offers her instead.
	code, raw = e.api(0, e.alice.Id, http.MethodPatch, "/tickets/"+ticket1, map[string]any{
		"new_customer": map[string]string{"name": "Outra Maria", "phone": "5511987654321"}})
	assert.Equal(t, http.StatusConflict, code, string(raw))
	assert.Contains(t, string(raw), `"person_id":"`+from+`"`)

	// Merge refusals, then the merge.
	for _, body := range []map[string]string{{"into": from}, {"into": "nobody"}, {}} {
		code, raw = e.api(0, e.alice.Id, http.MethodPost, "/people/"+from+"/merge", body)
		assert.Equal(t, http.StatusBadRequest, code, string(raw))
		assert.Contains(t, string(raw), `"error"`)
	}
	code, raw = e.api(0, e.alice.Id, http.MethodPost, "/people/"+from+"/merge", map[string]string{"into": into})
	require.Equal(t, http.StatusOK, code, string(raw))

	// The merged id answers 404, everywhere; a second merge too.
	code, _ = e.api(1, e.alice.Id, http.MethodPatch, "/people/"+from, map[string]any{"notes": "x"})
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = e.api(1, e.alice.Id, http.MethodPost, "/people/"+from+"/merge", map[string]string{"into": into})
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = e.api(1, e.alice.Id, http.MethodGet, "/people/"+from, nil)
	assert.Equal(t, http.StatusNotFound, code, "GET people/{id} of the merged id")
	code, raw = e.api(1, e.alice.Id, http.MethodGet, "/people/"+into, nil)
	require.Equal(t, http.StatusOK, code, string(raw))
	var history struct {
		Conversations []map[string]any `json:"conversations"`
		Tickets       []map[string]any `json:"tickets"`
	}
	require.NoError(t, json.Unmarshal(raw, &history))
	assert.Len(t, history.Conversations, 2, "the survivor's history holds both conversations")
	assert.Len(t, history.Tickets, 2)

	// Everything moved: both tickets belong to the survivor, search knows one person.
	ids, total := e.tickets("customer_id=" + into)
	assert.ElementsMatch(t, []string{ticket1, ticket2}, ids)
	assert.Equal(t, 2, total)
	ids, _ = e.tickets("customer_id=" + from)
	assert.Empty(t, ids)
	assert.Equal(t, into, e.ticket(ticket1)["customer"].(map[string]any)["id"])
	found := e.people(e.alice.Id, "Maria")
	require.Len(t, found, 1)
	assert.Equal(t, into, found[0]["id"])
	assert.Empty(t, e.people(e.alice.Id, "98765-4321"), "search follows the record: the survivor keeps its own phone")

	// The next message from the merged person's phone, on the other node, maps to the survivor.
	e.waitIdle()
	wamid := fakegraph.NewWAMID()
	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria", wamid, "voltei", time.Now())).Code)
	post := e.postOfWAMID(wamid)
	require.NotNil(t, post)
	assert.Equal(t, into, e.personOfChannel(post.ChannelId))
}

func TestAMergeHappensOnceAcrossNodes(t *testing.T) {
	e := newEnv(t, 2)
	person := func(name, phone string) string {
		code, body := e.api(0, e.alice.Id, http.MethodPost, "/people", map[string]string{"name": name, "phone": phone})
		require.Equal(t, http.StatusCreated, code, string(body))
		var p map[string]any
		require.NoError(t, json.Unmarshal(body, &p))
		return p["id"].(string)
	}
	e.conversation(maria, "Maria") // gives alice's group a customer, and alice the agent role
	a, b, c := person("Ana A", "+55 31 97777-0001"), person("Ana B", "+55 31 97777-0002"), person("Ana C", "+55 31 97777-0003")

	// A->B on one node and A->C on the other, at once: exactly one wins.
	codes := make(chan int, 2)
	for i, into := range []string{b, c} {
		go func() {
			code, _ := e.api(i, e.alice.Id, http.MethodPost, "/people/"+a+"/merge", map[string]string{"into": into})
			codes <- code
		}()
	}
	got := []int{<-codes, <-codes}
	slices.Sort(got)
	assert.Equal(t, http.StatusOK, got[0], "one merge happens: %v", got)
	assert.Contains(t, []int{http.StatusNotFound, http.StatusConflict}, got[1], "the other is refused (or finds the person gone): %v", got)
	code, _ := e.api(0, e.alice.Id, http.MethodPatch, "/people/"+a, map[string]any{"notes": "x"})
	assert.Equal(t, http.StatusNotFound, code)
	var ids []string
	for _, p := range e.people(e.alice.Id, "Ana") {
		ids = append(ids, p["id"].(string))
	}
	assert.ElementsMatch(t, []string{b, c}, ids, "both targets remain, the merged person is gone from search")

	// B->C and C->B at once never both happen.
	for i, pair := range [][2]string{{b, c}, {c, b}} {
		go func() {
			code, _ := e.api(i, e.alice.Id, http.MethodPost, "/people/"+pair[0]+"/merge", map[string]string{"into": pair[1]})
			codes <- code
		}()
	}
	got = []int{<-codes, <-codes}
	assert.NotEqual(t, []int{http.StatusOK, http.StatusOK}, got, "two people never merge into each other")
	for _, code := range got {
		assert.Contains(t, []int{http.StatusOK, http.StatusNotFound, http.StatusConflict}, code)
	}
	left := e.people(e.alice.Id, "Ana")
	assert.NotEmpty(t, left, "someone is left")
}
