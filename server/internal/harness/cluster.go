package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/mmfake"
)

// Options configures a cluster.
type Options struct {
	// ManifestPath is the plugin's plugin.json. Directories next to it named assets,
	// public and i18n are linked into every node's bundle, as a packaged plugin has them.
	ManifestPath string
	// BinaryPath is the plugin executable, usually from BuildPlugin.
	BinaryPath string
	// Nodes is the number of plugin processes; 0 means 1.
	Nodes int
	// PluginSettings are the plugin's saved settings before activation.
	PluginSettings map[string]any
	// SiteURL defaults to http://localhost:8065.
	SiteURL string
	// Store lets a test seed data before the plugin activates; nil means a new store.
	Store *mmfake.Store
	// SkipActivate leaves the nodes inactive, for tests of activation itself.
	SkipActivate bool
	// Quiet stops echoing the plugin's API logs and the supervisor's logs to t.Log.
	Quiet bool
	// AllowPanics stops a plugin panic from failing the test, for tests that provoke one.
	AllowPanics bool
	// ClusterEventDelay holds every plugin cluster event this long before the other nodes get
	// it, as a real cluster delivers them asynchronously (SetClusterEventDelay changes it).
	ClusterEventDelay time.Duration
}

// Cluster is one shared store and the nodes running the plugin against it.
type Cluster struct {
	Store    *mmfake.Store
	Manifest *model.Manifest
	Nodes    []*Node

	t      testing.TB
	opts   Options
	logger *testLogger
	// eventDelay is ClusterEventDelay in nanoseconds, changeable while the cluster runs.
	eventDelay atomic.Int64
}

// SetClusterEventDelay makes plugin cluster events published from now on reach the other
// nodes d later (0: at once). WaitIdle still waits for them.
func (c *Cluster) SetClusterEventDelay(d time.Duration) { c.eventDelay.Store(int64(d)) }

// IdleTimeout bounds WaitIdle and the wait for in-flight hooks at cleanup.
var IdleTimeout = 10 * time.Second

// New starts a cluster and activates the plugin on every node (unless SkipActivate),
// failing the test if any activation fails. Everything stops in t.Cleanup.
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	raw, err := os.ReadFile(opts.ManifestPath)
	if err != nil {
		t.Fatalf("harness: read manifest: %v", err)
	}
	var manifest model.Manifest
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatalf("harness: parse manifest %s: %v", opts.ManifestPath, err)
	}
	if manifest.Id == "" {
		t.Fatalf("harness: manifest %s has no id", opts.ManifestPath)
	}
	if opts.BinaryPath == "" {
		t.Fatalf("harness: Options.BinaryPath is empty (use BuildPlugin)")
	}
	if opts.Nodes <= 0 {
		opts.Nodes = 1
	}

	store := opts.Store
	if store == nil {
		store = mmfake.NewStore()
	}
	if opts.SiteURL != "" {
		store.UpdateConfig(func(c *model.Config) { c.ServiceSettings.SiteURL = model.NewPointer(opts.SiteURL) })
	}
	if opts.PluginSettings != nil {
		store.SetPluginSettings(manifest.Id, opts.PluginSettings)
	}

	c := &Cluster{Store: store, Manifest: &manifest, t: t, opts: opts, logger: &testLogger{t: t, quiet: opts.Quiet}}
	c.eventDelay.Store(int64(opts.ClusterEventDelay))
	c.wireEvents()

	// Before the cleanups below: t.TempDir's own cleanup must run after them.
	root := t.TempDir()

	// Cleanups run last-in first-out: stop plugins first, then check their output, then
	// stop logging to t (which must not be used once the test has finished).
	t.Cleanup(c.logger.close)
	t.Cleanup(c.checkServerLogs)
	t.Cleanup(c.shutdown)

	for i := range opts.Nodes {
		n, err := newNode(c, root, fmt.Sprintf("node%d", i+1), raw)
		if err != nil {
			t.Fatalf("harness: %v", err)
		}
		c.Nodes = append(c.Nodes, n)
	}
	if !opts.SkipActivate {
		for _, n := range c.Nodes {
			if err := n.Activate(); err != nil {
				t.Fatalf("harness: activate on %s: %v", n.Name, err)
			}
		}
	}
	return c
}

// Node returns the i-th node, counting from 0.
func (c *Cluster) Node(i int) *Node { return c.Nodes[i] }

