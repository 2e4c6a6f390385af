package main

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
)

// newRouter maps the plugin's HTTP surface: the WhatsApp webhook (signed by Meta, no user), the
// webapp API and post actions (both require the Mattermost-User-Id header the server sets).
func (p *Plugin) newRouter() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/webhook", p.handleWebhookVerify).Methods(http.MethodGet)
	r.Handle("/webhook", p.timed(http.HandlerFunc(p.handleWebhook))).Methods(http.MethodPost)

	api := &httpapi.API{PluginAPI: p.API, Desk: p.desk, Views: p.views, Describe: p.outbound.Describe, TicketChanged: p.publishTicket}
	v1 := r.PathPrefix("/api/v1").Subrouter()
	api.Register(v1)
	api.RegisterPrivacy(v1, p.privacy)

	actions := &httpapi.Handlers{
		API: p.API, BotUserID: p.botUserID, Desk: p.desk, Signer: p.desk.Signer, Texts: p.texts,
		Describe: p.outbound.Describe, SendHSM: p.desk.SendHSMList, SendAgain: p.outbound.Resend,
	}
	r.HandleFunc("/actions/attend", actions.Attend).Methods(http.MethodPost)
	r.HandleFunc("/actions/invite/accept", actions.Invite(true)).Methods(http.MethodPost)
	r.HandleFunc("/actions/invite/decline", actions.Invite(false)).Methods(http.MethodPost)
	r.HandleFunc("/actions/resend", actions.Resend).Methods(http.MethodPost)
	r.HandleFunc("/dialogs/hsm", actions.HSMDialog).Methods(http.MethodPost)

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

// timed records how long each webhook request took and what it was answered.
func (p *Plugin) timed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		p.stats.ObserveWebhook(sw.status, time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
