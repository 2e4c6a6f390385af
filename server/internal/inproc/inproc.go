// Package inproc wires bridge and workflow in the test process, over mmfake's in-memory plugin
// API and a Graph fake with no network, so their logic is tested in milliseconds; the
// binary-level tests (server/bintest) keep RPC, HA, crash and browser scenarios.
package inproc

import (
	"context"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/pkg/errors"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/action"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/mmfake"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

const pluginID = "whatsapp-helpdesk"

// Graph is an in-memory Graph API client: sends get increasing wamids and are recorded.
type Graph struct {
	mu   sync.Mutex
	Sent []whatsapp.OutMessage
	// Fail, when set, is returned by Send instead of a result.
	Fail error
}

// Send records m.
func (g *Graph) Send(_ context.Context, m whatsapp.OutMessage) (whatsapp.SendResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.Fail != nil {
		return whatsapp.SendResult{}, g.Fail
	}
	g.Sent = append(g.Sent, m)
	return whatsapp.SendResult{MessageID: "wamid.out." + strconv.Itoa(len(g.Sent)), MessageStatus: "accepted"}, nil
}

// Count is how many messages were sent.
func (g *Graph) Count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.Sent)
}

// DownloadMediaLimit fails: these tests send no media.
func (g *Graph) DownloadMediaLimit(context.Context, string, int64) (*whatsapp.DownloadedMedia, error) {
	return nil, errors.New("inproc: no media")
}

// UploadMedia fails: these tests send no media.
func (g *Graph) UploadMedia(context.Context, string, string, []byte) (string, error) {
	return "", errors.New("inproc: no media")
}

// MarkRead does nothing.
func (g *Graph) MarkRead(context.Context, string) error { return nil }

// routes serves the one default chat group.
type routes struct{ route bridge.Route }

func (r *routes) ForNumber(id string) (bridge.Route, error) {
	if id != r.route.Group.PhoneNumberID {
		return bridge.Route{}, errors.New("unknown number")
	}
	return r.route, nil
}

func (r *routes) ForGroup(name string) (bridge.Route, error) {
	if name != r.route.Group.Name {
		return bridge.Route{}, errors.New("unknown group")
	}
	return r.route, nil
}

// Notifications records what bridge and workflow announced.
type Notifications struct {
	mu            sync.Mutex
	Conversations []string
	Tickets       []string
	Closed        []string
}

// ConversationChanged records the conversation.
func (n *Notifications) ConversationChanged(c *helpdesk.Conversation) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.Conversations = append(n.Conversations, c.ID)
}

// ConversationOpened records the conversation.
func (n *Notifications) ConversationOpened(c *helpdesk.Conversation, _ *helpdesk.Person) {
	n.ConversationChanged(c)
}

// TicketChanged records the ticket.
func (n *Notifications) TicketChanged(t *helpdesk.Ticket) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.Tickets = append(n.Tickets, t.ID)
}

// ConversationClosed records the close.
func (n *Notifications) ConversationClosed(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.Closed = append(n.Closed, id)
}

// CreditsChanged and CredentialsRejected are not observed by these tests.
func (n *Notifications) CreditsChanged(helpdesk.CreditBalance) {}

// CredentialsRejected is not observed by these tests.
func (n *Notifications) CredentialsRejected(*whatsapp.GraphError) {}

// Env is one helpdesk: a team, a queue channel whose members are Alice and Bob, and the services.
type Env struct {
	Store         *mmfake.Store
	API           *mmfake.API
	Graph         *Graph
	Notified      *Notifications
	Route         bridge.Route
	Alice         *model.User
	Bob           *model.User
	Carol         *model.User // not an agent
	Inbound       *bridge.Inbound
	Outbound      *bridge.Outbound
	Desk          *workflow.Desk
	Conversations *helpdesk.Conversations
	Tickets       *helpdesk.Tickets

	seq int
}

