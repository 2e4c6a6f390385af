package bintest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// mariaTraces are the forms in which Maria's name or phone could linger.
var mariaTraces = []string{"Maria Souza", "5511987654321", "551187654321", "98765-4321", "NF-000123"}

// customerHistory gives Maria a closed, saved conversation (texts both ways, her document, an
// agent's file) and a second, open one; it returns her person id and both channels.
func (e *env) customerHistory() (string, *model.Channel, *model.Channel) {
	e.t.Helper()
	pdf := []byte("%PDF-1.4 nota fiscal de Maria Souza")
	e.graph.AddMedia("1870770316696531", "application/pdf", pdf)
	convID, ch := e.conversation(maria, "Maria Souza")
	personID := e.personOfChannel(ch.Id)
	require.Equal(e.t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	doc := e.inbound("wamid.lgpd-doc", map[string]any{"type": "document", "timestamp": "", "document": map[string]any{
		"id": "1870770316696531", "mime_type": "application/pdf", "filename": "NF-000123-setembro.pdf",
		"sha256": fakegraph.MediaSHA256Base64(pdf)}})
	require.NotNil(e.t, doc)
	file := e.store.AddFile([]byte("%PDF-1.4 orçamento"), ch.Id, e.alice.Id, "orcamento-maria.pdf")
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "Seu pedido 4821 saiu para entrega, Maria Souza", FileIds: []string{file.Id}})
	e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "// nota interna sobre Maria Souza"})
	e.closeConversation(convID)
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=draft", nil)
	require.Equal(e.t, http.StatusOK, code)
	ticketID := ticketIDs(e.t.(*testing.T), body)[0]
	code, body = e.api(0, e.alice.Id, http.MethodPost, "/tickets/"+ticketID+"/save", nil)
	require.Equal(e.t, http.StatusOK, code, string(body))

	wamid := fakegraph.NewWAMID()
	e.text(maria, "Maria Souza", wamid, "Oi de novo, aqui é Maria Souza")
	open := e.postOfWAMID(wamid)
	require.NotNil(e.t, open)
	other, appErr := e.node(0).API().GetChannel(open.ChannelId)
	require.Nil(e.t, appErr)
	return personID, ch, other
}

