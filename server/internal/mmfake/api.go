package mmfake

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pkg/errors"

	"github.com/mattermost/mattermost/server/public/model"
)

// API is the plugin API of one plugin on one node. Methods it does not define come from
// Base and answer "unavailable".
type API struct {
	Base

	store    *Store
	manifest *model.Manifest
	pluginID string
	node     string
}

// Node is the node name given to NewAPI.
func (a *API) Node() string { return a.node }

// Store is the store behind this API.
func (a *API) Store() *Store { return a.store }

func (a *API) GetPluginID() string { return a.pluginID }

func (a *API) GetServerVersion() string { return model.CurrentVersion }

func (a *API) IsEnterpriseReady() bool { return false }

func (a *API) GetLicense() *model.License { return nil }

func (a *API) GetDiagnosticId() string {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.diagnostic
}

func (a *API) GetTelemetryId() string { return a.GetDiagnosticId() }

func (a *API) GetSystemInstallDate() (int64, *model.AppError) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.installDate, nil
}

// GetBundlePath answers the node's directory for this plugin, as registered with
// SetBundlePath (the harness does), and an error when none was registered.
func (a *API) GetBundlePath() (string, error) {
	a.store.mu.Lock()
	path := a.store.bundlePaths[bundleKey(a.node, a.pluginID)]
	a.store.mu.Unlock()
	if path == "" {
		return "", errors.Errorf("mmfake: no bundle path for plugin %s on node %q", a.pluginID, a.node)
	}
	return path, nil
}

// SetBundlePath records where a plugin's files are on a node, for GetBundlePath.
func (s *Store) SetBundlePath(nodeName, pluginID, dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bundlePaths[bundleKey(nodeName, pluginID)] = dir
}

func bundleKey(node, pluginID string) string { return node + "\x00" + pluginID }

// Configuration.

// GetConfig returns the configuration with secrets masked, including plugin settings
// marked secret in their manifest, as the server does.
func (a *API) GetConfig() *model.Config {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.sanitizedConfig()
}

func (s *Store) sanitizedConfig() *model.Config {
	cfg := s.config.Clone()
	manifests := make([]*model.Manifest, 0, len(s.manifests))
	for _, m := range s.manifests {
		manifests = append(manifests, m)
	}
	cfg.Sanitize(manifests, nil)
	return cfg
}

func (a *API) GetUnsanitizedConfig() *model.Config {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.config.Clone()
}

// SaveConfig replaces the configuration. Masked values (model.FakeSetting) coming back from
// GetConfig keep their stored value, as the server's desanitize step does for plugin settings.
func (a *API) SaveConfig(config *model.Config) *model.AppError {
	if config == nil {
		return appError("SaveConfig", "api.config.update_config.app_error", 400, "nil config")
	}
	a.store.mu.Lock()
	cfg := config.Clone()
	for id, settings := range cfg.PluginSettings.Plugins {
		old := a.store.config.PluginSettings.Plugins[id]
		for k, v := range settings {
			if v == model.FakeSetting {
				settings[k] = old[k]
			}
		}
	}
	a.store.config = cfg
	a.store.mu.Unlock()
	a.store.configChanged(a.node)
	return nil
}

func (a *API) GetPluginConfig() map[string]any {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	if cfg, ok := a.store.sanitizedConfig().PluginSettings.Plugins[a.pluginID]; ok {
		return cfg
	}
	return map[string]any{}
}

func (a *API) SavePluginConfig(config map[string]any) *model.AppError {
	a.store.SetPluginSettings(a.pluginID, config)
	a.store.configChanged(a.node)
	return nil
}

// LoadPluginConfiguration decodes the plugin's settings into dest the way the server does:
// manifest defaults overlaid with saved settings, keys lowercased, one JSON round trip.
func (a *API) LoadPluginConfiguration(dest any) error {
	final := map[string]any{}
	if a.manifest.SettingsSchema != nil {
		for _, setting := range a.manifest.SettingsSchema.Settings {
			final[strings.ToLower(setting.Key)] = setting.Default
		}
	}
	a.store.mu.Lock()
	for k, v := range a.store.config.PluginSettings.Plugins[a.pluginID] {
		final[strings.ToLower(k)] = v
	}
	a.store.mu.Unlock()

	b, err := json.Marshal(final)
	if err != nil {
		return errors.Wrap(err, "marshal plugin configuration")
	}
	return json.Unmarshal(b, dest)
}

// UpdateConfig edits the stored configuration in place, without firing
// OnConfigurationChange (set things up before activation).
func (s *Store) UpdateConfig(edit func(*model.Config)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	edit(s.config)
}

// Config returns a copy of the unsanitized configuration.
func (s *Store) Config() *model.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.config.Clone()
}

// SetPluginSettings replaces a plugin's saved settings without firing
// OnConfigurationChange.
func (s *Store) SetPluginSettings(pluginID string, settings map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.config.PluginSettings.Plugins == nil {
		s.config.PluginSettings.Plugins = map[string]map[string]any{}
	}
	s.config.PluginSettings.Plugins[pluginID] = cloneSettings(settings)
}

// PluginSettings returns a copy of a plugin's saved (unsanitized) settings.
func (s *Store) PluginSettings(pluginID string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneSettings(s.config.PluginSettings.Plugins[pluginID])
}

func cloneSettings(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func (s *Store) configChanged(node string) {
	if f := s.getEvents().ConfigurationChanged; f != nil {
		s.async(func() { f(node) })
	}
}

// Logging.

// LogEntry is one LogDebug/LogInfo/LogWarn/LogError call.
type LogEntry struct {
	Node      string
	PluginID  string
	Level     string // "debug", "info", "warn" or "error"
	Message   string
	KeyValues []any
}

// String renders the entry as one line: level, message, then key=value pairs.
func (e LogEntry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s %s: %s", e.Node, strings.ToUpper(e.Level), e.PluginID, e.Message)
	for i := 0; i < len(e.KeyValues); i += 2 {
		if i+1 < len(e.KeyValues) {
			fmt.Fprintf(&b, " %v=%v", e.KeyValues[i], e.KeyValues[i+1])
		} else {
			fmt.Fprintf(&b, " %v", e.KeyValues[i])
		}
	}
	return b.String()
}

func (a *API) log(level, msg string, kv []any) {
	e := LogEntry{Node: a.node, PluginID: a.pluginID, Level: level, Message: msg, KeyValues: append([]any(nil), kv...)}
	a.store.mu.Lock()
	a.store.logs = append(a.store.logs, e)
	sink := a.store.events.Log
	a.store.mu.Unlock()
	if sink != nil {
		sink(e)
	}
}

func (a *API) LogDebug(msg string, keyValuePairs ...any) { a.log("debug", msg, keyValuePairs) }
func (a *API) LogInfo(msg string, keyValuePairs ...any)  { a.log("info", msg, keyValuePairs) }
func (a *API) LogWarn(msg string, keyValuePairs ...any)  { a.log("warn", msg, keyValuePairs) }
func (a *API) LogError(msg string, keyValuePairs ...any) { a.log("error", msg, keyValuePairs) }

// Logs returns every recorded log entry, oldest first.
func (s *Store) Logs() []LogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LogEntry(nil), s.logs...)
}

// LogText renders all log entries, one per line: handy for "never logs the secret" checks.
func (s *Store) LogText() string {
	var b strings.Builder
	for _, e := range s.Logs() {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}
