// Command testplugin is a throwaway plugin for the harness's own tests: each endpoint or
// hook exercises one piece of the fake server through the real plugin RPC.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/mattermost/mattermost/server/public/pluginapi"
)

type configuration struct {
	Greeting string
	Secret   string
}

type Plugin struct {
	plugin.MattermostPlugin

	client   *pluginapi.Client
	instance string // tells the nodes apart in logs and responses
	botID    string
	router   *http.ServeMux

	mu  sync.RWMutex
	cfg configuration
}

func main() {
	plugin.ClientMain(&Plugin{})
}

func (p *Plugin) OnActivate() error {
	p.client = pluginapi.NewClient(p.API, p.Driver)
	p.instance = model.NewId()

	botID, err := p.client.Bot.EnsureBot(&model.Bot{Username: "harness-bot", DisplayName: "Harness Bot"})
	if err != nil {
		return err
	}
	p.botID = botID

	if err := p.API.RegisterCommand(&model.Command{Trigger: "harness", AutoComplete: true}); err != nil {
		return err
	}

	r := http.NewServeMux()
	r.HandleFunc("POST /claim/{key}", p.claim)
	r.HandleFunc("GET /instance", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"instance": p.instance, "bot_id": p.botID})
	})
	r.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"user_id": r.Header.Get("Mattermost-User-Id"), "path": r.URL.Path})
	})
	r.HandleFunc("GET /config", func(w http.ResponseWriter, _ *http.Request) {
		p.mu.RLock()
		defer p.mu.RUnlock()
		writeJSON(w, map[string]any{"greeting": p.cfg.Greeting, "secret_set": p.cfg.Secret != ""})
	})
	r.HandleFunc("POST /broadcast", func(w http.ResponseWriter, _ *http.Request) {
		err := p.API.PublishPluginClusterEvent(model.PluginClusterEvent{Id: "ping", Data: []byte(p.instance)},
			model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable})
		writeJSON(w, map[string]any{"error": errString(err)})
	})
	r.HandleFunc("POST /post", p.post)
	r.HandleFunc("GET /unavailable", func(w http.ResponseWriter, r *http.Request) {
		_, appErr := p.API.GetLDAPUserAttributes(r.Header.Get("Mattermost-User-Id"), []string{"mail"})
		if appErr == nil {
			writeJSON(w, map[string]any{"error": ""})
			return
		}
		writeJSON(w, map[string]any{"error": appErr.Error(), "status": appErr.StatusCode})
	})
	r.HandleFunc("POST /notify", func(w http.ResponseWriter, r *http.Request) {
		p.API.PublishWebSocketEvent("refresh", map[string]any{"instance": p.instance},
			&model.WebsocketBroadcast{UserId: r.Header.Get("Mattermost-User-Id")})
		w.WriteHeader(http.StatusNoContent)
	})
	// Deliberate faults, for the tests proving the harness reports them.
	r.HandleFunc("POST /panic", func(http.ResponseWriter, *http.Request) {
		panic("boom from the test plugin")
	})
	r.HandleFunc("POST /race", func(w http.ResponseWriter, _ *http.Request) {
		counter := 0
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { counter++ })
		}
		wg.Wait()
		writeJSON(w, map[string]any{"counter": counter})
	})
	p.router = r

	p.API.LogInfo("activated", "instance", p.instance)
	return nil
}

func (p *Plugin) OnDeactivate() error {
	p.API.LogInfo("deactivated", "instance", p.instance)
	return nil
}

// OnConfigurationChange logs whether a secret is set, never its value: the harness tests
// check the logs for it.
func (p *Plugin) OnConfigurationChange() error {
	var cfg configuration
	if err := p.API.LoadPluginConfiguration(&cfg); err != nil {
		return err
	}
	p.mu.Lock()
	p.cfg = cfg
	p.mu.Unlock()
	p.API.LogInfo("configuration loaded", "greeting", cfg.Greeting, "secret_set", cfg.Secret != "")
	return nil
}

func (p *Plugin) ServeHTTP(_ *plugin.Context, w http.ResponseWriter, r *http.Request) {
	p.router.ServeHTTP(w, r)
}

// claim is the exactly-once primitive: only the first caller for a key wins, on any node.
func (p *Plugin) claim(w http.ResponseWriter, r *http.Request) {
	won, appErr := p.API.KVSetWithOptions("claim/"+r.PathValue("key"), []byte(p.instance),
		model.PluginKVSetOptions{Atomic: true, OldValue: nil, ExpireInSeconds: 3600})
	if appErr != nil {
		http.Error(w, appErr.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"won": won, "instance": p.instance})
}

func (p *Plugin) post(w http.ResponseWriter, r *http.Request) {
	msg, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
	post, appErr := p.API.CreatePost(&model.Post{
		UserId:    p.botID,
		ChannelId: r.URL.Query().Get("channel_id"),
		Message:   string(msg),
		Props:     model.StringInterface{"from_harness_bot": true},
	})
	if appErr != nil {
		http.Error(w, appErr.Error(), appErr.StatusCode)
		return
	}
	writeJSON(w, map[string]any{"post_id": post.Id})
}

// MessageHasBeenPosted answers user posts in their thread, once across the cluster, and
// ignores its own posts (echo suppression).
func (p *Plugin) MessageHasBeenPosted(_ *plugin.Context, post *model.Post) {
	p.API.LogInfo("MessageHasBeenPosted", "post_id", post.Id, "instance", p.instance)
	if post.UserId == p.botID || post.GetProp("from_harness_bot") != nil {
		return
	}
	won, appErr := p.API.KVSetWithOptions("echo/"+post.Id, []byte(p.instance), model.PluginKVSetOptions{Atomic: true})
	if appErr != nil || !won {
		return
	}
	rootID := post.RootId
	if rootID == "" {
		rootID = post.Id
	}
	if _, appErr := p.API.CreatePost(&model.Post{
		UserId:    p.botID,
		ChannelId: post.ChannelId,
		RootId:    rootID,
		Message:   "echo: " + post.Message,
		Props:     model.StringInterface{"from_harness_bot": true},
	}); appErr != nil {
		p.API.LogError("echo failed", "err", appErr.Error())
	}
}

func (p *Plugin) OnPluginClusterEvent(_ *plugin.Context, ev model.PluginClusterEvent) {
	p.API.LogInfo("cluster event received", "id", ev.Id, "from", string(ev.Data), "instance", p.instance)
}

func (p *Plugin) ExecuteCommand(_ *plugin.Context, args *model.CommandArgs) (*model.CommandResponse, *model.AppError) {
	if args.Command == "/harness dialog" {
		if appErr := p.API.OpenInteractiveDialog(model.OpenDialogRequest{
			TriggerId: args.TriggerId,
			URL:       "/plugins/com.example.harness-testplugin/dialog",
			Dialog:    model.Dialog{Title: "Harness", CallbackId: "cb"},
		}); appErr != nil {
			return nil, appErr
		}
		return &model.CommandResponse{}, nil
	}
	p.mu.RLock()
	greeting := p.cfg.Greeting
	p.mu.RUnlock()
	return &model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: greeting + " " + args.UserId}, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
