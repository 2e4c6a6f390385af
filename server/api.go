package main

import (
	"encoding/json"
	"net/http"

	"github.com/gorilla/mux"
)

// newRouter maps the plugin's HTTP surface: the WhatsApp webhook (signed by Meta, no user), the
// webapp API and post actions (both require the Mattermost-User-Id header the server sets).
func (p *Plugin) newRouter() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/webhook", p.handleWebhookVerify).Methods(http.MethodGet)
	r.HandleFunc("/webhook", p.handleWebhook).Methods(http.MethodPost)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
	return r
}

// writeError answers {"error": msg}, the one error shape of the plugin's HTTP surface.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
