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
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteError(w, http.StatusNotFound, "not found")
	})
	return r
}
