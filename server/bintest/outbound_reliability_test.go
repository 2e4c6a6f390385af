package bintest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/harness"
)

// fastRepair makes the repair job look every 200 ms and lets a send hold its lease for leaseSecs.
func fastRepair(leaseSecs int) []envOption {
	return []envOption{withSetting("RepairIntervalMillis", 200), withSetting("OutboundLeaseSeconds", leaseSecs)}
}

// afterKill waits for what the survivors' repair job does after a node was killed. The dead node
// may have held that job's cluster mutex (it runs every 200 ms here), and the mutex only expires
// 15 s after its last refresh, as in pluginapi: then the repair comes 15.4-15.9 s after the kill
// (seen by killing a node as it took the mutex), past the 10 s this used to wait.
func (e *env) afterKill(cond func() bool, msg string) {
	e.t.Helper()
	harness.Eventually(e.t, 30*time.Second, cond, msg)
}

// resendOffer is the bot's thread reply with a Resend button under postID, or nil.
func (e *env) resendOffer(channelID, postID string) *model.Post {
	for _, p := range e.store.Posts(channelID) {
		if p.GetProp("wa_resend_for") == postID {
			return p
		}
	}
	return nil
}

// click presses the first button of a bot post as userID on node i; edit may change a copy of
// its context (a forged click).
func (e *env) click(i int, userID string, post *model.Post, edit ...func(map[string]any)) (int, string) {
	e.t.Helper()
	attachments := post.Attachments()
	require.NotEmpty(e.t, attachments)
	require.NotEmpty(e.t, attachments[0].Actions, "the post has a button")
	action := attachments[0].Actions[0]
	ctx := map[string]any{}
	for k, v := range action.Integration.Context {
		ctx[k] = v
	}
	for _, f := range edit {
		f(ctx)
	}
	raw, _ := json.Marshal(model.PostActionIntegrationRequest{UserId: userID, PostId: post.Id, ChannelId: post.ChannelId, Context: ctx})
	rec := e.node(i).ServeHTTP(httptest.NewRequest(http.MethodPost, action.Integration.URL, bytes.NewReader(raw)), userID)
	var resp model.PostActionIntegrationResponse
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	e.waitIdle()
	return rec.Code, resp.EphemeralText
}

func (e *env) credits() map[string]any {
	e.t.Helper()
	code, body := e.api(0, e.admin.Id, http.MethodGet, "/credits", nil)
	require.Equal(e.t, http.StatusOK, code)
	var out map[string]any
	require.NoError(e.t, json.Unmarshal(body, &out))
	return out
}

// heldCredits counts the credit holds of sends in flight, straight from the store.
func (e *env) heldCredits() int {
	var c struct {
		Holds map[string]int64 `json:"holds"`
	}
	_ = json.Unmarshal(e.store.KVValue(pluginID, "v1/credits"), &c)
	return len(c.Holds)
}

// Meta accepts the message but its answer never arrives in time: the customer has it once, one
// credit is spent, the post says "unknown" and the agent may resend it with one click.
func TestAcceptedSendWhoseAnswerTimedOutIsNotResent(t *testing.T) {
	e := newEnv(t, 1, withSetting("GraphAPITimeoutSeconds", 1))
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	e.graph.FailNext(fakegraph.Messages, 1, fakegraph.AcceptThenStall(3*time.Second))

	p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "chegou?"})
	assert.Equal(t, []string{"chegou?"}, e.sentTexts(), "sent once, not retried")
	assert.Equal(t, 1, e.graph.Requests(fakegraph.Messages), "no retry, no mark-read after an unknown outcome")
	assert.EqualValues(t, 1, e.credits()["used"], "one send, one credit")
	assert.Zero(t, e.heldCredits())
	assert.Equal(t, "unknown", p.GetProp("wa_status"))
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "unknown whether the customer got this message")
	offer := e.resendOffer(ch.Id, p.Id)
	require.NotNil(t, offer, "the agent is offered a Resend button")
	assert.Equal(t, p.Id, offer.RootId)

	// A forged click (context of another post) does nothing.
	code, _ := e.click(0, e.alice.Id, offer, func(ctx map[string]any) { ctx["post_id"] = offer.Id })
	assert.Equal(t, http.StatusForbidden, code)
	// A non-member of the conversation cannot resend it.
	_, text := e.click(0, e.carol.Id, offer)
	assert.Contains(t, text, "Not allowed")
	assert.Len(t, e.sentTexts(), 1)

	code, _ = e.click(0, e.alice.Id, offer)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, []string{"chegou?", "chegou?"}, e.sentTexts(), "resent once, on the agent's click")
	assert.Equal(t, "sent", e.store.Post(p.Id).GetProp("wa_status"))
	assert.EqualValues(t, 2, e.credits()["used"])
	_, text = e.click(0, e.alice.Id, offer)
	assert.Contains(t, text, "no longer waiting")
	assert.Len(t, e.sentTexts(), 2)
}

