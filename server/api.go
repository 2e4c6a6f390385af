package main

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
)

// newRouter maps the plugin's HTTP surface: the WhatsApp webhook (signed by Meta, no user), the
// webapp API and post actions (both require the Mattermost-User-Id header the server sets).
func (p *Plugin) newRouter(views *httpapi.Views) *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/webhook", p.webhook.Verify).Methods(http.MethodGet)
	r.HandleFunc("/webhook", p.webhook.Receive).Methods(http.MethodPost)

	api := &httpapi.API{PluginAPI: p.API, Desk: p.desk, Views: views, Texts: p.texts}
	v1 := r.PathPrefix("/api/v1").Subrouter()
	api.Register(v1)
	api.RegisterPrivacy(v1, p.privacy)

	actions := &httpapi.Handlers{
		API: p.API, BotUserID: p.botUserID, Desk: p.desk, Signer: p.desk.Signer, Texts: p.texts,
		SendHSM: p.desk.SendHSMList, SendAgain: p.outbound.Resend, Ephemeral: p.outbound.Ephemeral,
	}
	r.HandleFunc("/actions/attend", actions.Attend).Methods(http.MethodPost)
	r.HandleFunc("/actions/invite/accept", actions.Invite(true)).Methods(http.MethodPost)
	r.HandleFunc("/actions/invite/decline", actions.Invite(false)).Methods(http.MethodPost)
	r.HandleFunc("/actions/resend", actions.Resend).Methods(http.MethodPost)
	r.HandleFunc("/dialogs/hsm", actions.HSMDialog).Methods(http.MethodPost)
	r.HandleFunc("/dialogs/start", actions.StartDialog).Methods(http.MethodPost)

	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteError(w, http.StatusNotFound, "not found")
	})
	return r
}

// ServeMetrics answers the server's metrics listener at /plugins/whatsapp-helpdesk/metrics with
// this node's counters and latency histograms in Prometheus' text format.
func (p *Plugin) ServeMetrics(_ *plugin.Context, w http.ResponseWriter, r *http.Request) {
	p.stats.Handler().ServeHTTP(w, r)
}
