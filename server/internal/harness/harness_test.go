package harness_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/harness"
)

const testPluginID = "com.example.harness-testplugin"

func TestMain(m *testing.M) { harness.Main(m) }

func newCluster(t *testing.T, nodes int, opts ...func(*harness.Options)) *harness.Cluster {
	t.Helper()
	o := harness.Options{
		ManifestPath: "testdata/testplugin/plugin.json",
		BinaryPath:   harness.BuildPlugin(t, "testdata/testplugin"),
		Nodes:        nodes,
	}
	for _, f := range opts {
		f(&o)
	}
	return harness.New(t, o)
}

func call(t *testing.T, n *harness.Node, method, path, userID, body string) map[string]any {
	t.Helper()
	rec := n.ServeHTTP(httptest.NewRequest(method, path, strings.NewReader(body)), userID)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return out
}

func logsOn(c *harness.Cluster, node, msg string) int {
	count := 0
	for _, e := range c.Store.Logs() {
		if e.Node == node && e.Message == msg {
			count++
		}
	}
	return count
}

func TestActivationWiring(t *testing.T) {
	c := newCluster(t, 1)
	n := c.Node(0)

	require.NoError(t, n.Healthy())
	assert.True(t, n.Implements(plugin.ServeHTTPID))
	assert.True(t, n.Implements(plugin.OnPluginClusterEventID))
	assert.False(t, n.Implements(plugin.MessageWillBePostedID))

	bot := c.Store.UserByUsername("harness-bot")
	require.NotNil(t, bot, "EnsureBot ran through the real RPC")
	assert.True(t, bot.IsBot)

	who := call(t, n, http.MethodGet, "/plugins/"+testPluginID+"/whoami", "u1", "")
	assert.Equal(t, "u1", who["user_id"])
	assert.Equal(t, "/whoami", who["path"], "the /plugins/<id> prefix is stripped")

	req := httptest.NewRequest(http.MethodGet, "/whoami", nil)
	req.Header.Set("Mattermost-User-Id", "spoofed")
	rec := n.ServeHTTP(req, "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.NotContains(t, rec.Body.String(), "spoofed", "a client cannot set the user header")
}

// TestKVInsertIfAbsentAcrossNodes: 20 concurrent requests over two plugin processes race
// for one key; exactly one wins.
func TestKVInsertIfAbsentAcrossNodes(t *testing.T) {
	c := newCluster(t, 2)

	var mu sync.Mutex
	var winners []string
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			rec := c.Node(i%2).ServeHTTP(httptest.NewRequest(http.MethodPost, "/claim/order-42", nil), "")
			if !assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String()) {
				return
			}
			var out struct {
				Won      bool
				Instance string
			}
			assert.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
			if out.Won {
				mu.Lock()
				winners = append(winners, out.Instance)
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	require.Len(t, winners, 1)
	assert.Equal(t, winners[0], string(c.Store.KVValue(testPluginID, "claim/order-42")))
}

func TestClusterEventReachesTheOtherNode(t *testing.T) {
	c := newCluster(t, 2)
	sender := call(t, c.Node(0), http.MethodGet, "/instance", "", "")["instance"].(string)

	assert.Equal(t, "", call(t, c.Node(0), http.MethodPost, "/broadcast", "", "")["error"])
	c.WaitIdle()

	assert.Equal(t, 1, logsOn(c, "node2", "cluster event received"))
	assert.Equal(t, 0, logsOn(c, "node1", "cluster event received"), "the sender does not receive its own event")
	for _, e := range c.Store.Logs() {
		if e.Message == "cluster event received" {
			assert.Contains(t, e.KeyValues, sender)
		}
	}
}

// A delayed cluster event arrives after the publishing call returned, as in a real cluster,
// and WaitIdle still waits for it.
func TestClusterEventCanArriveLate(t *testing.T) {
	c := newCluster(t, 2)
	c.SetClusterEventDelay(300 * time.Millisecond)
	start := time.Now()
	assert.Equal(t, "", call(t, c.Node(0), http.MethodPost, "/broadcast", "", "")["error"])
	assert.Equal(t, 0, logsOn(c, "node2", "cluster event received"), "not yet delivered")
	c.WaitIdle()
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	assert.Equal(t, 1, logsOn(c, "node2", "cluster event received"))
}

func TestMessageHasBeenPosted(t *testing.T) {
	c := newCluster(t, 2)
	alice := c.Store.NewUser("alice")
	team := c.Store.NewTeam("support", alice.Id)
	ch := c.Store.NewChannel(team.Id, "inbox", model.ChannelTypeOpen, alice.Id)

	// A user's post: the hook runs on the node the user is connected to and the plugin
	// answers once.
	post, appErr := c.Node(1).CreatePostAs(alice.Id, &model.Post{ChannelId: ch.Id, Message: "hi"})
	require.Nil(t, appErr)
	harness.Eventually(t, 5*time.Second, func() bool { return len(c.Store.Posts(ch.Id)) == 2 }, "no echo")
	c.WaitIdle()

	posts := c.Store.Posts(ch.Id)
	require.Len(t, posts, 2, "echo suppression: the bot's own reply is not echoed")
	assert.Equal(t, "echo: hi", posts[1].Message)
	assert.Equal(t, post.Id, posts[1].RootId)
	assert.Equal(t, 2, logsOn(c, "node2", "MessageHasBeenPosted"), "the user's post and the plugin's own reply")
	assert.Equal(t, 0, logsOn(c, "node1", "MessageHasBeenPosted"))

	// A post the plugin makes itself also fires the hook, on its own node.
	call(t, c.Node(0), http.MethodPost, "/post?channel_id="+ch.Id, "", "from node one")
	c.WaitIdle()
	assert.Equal(t, 1, logsOn(c, "node1", "MessageHasBeenPosted"))

	rec := c.Node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, "/post?channel_id="+model.NewId(), strings.NewReader("x")), "")
	assert.Equal(t, http.StatusBadRequest, rec.Code, "API errors reach the plugin as AppErrors")
}