// A node killed while its send hangs leaves the post to another node: marked unknown (the
// request was on the wire), with a Resend button, and the held credit returns.
func TestSendOfAKilledNodeIsMarkedByAnotherAndItsCreditReturns(t *testing.T) {
	e := newEnv(t, 2, fastRepair(3)...)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	e.graph.FailNext(fakegraph.Messages, 1, fakegraph.AcceptThenStall(time.Minute))

	created, appErr := e.node(1).CreatePostAs(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "no meio do envio"})
	require.Nil(t, appErr)
	e.eventually(func() bool { return len(e.graph.Sent()) == 1 }, "node 2 sends the post")
	assert.Equal(t, 1, e.heldCredits(), "a credit is held while the send is in flight")
	require.NoError(t, e.node(1).Kill())

	e.afterKill(func() bool { return e.store.Post(created.Id).GetProp("wa_status") == "unknown" }, "node 1 marks the dead node's send")
	e.eventually(func() bool { return e.resendOffer(ch.Id, created.Id) != nil }, "with a Resend button")
	assert.Zero(t, e.heldCredits(), "the held credit returned")
	assert.EqualValues(t, 0, e.credits()["used"])
	assert.Contains(t, strings.Join(e.ephemerals(e.alice.Id), "\n"), "unknown whether the customer got this message")
	assert.Len(t, e.graph.Sent(), 1, "nothing is resent automatically")
}

// While a setting is wrong nothing can be sent: the agent is told at once, the post says
// not_sent with the reason, and once the settings are fixed one click sends it.
func TestMisconfiguredPluginTellsTheAgentAndMarksThePost(t *testing.T) {
	e := newEnv(t, 1)
	convID, ch := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	token := e.graph.Options().AccessToken
	require.NoError(t, e.c.UpdateSettings(map[string]any{"AccessToken": ""}))

	p := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "configuração?"})
	assert.Empty(t, e.graph.Sent())
	assert.Equal(t, "not_sent", p.GetProp("wa_status"))
	assert.Contains(t, p.GetProp("wa_error"), "access token")
	notice := strings.Join(e.ephemerals(e.alice.Id), "\n")
	assert.Contains(t, notice, "settings need attention")
	assert.Contains(t, notice, "access token")
	offer := e.resendOffer(ch.Id, p.Id)
	require.NotNil(t, offer)

	_, text := e.click(0, e.alice.Id, offer)
	assert.Contains(t, text, "settings need attention", "still broken: told again, nothing sent")
	assert.Empty(t, e.graph.Sent())

	require.NoError(t, e.c.UpdateSettings(map[string]any{"AccessToken": token}))
	code, _ := e.click(0, e.alice.Id, offer)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, []string{"configuração?"}, e.sentTexts())
	assert.Equal(t, "sent", e.store.Post(p.Id).GetProp("wa_status"))
}

// Two closes at once on two nodes: one end message, one ticket, the other told it is closed.
func TestDoubleCloseSendsOneEndMessageAndMakesOneTicket(t *testing.T) {
	e := newEnv(t, 2, withSetting("EndMessage", "Tchau!"))
	convID, _ := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			codes[i], _ = e.api(i, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/close", nil)
		})
	}
	wg.Wait()
	e.waitIdle()
	assert.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, codes)
	assert.Equal(t, []string{"Tchau!"}, e.sentTexts(), "one end message")
	assert.EqualValues(t, 1, e.credits()["used"])
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=draft", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Len(t, pagedItems(t, body), 1, "one ticket")
}

