// Command floorplugin is the benchmark baseline: for each request it does only what any exactly-
// once ingest must do through the plugin RPC, an atomic KV insert (the dedupe claim) and one
// CreatePost, so the real plugin's cost can be reported as a ratio of it.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
)

type Plugin struct {
	plugin.MattermostPlugin
}

func (p *Plugin) ServeHTTP(_ *plugin.Context, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 3<<20))
	sum := sha256.Sum256(body)
	won, appErr := p.API.KVSetWithOptions("claim/"+hex.EncodeToString(sum[:16]), []byte("1"), model.PluginKVSetOptions{Atomic: true, OldValue: nil})
	if appErr != nil || !won {
		http.Error(w, "duplicate", http.StatusConflict)
		return
	}
	if _, appErr := p.API.CreatePost(&model.Post{UserId: r.URL.Query().Get("user_id"), ChannelId: r.URL.Query().Get("channel_id"), Message: string(body[:min(len(body), 64)])}); appErr != nil {
		http.Error(w, appErr.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func main() {
	plugin.ClientMain(&Plugin{})
}
