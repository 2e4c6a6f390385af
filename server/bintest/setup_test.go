package bintest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/harness"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/mmfake"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

const pluginID = "whatsapp-helpdesk"

func TestMain(m *testing.M) { harness.Main(m) }

// repoRoot is found from this file so tests run from any working directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// env is one helpdesk installation: a team, a queue channel whose members are the agents, a
// system admin, the fake Graph API and N plugin processes sharing one store.
type env struct {
	t      testing.TB
	c      *harness.Cluster
	store  *mmfake.Store
	graph  *fakegraph.Server
	team   *model.Team
	queue  *model.Channel
	alice  *model.User // agent
	bob    *model.User // agent
	carol  *model.User // not an agent
	admin  *model.User
	secret string
}

type envOption func(settings map[string]any)

func withSetting(key string, value any) envOption {
	return func(s map[string]any) { s[key] = value }
}

// salesNumber is the WhatsApp number of a second chat group, "sales", whose queue channel is
// sales-queue (withSalesGroup).
const salesNumber = "229988776655443"

// withSalesGroup adds the "sales" chat group beside the default one.
func withSalesGroup() envOption {
	return withSetting("ChatGroups", `[{"name":"sales","phone_number_id":"`+salesNumber+`","queue_channel":"sales-queue"}]`)
}

// salesQueue is the sales group's queue channel, which the plugin creates, or nil.
func (e *env) salesQueue() *model.Channel {
	for _, ch := range e.store.ChannelsInTeam(e.team.Id) {
		if ch.Name == "sales-queue" {
			return ch
		}
	}
	return nil
}

// toSales makes a webhook body for the default number one for the sales number.
func (e *env) toSales(body []byte) []byte {
	return bytes.Replace(body, []byte(e.graph.Options().PhoneNumberID), []byte(salesNumber), 1)
}

func newEnv(t testing.TB, nodes int, opts ...envOption) *env {
	t.Helper()
	graph := fakegraph.New(t, fakegraph.Options{})
	store := mmfake.NewStore()
	e := &env{t: t, store: store, graph: graph, secret: graph.Options().AppSecret}
	e.alice = store.NewUser("alice")
	e.bob = store.NewUser("bob")
	e.carol = store.NewUser("carol")
	e.admin = store.NewAdmin("admin")
	e.team = store.NewTeam("acme", e.alice.Id, e.bob.Id, e.carol.Id, e.admin.Id)
	e.queue = store.NewChannel(e.team.Id, "whatsapp-queue", model.ChannelTypePrivate, e.alice.Id, e.bob.Id)
	for _, u := range []*model.User{e.alice, e.bob, e.carol, e.admin} {
		store.SetStatus(u.Id, model.StatusOnline)
	}

	settings := map[string]any{
		"AccessToken":        graph.Options().AccessToken,
		"PhoneNumberID":      graph.Options().PhoneNumberID,
		"BusinessAccountID":  graph.Options().WABAID,
		"AppSecret":          graph.Options().AppSecret,
		"WebhookVerifyToken": "verify-me",
		"GraphAPIBaseURL":    graph.URL,
		"GraphAPIVersion":    "v25.0",
		"MessagesPerSecond":  1000,
		"TeamName":           "acme",
		"QueueChannelName":   "whatsapp-queue",
		"CreditsGranted":     1000,
		"LowCreditThreshold": 10,
		"InternalNotePrefix": "//",
	}
	for _, o := range opts {
		o(settings)
	}
	e.c = harness.New(t, harness.Options{
		ManifestPath:   filepath.Join(repoRoot(), "plugin.json"),
		BinaryPath:     harness.BuildPlugin(t, filepath.Join(repoRoot(), "server")),
		Nodes:          nodes,
		PluginSettings: settings,
		Store:          store,
		Quiet:          true,
	})
	return e
}

func (e *env) node(i int) *harness.Node { return e.c.Node(i) }

// deliver posts a webhook body to node i, signed like Meta does.
func (e *env) deliver(i int, body []byte) *httptest.ResponseRecorder {
	return e.deliverSigned(i, body, e.graph.Sign(body))
}

func (e *env) deliverSigned(i int, body []byte, signature string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/plugins/"+pluginID+"/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	return e.node(i).ServeHTTP(req, "")
}

// text delivers a text message from a customer and requires a 200.
func (e *env) text(from, name, wamid, body string) {
	e.t.Helper()
	rec := e.deliver(0, e.graph.InboundText(from, name, wamid, body, time.Now()))
	require.Equal(e.t, http.StatusOK, rec.Code, rec.Body.String())
}

// api calls the webapp API as userID on node i.
func (e *env) api(i int, userID, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var r *bytes.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(e.t, err)
		r = bytes.NewReader(raw)
	} else {
		r = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, "/plugins/"+pluginID+"/api/v1"+path, r)
	rec := e.node(i).ServeHTTP(req, userID)
	return rec.Code, rec.Body.Bytes()
}

// channels returns the team's WhatsApp conversation channels.
func (e *env) conversationChannels() []*model.Channel {
	var out []*model.Channel
	for _, ch := range e.store.ChannelsInTeam(e.team.Id) {
		if strings.HasPrefix(ch.Name, "wa-") {
			out = append(out, ch)
		}
	}
	return out
}

// onlyConversationChannel returns the single conversation channel, failing otherwise.
func (e *env) onlyConversationChannel() *model.Channel {
	e.t.Helper()
	chans := e.conversationChannels()
	require.Len(e.t, chans, 1)
	return chans[0]
}

// customerPosts are the bot's posts of inbound messages in a channel.
func (e *env) customerPosts(channelID string) []*model.Post {
	var out []*model.Post
	for _, p := range e.store.Posts(channelID) {
		if p.Type == "custom_whatsapp_inbound" {
			out = append(out, p)
		}
	}
	return out
}

// convOfChannel is the id of the conversation a channel belongs to, as the plugin keeps it.
func (e *env) convOfChannel(channelID string) string {
	e.t.Helper()
	id := e.store.KVValue(pluginID, store.ChannelConversationKey(channelID))
	require.NotEmpty(e.t, id, "channel %s has no conversation", channelID)
	var convID string
	require.NoError(e.t, json.Unmarshal(id, &convID))
	return convID
}

// personOfChannel is the customer of the conversation a channel belongs to.
func (e *env) personOfChannel(channelID string) string {
	e.t.Helper()
	var conv struct {
		PersonID string `json:"person_id"`
	}
	require.NoError(e.t, json.Unmarshal(e.store.KVValue(pluginID, store.ConversationKey(e.convOfChannel(channelID))), &conv))
	require.NotEmpty(e.t, conv.PersonID)
	return conv.PersonID
}

func (e *env) waitIdle() { e.c.WaitIdle() }

func (e *env) eventually(cond func() bool, msg string) {
	e.t.Helper()
	harness.Eventually(e.t, 10*time.Second, cond, msg)
}

// ephemerals returns the texts shown only to userID.
func (e *env) ephemerals(userID string) []string {
	var out []string
	for _, p := range e.store.EphemeralPosts(userID) {
		out = append(out, p.Post.Message)
	}
	return out
}
