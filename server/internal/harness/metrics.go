package harness

import (
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
)

// ScrapeMetrics requests path from the plugin as the server's metrics listener does for
// /plugins/<id>/metrics/...: the prefix is stripped (the plugin sees "/" or "/subpath") and no
// user is set. A plugin that does not implement ServeMetrics answers 404.
func (n *Node) ScrapeMetrics(path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	hooks := n.hooksImplementing(plugin.ServeMetricsID)
	if hooks == nil {
		http.NotFound(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec
	}
	sub := strings.TrimPrefix(path, "/plugins/"+n.id()+"/metrics")
	if sub == "" {
		sub = "/"
	}
	req := httptest.NewRequest(http.MethodGet, sub, nil)
	hooks.ServeMetrics(&plugin.Context{RequestId: model.NewId()}, rec, req)
	return rec
}
