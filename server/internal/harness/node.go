package harness

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/mattermost/mattermost/server/public/shared/mlog"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/mmfake"
)

// Node is one server of the cluster: its own plugin directory, plugin.Environment and
// plugin process, sharing the cluster's store.
type Node struct {
	Name string

	cluster   *Cluster
	env       *plugin.Environment
	bundleDir string
	execPath  string
	logger    *mlog.Logger
	serverLog *lockedBuffer
	// calls counts what the plugin asks of the server, across activations of this node.
	calls *mmfake.Counting
}

func newNode(c *Cluster, clusterDir, name string, manifestJSON []byte) (*Node, error) {
	m := c.Manifest
	root := filepath.Join(clusterDir, name)
	pluginsDir := filepath.Join(root, "plugins")
	bundleDir := filepath.Join(pluginsDir, m.Id)
	webappDir := filepath.Join(root, "client", "plugins")
	for _, d := range []string{bundleDir, webappDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(bundleDir, "plugin.json"), manifestJSON, 0o644); err != nil {
		return nil, err
	}

	rel := m.GetExecutableForRuntime(runtime.GOOS, runtime.GOARCH)
	if rel == "" {
		return nil, fmt.Errorf("manifest has no server executable for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	execPath := filepath.Join(bundleDir, filepath.Clean(rel))
	if err := os.MkdirAll(filepath.Dir(execPath), 0o755); err != nil {
		return nil, err
	}
	// A symlink per node: the process's argv[0] still names this node's path, which is
	// how Kill finds it.
	binary, err := filepath.Abs(c.opts.BinaryPath)
	if err != nil {
		return nil, err
	}
	if err := os.Symlink(binary, execPath); err != nil {
		return nil, err
	}

	srcDir, err := filepath.Abs(filepath.Dir(c.opts.ManifestPath))
	if err != nil {
		return nil, err
	}
	if err := linkBundleExtras(srcDir, bundleDir); err != nil {
		return nil, err
	}
	if m.HasWebapp() {
		if err := placeWebappBundle(srcDir, bundleDir, m.Webapp.BundlePath); err != nil {
			return nil, err
		}
	}

	n := &Node{Name: name, cluster: c, bundleDir: bundleDir, execPath: execPath, serverLog: &lockedBuffer{}}
	n.logger, err = mlog.NewLogger()
	if err != nil {
		return nil, err
	}
	all := append(append([]mlog.Level{}, mlog.StdAll...), mlog.LvlCritical)
	if err := mlog.AddWriterTarget(n.logger, n.serverLog, false, all...); err != nil {
		return nil, err
	}
	// t.Log gets info and above: the debug lines are go-plugin's process chatter.
	echo := []mlog.Level{mlog.LvlPanic, mlog.LvlFatal, mlog.LvlCritical, mlog.LvlError, mlog.LvlWarn, mlog.LvlInfo, mlog.LvlStdLog}
	if err := mlog.AddWriterTarget(n.logger, prefixWriter{prefix: "[" + name + " server] ", w: c.logger}, false, echo...); err != nil {
		return nil, err
	}

	c.Store.SetBundlePath(name, m.Id, bundleDir)
	n.calls = mmfake.NewCounting(nil)
	n.env, err = plugin.NewEnvironment(func(m *model.Manifest) plugin.API {
		return n.calls.Wrap(c.Store.NewAPI(m, name))
	}, nil, pluginsDir, webappDir, n.logger, nil)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// placeWebappBundle links the built webapp bundle into the node's bundle, or writes a stub
// so a server-side test does not depend on a webapp build (activation requires the file).
func placeWebappBundle(srcDir, bundleDir, bundlePath string) error {
	dst := filepath.Join(bundleDir, filepath.Clean(bundlePath))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	src := filepath.Join(srcDir, filepath.Clean(bundlePath))
	if data, err := os.ReadFile(src); err == nil {
		// A copy, not a link: the environment copies the bundle's folder and skips links.
		return os.WriteFile(dst, data, 0o644)
	}
	return os.WriteFile(dst, []byte("// harness: webapp bundle stub\n"), 0o644)
}

// API is the plugin API as the plugin sees it on this node, for calling it directly from a
// test (seeding KV through the plugin's own namespace, say).
func (n *Node) API() *mmfake.API { return n.cluster.Store.NewAPI(n.cluster.Manifest, n.Name) }

// PID is the process id of the node's running plugin.
func (n *Node) PID() (int, error) { return findChild(n.execPath) }

// APICalls counts the plugin API calls this node's plugin made, by method.
func (n *Node) APICalls() *mmfake.Counting { return n.calls }

// Env is the node's plugin environment, for anything the helpers do not cover.
func (n *Node) Env() *plugin.Environment { return n.env }

// BundleDir is the node's copy of the plugin bundle (GetBundlePath answers it).
func (n *Node) BundleDir() string { return n.bundleDir }

func (n *Node) id() string { return n.cluster.Manifest.Id }

// Activate starts the plugin process and runs OnActivate, then checks the process is
// still alive: a panic in OnActivate reports success to the server but kills the plugin.
// On an active, healthy node it does nothing; on a crashed node it restarts the plugin.
func (n *Node) Activate() error {
	if n.env.IsActive(n.id()) {
		if n.env.PerformHealthCheck(n.id()) == nil {
			return nil
		}
		n.env.Deactivate(n.id())
	}
	if _, _, err := n.env.Activate(n.id()); err != nil {
		return err
	}
	if err := n.env.PerformHealthCheck(n.id()); err != nil {
		return fmt.Errorf("plugin died during activation: %w\n%s", err, n.ServerLog())
	}
	return nil
}

// Deactivate runs OnDeactivate and stops the plugin process. It reports whether the
// plugin was active.
func (n *Node) Deactivate() bool {
	return n.env.Deactivate(n.id())
}

// Active reports whether the server considers the plugin running (a killed plugin still
// counts until its health check fails and the server restarts it).
func (n *Node) Active() bool { return n.env.IsActive(n.id()) }

// Healthy pings the plugin process over RPC.
func (n *Node) Healthy() error {
	if !n.Active() {
		return errors.New("plugin is not active")
	}
	return n.env.PerformHealthCheck(n.id())
}

// Kill sends SIGKILL to the plugin process, as a crash would, and waits until the server
// side notices. Activate restarts it.
func (n *Node) Kill() error {
	pid, err := findChild(n.execPath)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.Healthy() == nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("plugin process %d still answers after SIGKILL", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// findChild finds this process's child whose argv[0] is path (Linux /proc).
func findChild(path string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("find plugin process: %w", err)
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name in field 2 may contain spaces; fields after its ")" are plain.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(self) {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if argv0, _, _ := bytes.Cut(cmdline, []byte{0}); string(argv0) == path {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no running plugin process for %s", path)
}

// Hooks returns the running plugin's hooks, or nil when it is not active.
func (n *Node) Hooks() plugin.Hooks {
	h, err := n.env.HooksForPlugin(n.id())
	if err != nil {
		return nil
	}
	return h
}

// Implements reports whether the active plugin implements a hook (plugin.ServeHTTPID, ...).
// A hook with a wrong signature does not count: the server silently skips it.
func (n *Node) Implements(hookID int) bool {
	return n.Active() && n.env.HasPluginImplementing(hookID)
}

func (n *Node) hooksImplementing(hookID int) plugin.Hooks {
	if !n.Implements(hookID) {
		return nil
	}
	return n.Hooks()
}

// ServeHTTP sends a request to the plugin as the server's /plugins/{id} route does: a
// "/plugins/<id>" prefix is stripped, Mattermost-User-Id is removed and, when userID is
// not empty, set to userID (an authenticated session). An inactive plugin answers 404.
func (n *Node) ServeHTTP(req *http.Request, userID string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	hooks := n.Hooks()
	if hooks == nil {
		http.NotFound(rec, req)
		return rec
	}
	r := req.Clone(req.Context())
	prefix := "/plugins/" + n.id()
	if strings.HasPrefix(r.URL.Path, prefix) {
		r.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		r.URL.RawPath = ""
	}
	r.Header.Del("Mattermost-User-Id")
	if userID != "" {
		r.Header.Set("Mattermost-User-Id", userID)
	}
	hooks.ServeHTTP(&plugin.Context{
		RequestId:      model.NewId(),
		IPAddress:      r.RemoteAddr,
		AcceptLanguage: r.Header.Get("Accept-Language"),
		UserAgent:      r.UserAgent(),
	}, rec, r)
	return rec
}

// ExecuteCommand runs a slash command as the server does for userID in channelID: only a
// trigger this plugin registered reaches it, and the args carry a signed trigger id so the
// plugin can open a dialog.
func (n *Node) ExecuteCommand(userID, channelID, teamID, command string) (*model.CommandResponse, *model.AppError) {
	return n.ExecuteCommandArgs(&model.CommandArgs{UserId: userID, ChannelId: channelID, TeamId: teamID, Command: command})
}

// ExecuteCommandArgs is ExecuteCommand with full control of the args (RootId, ...). An
// empty TriggerId or SiteURL is filled in.
func (n *Node) ExecuteCommandArgs(args *model.CommandArgs) (*model.CommandResponse, *model.AppError) {
	fields := strings.Fields(args.Command)
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "/") {
		return nil, model.NewAppError("ExecuteCommand", "api.command.execute_command.start.app_error", nil, "", http.StatusBadRequest)
	}
	trigger := strings.TrimPrefix(fields[0], "/")
	if owner, ok := n.cluster.Store.CommandOwner(args.TeamId, trigger); !ok || owner != n.id() {
		return nil, model.NewAppError("ExecuteCommand", "api.command.execute_command.not_found.app_error", map[string]any{"Trigger": trigger}, "", http.StatusNotFound)
	}
	hooks := n.Hooks()
	if hooks == nil {
		return nil, model.NewAppError("ExecuteCommand", "api.command.execute_command.failed.app_error", nil, "plugin not active", http.StatusInternalServerError)
	}
	a := *args
	if a.TriggerId == "" {
		a.TriggerId = n.cluster.Store.NewTriggerID(a.UserId)
	}
	if a.SiteURL == "" {
		a.SiteURL = *n.cluster.Store.Config().ServiceSettings.SiteURL
	}
	return hooks.ExecuteCommand(newContext(), &a)
}

// CreatePostAs posts as userID through this node, as a user's client would: the user
// needs create_post in the channel (a member), the plugin's MessageWillBePosted runs
// first, then MessageHasBeenPosted runs asynchronously on this node (use Cluster.WaitIdle
// or Eventually to wait for it).
func (n *Node) CreatePostAs(userID string, post *model.Post) (*model.Post, *model.AppError) {
	return n.cluster.Store.CreatePostAs(n.Name, userID, post)
}

// ServerLog is what this node's supervisor logged: plugin stdout/stderr (panics, race
// reports), RPC failures, activation errors.
func (n *Node) ServerLog() string {
	_ = n.logger.Flush()
	return n.serverLog.String()
}

func (n *Node) shutdown() {
	n.env.Shutdown()
	_ = n.logger.Shutdown()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type prefixWriter struct {
	prefix string
	w      *testLogger
}

func (p prefixWriter) Write(b []byte) (int, error) {
	p.w.Logf("%s%s", p.prefix, strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