func TestDeactivateAndReactivate(t *testing.T) {
	c := newCluster(t, 2)
	n := c.Node(0)
	before := call(t, n, http.MethodGet, "/instance", "", "")["instance"]

	require.True(t, n.Deactivate())
	assert.Equal(t, 1, logsOn(c, "node1", "deactivated"), "OnDeactivate ran")
	assert.Equal(t, http.StatusNotFound, n.ServeHTTP(httptest.NewRequest(http.MethodGet, "/instance", nil), "").Code)
	assert.NoError(t, c.Node(1).Healthy(), "the other node is unaffected")

	require.NoError(t, n.Activate())
	after := call(t, n, http.MethodGet, "/instance", "", "")["instance"]
	assert.NotEqual(t, before, after, "a new process")
	assert.Len(t, c.Store.Commands(), 1, "re-registering a command replaces it")
}

func TestKillAndRestart(t *testing.T) {
	c := newCluster(t, 1)
	n := c.Node(0)

	require.NoError(t, n.Kill())
	assert.Error(t, n.Healthy())
	assert.Equal(t, http.StatusInternalServerError, n.ServeHTTP(httptest.NewRequest(http.MethodGet, "/instance", nil), "").Code,
		"the server answers 500 when the plugin RPC fails")

	require.NoError(t, n.Activate())
	require.NoError(t, n.Healthy())
	call(t, n, http.MethodGet, "/instance", "", "")
}

func TestUnavailableMethodReturnsAnError(t *testing.T) {
	c := newCluster(t, 1)
	out := call(t, c.Node(0), http.MethodGet, "/unavailable", "u1", "")
	assert.Contains(t, out["error"], "mmfake.not_implemented")
	assert.EqualValues(t, http.StatusNotImplemented, out["status"])
	require.NoError(t, c.Node(0).Healthy(), "the plugin survived")
}

func TestSettings(t *testing.T) {
	c := newCluster(t, 2, func(o *harness.Options) {
		o.PluginSettings = map[string]any{"Secret": "top-secret-value"}
	})

	for _, n := range c.Nodes {
		out := call(t, n, http.MethodGet, "/config", "", "")
		assert.Equal(t, "hello", out["greeting"], "manifest default")
		assert.Equal(t, true, out["secret_set"])
	}

	require.NoError(t, c.UpdateSettings(map[string]any{"Greeting": "olá"}))
	for _, n := range c.Nodes {
		assert.Equal(t, "olá", call(t, n, http.MethodGet, "/config", "", "")["greeting"], n.Name)
	}
	assert.NotContains(t, c.Logs(), "top-secret-value")
}

func TestCommandsDialogsAndWebSocket(t *testing.T) {
	c := newCluster(t, 1)
	n := c.Node(0)
	alice := c.Store.NewUser("alice")

	resp, appErr := n.ExecuteCommand(alice.Id, "", "", "/harness")
	require.Nil(t, appErr)
	assert.Equal(t, "hello "+alice.Id, resp.Text)

	_, appErr = n.ExecuteCommand(alice.Id, "", "", "/unknown")
	require.NotNil(t, appErr)
	assert.Equal(t, http.StatusNotFound, appErr.StatusCode)

	_, appErr = n.ExecuteCommand(alice.Id, "", "", "/harness dialog")
	require.Nil(t, appErr)
	dialogs := c.Store.Dialogs()
	require.Len(t, dialogs, 1)
	assert.Equal(t, alice.Id, dialogs[0].UserID)

	rec := n.ServeHTTP(httptest.NewRequest(http.MethodPost, "/notify", nil), alice.Id)
	require.Equal(t, http.StatusNoContent, rec.Code)
	events := c.Store.WebSocketEvents()
	require.Len(t, events, 1)
	assert.Equal(t, "custom_"+testPluginID+"_refresh", events[0].Type)
	assert.Equal(t, alice.Id, events[0].Broadcast.UserId)
}

// recordingTB keeps the errors a cluster reports at cleanup instead of failing the test, so
// a test can assert that the harness does report them.
type recordingTB struct {
	*testing.T
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) reported() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}

// faultReport runs path on a one-node cluster inside a subtest and returns what the
// cluster reported when it stopped.
func faultReport(t *testing.T, path string) string {
	binary := harness.BuildPlugin(t, "testdata/testplugin")
	var rec *recordingTB
	t.Run("inner", func(t *testing.T) {
		rec = &recordingTB{T: t}
		c := harness.New(rec, harness.Options{ManifestPath: "testdata/testplugin/plugin.json", BinaryPath: binary, Quiet: true})
		c.Node(0).ServeHTTP(httptest.NewRequest(http.MethodPost, path, nil), "")
	})
	return rec.reported()
}

func TestPluginPanicIsReported(t *testing.T) {
	assert.Contains(t, faultReport(t, "/panic"), "boom from the test plugin")
}

func TestPluginDataRaceIsReported(t *testing.T) {
	if !harness.PluginRace() {
		t.Skip("plugins are built with -race only when the tests are")
	}
	assert.Contains(t, faultReport(t, "/race"), "WARNING: DATA RACE")
}
