package main

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
)

// newRouter maps the plugin's HTTP surface: the WhatsApp webhook (signed by Meta, no user), the
// webapp API and post actions (both require the Mattermost-User-Id header the server sets).
func (p *Plugin) newRouter() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/webhook", p.handleWebhookVerify).Methods(http.MethodGet)
	r.HandleFunc("/webhook", p.handleWebhook).Methods(http.MethodPost)

	api := &httpapi.API{PluginAPI: p.API, Desk: p.desk, Views: p.views, Describe: p.outbound.Describe, TicketChanged: p.publishTicket}
	api.Register(r.PathPrefix("/api/v1").Subrouter())

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