func (c *Cluster) nodeNamed(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// WaitIdle waits until every asynchronous hook the server started (MessageHasBeenPosted,
// OnPluginClusterEvent, ...) has returned, including hooks those hooks caused. It fails
// the test after IdleTimeout.
func (c *Cluster) WaitIdle() {
	c.t.Helper()
	if !c.Store.WaitIdle(IdleTimeout) {
		c.t.Fatalf("harness: hooks still running after %s", IdleTimeout)
	}
}

// UpdateSettings merges settings into the plugin's saved settings (a nil value removes a
// key) and runs OnConfigurationChange on every active node before returning, as a System
// Console save does. It returns the hooks' errors.
func (c *Cluster) UpdateSettings(settings map[string]any) error {
	merged := c.Store.PluginSettings(c.Manifest.Id)
	for k, v := range settings {
		if v == nil {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	c.Store.SetPluginSettings(c.Manifest.Id, merged)

	var errs []error
	for _, n := range c.Nodes {
		if h := n.Hooks(); h != nil {
			if err := h.OnConfigurationChange(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Logs renders everything the plugin logged through the API and everything the
// supervisors logged (plugin stderr, RPC errors), for "this secret is never logged" checks.
func (c *Cluster) Logs() string {
	var b strings.Builder
	b.WriteString(c.Store.LogText())
	for _, n := range c.Nodes {
		b.WriteString(n.ServerLog())
	}
	return b.String()
}

func (c *Cluster) shutdown() {
	if !c.Store.WaitIdle(IdleTimeout) {
		c.t.Errorf("harness: hooks still running after %s at shutdown", IdleTimeout)
	}
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Go(n.shutdown)
	}
	wg.Wait()
}

// crashLine matches the first line of a Go panic or fatal error in the plugin's stderr as
// the supervisor logs it ("error [time] panic: ...").
var crashLine = regexp.MustCompile(`(?m)\] (panic|fatal error): `)

// checkServerLogs fails the test on a data race or a panic inside a plugin process: the
// server would survive both, so a test would otherwise pass over them.
func (c *Cluster) checkServerLogs() {
	for _, n := range c.Nodes {
		out := n.ServerLog()
		if strings.Contains(out, "WARNING: DATA RACE") {
			c.t.Errorf("harness: data race in the plugin on %s:\n%s", n.Name, out)
		}
		if !c.opts.AllowPanics && crashLine.MatchString(out) {
			c.t.Errorf("harness: the plugin panicked on %s:\n%s", n.Name, out)
		}
	}
}

// wireEvents routes the store's server-side events to plugin hooks the way the server
// does: post and reaction hooks on the node where the change was made, cluster events to
// every other node, configuration changes to every node.
func (c *Cluster) wireEvents() {
	hooks := func(node string, hookID int) plugin.Hooks {
		if n := c.nodeNamed(node); n != nil {
			return n.hooksImplementing(hookID)
		}
		return nil
	}
	c.Store.SetEvents(mmfake.Events{
		MessageWillBePosted: func(node string, post *model.Post) (*model.Post, string) {
			if h := hooks(node, plugin.MessageWillBePostedID); h != nil {
				return h.MessageWillBePosted(newContext(), post)
			}
			return nil, ""
		},
		MessageWillBeUpdated: func(node string, newPost, oldPost *model.Post) (*model.Post, string) {
			if h := hooks(node, plugin.MessageWillBeUpdatedID); h != nil {
				return h.MessageWillBeUpdated(newContext(), newPost, oldPost)
			}
			return nil, ""
		},
		MessageHasBeenPosted: func(node string, post *model.Post) {
			if h := hooks(node, plugin.MessageHasBeenPostedID); h != nil {
				h.MessageHasBeenPosted(newContext(), post)
			}
		},
		MessageHasBeenUpdated: func(node string, newPost, oldPost *model.Post) {
			if h := hooks(node, plugin.MessageHasBeenUpdatedID); h != nil {
				h.MessageHasBeenUpdated(newContext(), newPost, oldPost)
			}
		},
		MessageHasBeenDeleted: func(node string, post *model.Post) {
			if h := hooks(node, plugin.MessageHasBeenDeletedID); h != nil {
				h.MessageHasBeenDeleted(newContext(), post)
			}
		},
		ReactionHasBeenAdded: func(node string, r *model.Reaction) {
			if h := hooks(node, plugin.ReactionHasBeenAddedID); h != nil {
				h.ReactionHasBeenAdded(newContext(), r)
			}
		},
		ReactionHasBeenRemoved: func(node string, r *model.Reaction) {
			if h := hooks(node, plugin.ReactionHasBeenRemovedID); h != nil {
				h.ReactionHasBeenRemoved(newContext(), r)
			}
		},
		PluginClusterEvent: func(from, pluginID string, ev model.PluginClusterEvent) {
			if pluginID != c.Manifest.Id {
				return
			}
			// This runs in the store's asynchronous delivery, so the wait delays only the event.
			if d := time.Duration(c.eventDelay.Load()); d > 0 {
				time.Sleep(d)
			}
			for _, n := range c.Nodes {
				if n.Name == from {
					continue
				}
				if h := n.hooksImplementing(plugin.OnPluginClusterEventID); h != nil {
					h.OnPluginClusterEvent(newContext(), ev)
				}
			}
		},
		ConfigurationChanged: func(string) {
			for _, n := range c.Nodes {
				if h := n.Hooks(); h != nil {
					if err := h.OnConfigurationChange(); err != nil {
						c.logger.Logf("harness: OnConfigurationChange on %s: %v", n.Name, err)
					}
				}
			}
		},
		Log: func(e mmfake.LogEntry) { c.logger.Logf("%s", e) },
	})
}

func newContext() *plugin.Context {
	return &plugin.Context{RequestId: model.NewId()}
}

// testLogger forwards to t.Log until the test finishes; goroutines that outlive it (a
// plugin logging while it stops) must not call t.Log afterwards.
type testLogger struct {
	mu     sync.Mutex
	t      testing.TB
	quiet  bool
	closed bool
}

func (l *testLogger) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed && !l.quiet {
		l.t.Logf(format, args...)
	}
}

func (l *testLogger) Write(p []byte) (int, error) {
	l.Logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (l *testLogger) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
}

// linkBundleExtras links the directories a packaged plugin carries next to plugin.json.
func linkBundleExtras(srcDir, bundleDir string) error {
	for _, name := range []string{"assets", "public", "i18n"} {
		src := filepath.Join(srcDir, name)
		if _, err := os.Stat(src); err != nil {
			continue
		}
		if err := os.Symlink(src, filepath.Join(bundleDir, name)); err != nil {
			return err
		}
	}
	return nil
}