// New builds an Env; the group's automatic messages are those of group (its Name, PhoneNumberID
// and QueueChannel are filled in).
func New(t testing.TB, group helpdesk.Group) *Env {
	t.Helper()
	st := mmfake.NewStore()
	api := st.NewAPI(&model.Manifest{Id: pluginID}, "node-a")
	_, file, _, _ := runtime.Caller(0)
	st.SetBundlePath("node-a", pluginID, filepath.Join(filepath.Dir(file), "..", "..", ".."))
	e := &Env{Store: st, API: api, Graph: &Graph{}, Notified: &Notifications{}}
	e.Alice, e.Bob, e.Carol = st.NewUser("alice"), st.NewUser("bob"), st.NewUser("carol")
	for _, u := range []*model.User{e.Alice, e.Bob, e.Carol} {
		st.SetStatus(u.Id, model.StatusOnline)
	}
	bot := st.NewUser("whatsapp")
	team := st.NewTeam("acme", e.Alice.Id, e.Bob.Id, e.Carol.Id, bot.Id)
	queue := st.NewChannel(team.Id, "whatsapp-queue", model.ChannelTypePrivate, e.Alice.Id, e.Bob.Id, bot.Id)
	group.Name, group.PhoneNumberID, group.QueueChannel = helpdesk.DefaultGroupName, "100200300", queue.Name
	e.Route = bridge.Route{Group: group, TeamID: team.Id, QueueChannelID: queue.Id, Graph: e.Graph}

	texts, err := l10n.New(api)
	require.NoError(t, err)
	kv := &pluginapi.NewClient(api, nil).KV
	now := time.Now
	signer := action.Signer{Key: []byte("in-process test key")}
	r := &routes{route: e.Route}
	phones, err := store.NewPhones([]byte("inproc-phone-key-secret-of-32-bytes"))
	require.NoError(t, err)
	people := &helpdesk.People{KV: kv, Phones: phones, Now: now}
	e.Conversations = &helpdesk.Conversations{KV: kv, Now: now}
	e.Tickets = &helpdesk.Tickets{KV: kv, Now: now}
	credits := &helpdesk.Credits{KV: kv, Now: now, Granted: func() int { return 100 }, LowThreshold: func() int { return 0 }}
	e.Outbound = &bridge.Outbound{
		API: api, KV: kv, BotUserID: bot.Id, Conversations: e.Conversations, People: people, Credits: credits,
		Texts: texts, Now: now, Routes: r, Notify: e.Notified, Node: "node-a", Signer: signer,
	}
	e.Outbound.Configure(bridge.Settings{NotePrefix: "//"})
	e.Inbound = &bridge.Inbound{
		API: api, KV: kv, BotUserID: bot.Id, People: people, Conversations: e.Conversations,
		Messages: &helpdesk.Messages{KV: kv, Now: now, Lease: func() time.Duration { return 10 * time.Second }, Retention: time.Hour},
		Texts:    texts, Emoji: format.NewEmoji(), Signer: signer, BusyWait: time.Second, Routes: r, Notify: e.Notified,
	}
	e.Desk = workflow.NewDesk(workflow.Deps{
		API: api, BotUserID: bot.Id, Outbound: e.Outbound, Texts: texts, Signer: signer, Now: now,
		Routes: r, Notify: e.Notified, Announcer: e.Inbound,
	}, workflow.Stores{
		Conversations: e.Conversations, People: people, Credits: credits, Tickets: e.Tickets,
		Macros:    &helpdesk.Macros{KV: kv, Now: now},
		Templates: &workflow.Templates{KV: kv, Now: now},
	})
	e.Desk.Configure(workflow.Settings{MaxPerAgent: 5, Groups: []helpdesk.Group{group}})
	return e
}

// Receive hands the inbound side one text message from a customer, as the webhook would.
func (e *Env) Receive(t testing.TB, waID, name, text string) *whatsapp.Message {
	t.Helper()
	e.seq++
	msg := &whatsapp.Message{
		From: waID, ID: "wamid.in." + strconv.Itoa(e.seq), Type: "text",
		Timestamp: strconv.FormatInt(time.Now().Unix(), 10), Text: &whatsapp.Text{Body: text},
	}
	require.NoError(t, e.Deliver(msg, name))
	return msg
}

// Deliver hands the inbound side msg (again, for a redelivery).
func (e *Env) Deliver(msg *whatsapp.Message, name string) error {
	contact := whatsapp.Contact{WaID: msg.From}
	contact.Profile.Name = name
	return e.Inbound.HandleMessage(context.Background(), e.Route, contact, msg)
}

// Open returns the open conversation of a customer's channel.
func (e *Env) Open(t testing.TB) *helpdesk.Conversation {
	t.Helper()
	convs, err := e.Conversations.List(helpdesk.StateWaiting)
	require.NoError(t, err)
	active, err := e.Conversations.List(helpdesk.StateActive)
	require.NoError(t, err)
	convs = append(convs, active...)
	require.Len(t, convs, 1)
	return convs[0]
}
