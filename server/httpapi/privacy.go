package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/privacy"
)

// RegisterPrivacy mounts the LGPD routes (system admins only; the privacy service decides).
func (a *API) RegisterPrivacy(r *mux.Router, svc *privacy.Service) {
	p := &privacyAPI{API: a, svc: svc}
	r.Handle("/people/{id}/export", a.agent(p.export)).Methods(http.MethodGet)
	r.Handle("/people/{id}", a.agent(p.erase)).Methods(http.MethodDelete)
	r.Handle("/privacy/audit", a.agent(p.audit)).Methods(http.MethodGet)
}

type privacyAPI struct {
	*API
	svc *privacy.Service
}

// export answers everything stored about a person as a JSON document (a download).
func (p *privacyAPI) export(w http.ResponseWriter, r *http.Request, userID string) {
	id := mux.Vars(r)["id"]
	e, err := p.svc.Export(userID, id)
	if err != nil {
		p.fail(w, userID, err)
		return
	}
	raw, err := privacy.ExportJSON(e)
	if err != nil {
		p.fail(w, userID, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="lgpd-export-`+id+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(raw) //nolint:gosec // a JSON document served as an attachment, not HTML
}

// erase removes a person and everything about them, answering what was removed.
func (p *privacyAPI) erase(w http.ResponseWriter, r *http.Request, userID string) {
	counts, err := p.svc.Erase(userID, mux.Vars(r)["id"])
	if err != nil {
		p.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"status": "erased", "erased": counts})
}

// audit lists the erasures (who, when, why, how much; no personal data).
func (p *privacyAPI) audit(w http.ResponseWriter, _ *http.Request, userID string) {
	entries, err := p.svc.Audit(userID)
	if err != nil {
		p.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, entries)
}