// A close whose node dies while the end message is on the wire is completed by the repair job
// on another node: the conversation is closed with its ticket, and the end message is not sent
// a second time.
func TestCloseInterruptedMidwayIsCompletedByTheRepairJob(t *testing.T) {
	e := newEnv(t, 2, append(fastRepair(3), withSetting("EndMessage", "Tchau!"))...)
	convID, _ := e.conversation(maria, "Maria")
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	e.graph.Reset()
	e.graph.FailNext(fakegraph.Messages, 1, fakegraph.AcceptThenStall(time.Minute))

	done := make(chan struct{})
	go func() {
		defer close(done)
		e.api(1, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/close", nil)
	}()
	e.eventually(func() bool { return len(e.graph.Sent()) == 1 }, "the end message goes out")
	require.NoError(t, e.node(1).Kill())
	<-done

	drafts := func() []map[string]any {
		code, body := e.api(0, e.alice.Id, http.MethodGet, "/tickets?status=draft", nil)
		require.Equal(t, http.StatusOK, code)
		return pagedItems(t, body)
	}
	e.afterKill(func() bool { return len(drafts()) == 1 }, "the repair job makes the ticket")
	ticket := drafts()[0]
	assert.Equal(t, convID, ticket["conversation_id"])
	// The ticket is written before the conversation joins the closed list: wait for both.
	e.eventually(func() bool {
		code, body := e.api(0, e.alice.Id, http.MethodGet, "/conversations?state=closed", nil)
		return code == http.StatusOK && strings.Contains(string(body), convID)
	}, "the conversation is closed")
	assert.Equal(t, []string{"Tchau!"}, e.sentTexts(), "the end message is not sent twice")
	time.Sleep(500 * time.Millisecond) // more repair rounds change nothing
	assert.Len(t, drafts(), 1)
	// The customer's next message starts a new conversation.
	e.text(maria, "Maria", fakegraph.NewWAMID(), "oi de novo")
	assert.Len(t, e.conversationChannels(), 2)
}

// A one-letter macro name that also occurs in "/whatsapp" is stored with its own text.
func TestMacroAddStoresNameAndTextAsTyped(t *testing.T) {
	e := newEnv(t, 1)
	assert.Contains(t, e.command(e.admin.Id, e.queue.Id, "/whatsapp macro add a Bom dia!"), "saved")
	code, body := e.api(0, e.alice.Id, http.MethodGet, "/macros", nil)
	require.Equal(t, http.StatusOK, code)
	var macros []map[string]any
	require.NoError(t, json.Unmarshal(body, &macros))
	require.Len(t, macros, 1)
	assert.Equal(t, "a", macros[0]["name"])
	assert.Equal(t, "Bom dia!", macros[0]["text"])
}

// The draft ticket's transcript is the conversation's real order: two customer messages of one
// WhatsApp second in arrival order, and a customer message of the same second as the agent's
// reply but arriving after it, after it.
func TestTranscriptKeepsTheConversationsRealOrder(t *testing.T) {
	e := newEnv(t, 1)
	second := time.Now().Add(-time.Minute).Truncate(time.Second)
	for _, text := range []string{"primeira", "segunda"} {
		rec := e.deliver(0, e.graph.InboundText(maria, "Maria", fakegraph.NewWAMID(), text, second))
		require.Equal(t, http.StatusOK, rec.Code)
	}
	ch := e.onlyConversationChannel()
	convID := e.convOfChannel(ch.Id)
	require.Equal(t, http.StatusOK, e.attend(0, e.alice.Id, convID))
	reply := e.say(e.alice.Id, &model.Post{ChannelId: ch.Id, Message: "resposta"})
	sameSecond := time.UnixMilli(reply.CreateAt).Truncate(time.Second)
	rec := e.deliver(0, e.graph.InboundText(maria, "Maria", fakegraph.NewWAMID(), "depois da resposta", sameSecond))
	require.Equal(t, http.StatusOK, rec.Code)

	code, body := e.api(0, e.alice.Id, http.MethodPost, "/conversations/"+convID+"/close", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	var answer struct {
		Ticket struct {
			Transcript []struct {
				Text string `json:"text"`
			} `json:"transcript"`
		} `json:"ticket"`
	}
	require.NoError(t, json.Unmarshal(body, &answer))
	var texts []string
	for _, l := range answer.Ticket.Transcript {
		texts = append(texts, l.Text)
	}
	assert.Equal(t, []string{"primeira", "segunda", "resposta", "depois da resposta"}, texts)
}