func TestExportHoldsEverythingAboutAPerson(t *testing.T) {
	e := newEnv(t, 1)
	personID, _, _ := e.customerHistory()

	code, body := e.api(0, e.admin.Id, http.MethodGet, "/people/"+personID+"/export", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	var export struct {
		Person struct {
			ID, Name, Phone string
		} `json:"person"`
		Conversations []struct {
			ID       string `json:"id"`
			State    string `json:"state"`
			Messages []struct {
				Author, Direction, Text, Status string
				At                              int64
				Files                           []string
				Deliveries                      map[string]any
			} `json:"messages"`
		} `json:"conversations"`
		Tickets []struct {
			Status     string
			Transcript []any
		} `json:"tickets"`
	}
	require.NoError(t, json.Unmarshal(body, &export))
	assert.Equal(t, personID, export.Person.ID)
	assert.Equal(t, "Maria Souza", export.Person.Name)
	assert.Equal(t, "5511987654321", export.Person.Phone)
	require.Len(t, export.Conversations, 2)
	require.Len(t, export.Tickets, 1)
	assert.Equal(t, "saved", export.Tickets[0].Status)
	assert.NotEmpty(t, export.Tickets[0].Transcript)

	closed := export.Conversations[0]
	assert.Equal(t, "closed", closed.State)
	var inbound, outbound, note, files []string
	delivered := false
	for _, m := range closed.Messages {
		assert.NotZero(t, m.At)
		switch m.Direction {
		case "inbound":
			assert.Equal(t, "Maria Souza", m.Author)
			inbound = append(inbound, m.Text)
		case "outbound":
			outbound = append(outbound, m.Author+": "+m.Text)
			if strings.Contains(m.Text, "4821") {
				assert.Equal(t, "sent", m.Status)
				delivered = len(m.Deliveries) > 0 || m.Status != ""
			}
		case "note":
			note = append(note, m.Text)
		}
		files = append(files, m.Files...)
	}
	assert.Contains(t, inbound, "Olá, preciso de ajuda")
	assert.Contains(t, outbound, "alice: Seu pedido 4821 saiu para entrega, Maria Souza")
	assert.Contains(t, note, "// nota interna sobre Maria Souza")
	assert.ElementsMatch(t, []string{"NF-000123-setembro.pdf", "orcamento-maria.pdf"}, files)
	assert.True(t, delivered, "the delivery state of the agent's message is exported")
	second := export.Conversations[1].Messages
	require.NotEmpty(t, second)
	assert.Equal(t, "notice", second[0].Direction, "the link to the previous conversation is a notice, not a message sent")
	var firstInbound string
	for _, m := range second {
		if m.Direction == "inbound" {
			firstInbound = m.Text
			break
		}
	}
	assert.Equal(t, "Oi de novo, aqui é Maria Souza", firstInbound)

	// The command DMs the same document as a JSON file from the bot.
	out := e.command(e.admin.Id, e.queue.Id, "/whatsapp lgpd export +55 11 98765-4321")
	assert.Contains(t, out, "direct message")
	_, posts := e.botDM(e.admin.Id)
	require.Len(t, posts, 1)
	require.Len(t, posts[0].FileIds, 1)
	info, appErr := e.node(0).API().GetFileInfo(posts[0].FileIds[0])
	require.Nil(t, appErr)
	assert.Equal(t, "json", info.Extension)
	assert.NotContains(t, info.Name, "98765", "the file name holds no phone")
	var fromDM map[string]any
	require.NoError(t, json.Unmarshal(e.store.FileData(info.Id), &fromDM))
	assert.Equal(t, "Maria Souza", fromDM["person"].(map[string]any)["name"])
	assert.Len(t, fromDM["conversations"], 2)
}

func TestOnlySystemAdminsExportOrErase(t *testing.T) {
	e := newEnv(t, 1)
	personID, ch, _ := e.customerHistory()
	keysBefore := len(e.store.KVKeys(pluginID))

	for _, req := range []struct{ method, path string }{
		{http.MethodGet, "/people/" + personID + "/export"},
		{http.MethodDelete, "/people/" + personID},
		{http.MethodGet, "/privacy/audit"},
	} {
		code, body := e.api(0, e.alice.Id, req.method, req.path, nil)
		assert.Equal(t, http.StatusForbidden, code, req.path)
		assert.Contains(t, string(body), "Only system admins can export or erase")
	}
	code, _ := e.api(0, e.carol.Id, http.MethodDelete, "/people/"+personID, nil)
	assert.Equal(t, http.StatusForbidden, code, "not even an agent")
	for _, cmd := range []string{"/whatsapp lgpd export 5511987654321", "/whatsapp lgpd erase 5511987654321 confirm"} {
		assert.Contains(t, e.command(e.alice.Id, ch.Id, cmd), "Only system admins can export or erase")
	}
	_, dms := e.botDM(e.alice.Id)
	assert.Empty(t, dms, "no export was sent")
	assert.Equal(t, keysBefore, len(e.store.KVKeys(pluginID)), "nothing changed")
	assert.NotEmpty(t, e.customerPosts(ch.Id))
	found := e.people(e.admin.Id, "Maria")
	require.Len(t, found, 1)
	assert.Equal(t, personID, found[0]["id"])
}

// requireNoTrace fails when any KV key or value, live post, live file, channel or queue
// announcement still holds one of traces.
func (e *env) requireNoTrace(traces []string, extraChannels ...string) {
	e.t.Helper()
	check := func(what, s string) {
		for _, tr := range traces {
			if strings.Contains(s, tr) {
				e.t.Errorf("%s still holds %q: %s", what, tr, s)
			}
		}
	}
	for _, k := range e.store.KVKeys(pluginID) {
		check("KV key", k)
		check("KV value of "+k, string(e.store.KVValue(pluginID, k)))
	}
	channels := append([]string{}, extraChannels...)
	for _, ch := range e.store.ChannelsInTeam(e.team.Id) {
		channels = append(channels, ch.Id)
	}
	for _, id := range channels {
		ch := e.store.Channel(id)
		check("channel", ch.Name+" "+ch.DisplayName+" "+ch.Header+" "+ch.Purpose)
		for _, p := range e.store.Posts(id) {
			raw, _ := json.Marshal(p)
			check("post in "+ch.Name, string(raw))
		}
	}
	for _, f := range e.store.Files() {
		if f.DeleteAt == 0 {
			check("file", f.Name+" "+string(e.store.FileData(f.Id)))
		}
	}
}

func TestEraseLeavesNothingAboutThePersonAndTheirNextMessageStartsAfresh(t *testing.T) {
	e := newEnv(t, 2)
	personID, closedCh, openCh := e.customerHistory()
	// Node 2 caches the customer too.
	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria Souza", fakegraph.NewWAMID(), "alô?", time.Now())).Code)
	e.command(e.admin.Id, e.queue.Id, "/whatsapp lgpd export 5511987654321")
	dm, _ := e.botDM(e.admin.Id)
	var fileIDs []string
	for _, ch := range []*model.Channel{closedCh, openCh} {
		for _, p := range e.store.Posts(ch.Id) {
			fileIDs = append(fileIDs, p.FileIds...)
		}
	}
	require.Len(t, fileIDs, 2)

	searches := []string{"q=4821", "q=Souza", "q=5511987654321", "customer_id=" + personID}
	for _, q := range searches {
		_, total := e.tickets(q)
		require.Equal(t, 1, total, "before the erasure %s finds her ticket", q)
	}

	// The command asks for confirmation first.
	out := e.command(e.admin.Id, e.queue.Id, "/whatsapp lgpd erase +55 11 98765-4321")
	assert.Contains(t, out, "/whatsapp lgpd erase 5511987654321 confirm")
	assert.NotEmpty(t, e.customerPosts(closedCh.Id), "nothing erased without confirmation")
	out = e.command(e.admin.Id, e.queue.Id, "/whatsapp lgpd erase 5511987654321 confirm")
	assert.Contains(t, out, "Erased: 2 conversation(s), 1 ticket(s)")
	e.waitIdle()

	e.requireNoTrace(mariaTraces, dm.Id)
	// Search terms are stored hashed, so requireNoTrace cannot see them: search, and look for
	// the buckets of her words.
	for _, q := range searches {
		_, total := e.tickets(q)
		assert.Zero(t, total, "after the erasure %s finds nothing", q)
	}
	for _, term := range []string{"w:souza", "w:4821", "w:5511987654321", "c:" + personID} {
		assert.Nil(t, e.store.KVValue(pluginID, store.TicketSearchKey(term)), "the search bucket of %s is gone", term)
	}
	for _, ch := range []*model.Channel{closedCh, openCh} {
		got := e.store.Channel(ch.Id)
		assert.NotZero(t, got.DeleteAt, "the channel is archived")
		assert.Empty(t, e.store.Posts(ch.Id))
		_, appErr := e.node(0).API().CreatePost(&model.Post{UserId: e.alice.Id, ChannelId: ch.Id, Message: "oi"})
		assert.NotNil(t, appErr, "an archived channel takes no posts")
	}
	for _, id := range fileIDs {
		_, appErr := e.node(0).API().GetFileInfo(id)
		assert.NotNil(t, appErr, "the files went with their posts")
	}
	announcements := 0
	for _, p := range e.store.Posts(e.queue.Id) {
		if p.GetProp("wa_erased") == true {
			announcements++
		}
	}
	assert.Equal(t, 2, announcements, "the queue announcements stay, redacted")
	code, body := e.api(0, e.admin.Id, http.MethodGet, "/people/"+personID+"/export", nil)
	assert.Equal(t, http.StatusNotFound, code, string(body))
	code, _ = e.api(0, e.admin.Id, http.MethodDelete, "/people/"+personID, nil)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Contains(t, e.command(e.admin.Id, e.queue.Id, "/whatsapp lgpd erase 5511987654321 confirm"), "No customer has the phone")

	// The audit entry says who and how much, without personal data.
	code, body = e.api(0, e.admin.Id, http.MethodGet, "/privacy/audit", nil)
	require.Equal(t, http.StatusOK, code)
	var audit []map[string]any
	require.NoError(t, json.Unmarshal(body, &audit))
	require.Len(t, audit, 1)
	assert.Equal(t, e.admin.Id, audit[0]["actor_id"])
	assert.Equal(t, "request", audit[0]["reason"])
	assert.EqualValues(t, 2, audit[0]["conversations"])
	assert.NotContains(t, string(body), personID)

	// Her next message, on the node that cached her, starts a new person from nothing.
	wamid := fakegraph.NewWAMID()
	require.Equal(t, http.StatusOK, e.deliver(1, e.graph.InboundText(maria, "Maria", wamid, "voltei", time.Now())).Code)
	post := e.postOfWAMID(wamid)
	require.NotNil(t, post)
	assert.NotEqual(t, personID, e.personOfChannel(post.ChannelId))
	assert.NotContains(t, []string{closedCh.Id, openCh.Id}, post.ChannelId)
	assert.Len(t, e.customerPosts(post.ChannelId), 1, "no history comes back")
	found := e.people(e.admin.Id, "Maria")
	require.Len(t, found, 1)
	assert.Equal(t, e.personOfChannel(post.ChannelId), found[0]["id"])
}

func TestRetentionErasesOldClosedConversationsAndNothingNewer(t *testing.T) {
	e := newEnv(t, 1, withSetting("RetentionDays", 30), withSetting("RetentionIntervalMillis", 100))
	oldID, oldCh := e.conversation(maria, "Maria Souza")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, oldID))
	e.say(e.alice.Id, &model.Post{ChannelId: oldCh.Id, Message: "Resolvido, Maria Souza"})
	e.closeConversation(oldID)
	recentID, recentCh := e.conversation("5521988887777", "João Lima")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, recentID))
	e.closeConversation(recentID)
	_, openCh := e.conversation("5531977776666", "Ana Dias")

	code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=draft", nil)
	require.Equal(t, http.StatusOK, code)
	ids := ticketIDs(t, body)
	require.Len(t, ids, 2)
	for _, id := range ids {
		code, body = e.api(0, e.alice.Id, http.MethodPost, "/tickets/"+id+"/save", nil)
		require.Equal(t, http.StatusOK, code, string(body))
	}

	// The first conversation closed 40 days ago, the second 29 days ago.
	age := func(convID string, days int) {
		key := store.ConversationKey(convID)
		var c map[string]any
		require.NoError(t, json.Unmarshal(e.store.KVValue(pluginID, key), &c))
		c["closed_at"] = time.Now().Add(-time.Duration(days) * 24 * time.Hour).UnixMilli()
		raw, _ := json.Marshal(c)
		e.store.SetKVValue(pluginID, key, raw, 0)
	}
	_, total := e.tickets("q=resolvido")
	require.Equal(t, 1, total, "a transcript word finds the old ticket")
	age(recentID, 29)
	age(oldID, 40)

	e.eventually(func() bool {
		var c map[string]any
		_ = json.Unmarshal(e.store.KVValue(pluginID, store.ConversationKey(oldID)), &c)
		return c["customer_name"] == "" // the erasure's last step
	}, "the old conversation is erased")
	assert.NotZero(t, e.store.Channel(oldCh.Id).DeleteAt, "its channel is archived")
	e.waitIdle()
	assert.Empty(t, e.store.Posts(oldCh.Id))
	e.requireNoTrace([]string{"Resolvido, Maria Souza"})
	_, total = e.tickets("q=resolvido")
	assert.Zero(t, total, "the erased transcript is not searchable")
	_, total = e.tickets("q=souza")
	assert.Equal(t, 1, total, "the saved ticket's subject still is")
	assert.NotEmpty(t, e.customerPosts(recentCh.Id), "a newer closed conversation stays")
	assert.Zero(t, e.store.Channel(recentCh.Id).DeleteAt)
	assert.NotEmpty(t, e.customerPosts(openCh.Id), "an open conversation stays")

	// The saved ticket keeps its fields without the transcript; the other keeps everything.
	for _, id := range ids {
		code, body = e.api(0, e.alice.Id, http.MethodGet, "/tickets/"+id, nil)
		require.Equal(t, http.StatusOK, code, string(body))
		var ticket map[string]any
		require.NoError(t, json.Unmarshal(body, &ticket))
		assert.Equal(t, "saved", ticket["status"])
		if ticket["conversation_id"] == oldID {
			assert.Equal(t, "Maria Souza", ticket["subject"])
			assert.Empty(t, ticket["transcript"])
		} else {
			assert.NotEmpty(t, ticket["transcript"])
		}
	}
	code, body = e.api(0, e.admin.Id, http.MethodGet, "/privacy/audit", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `"reason":"retention"`)
	// The customer herself stays, and her next message starts a new conversation.
	assert.Len(t, e.people(e.admin.Id, "Maria"), 1)
}
