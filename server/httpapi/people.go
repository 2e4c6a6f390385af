package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

func (a *API) patchPerson(w http.ResponseWriter, r *http.Request, userID string) {
	var body struct {
		Name         *string `json:"name"`
		Email        *string `json:"email"`
		Phone        *string `json:"phone"`
		Organization *string `json:"organization"`
		Notes        *string `json:"notes"`
	}
	if err := decode(r, &body); err != nil {
		a.fail(w, userID, err)
		return
	}
	patch := helpdesk.PersonPatch{Name: body.Name, Email: body.Email, Phone: body.Phone, Organization: body.Organization, Notes: body.Notes}
	p, err := a.Desk.EditPerson(userID, mux.Vars(r)["id"], patch)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, personView(p))
}

func (a *API) mergePerson(w http.ResponseWriter, r *http.Request, userID string) {
	var body struct {
		Into string `json:"into"`
	}
	if err := decode(r, &body); err != nil {
		a.fail(w, userID, err)
		return
	}
	p, err := a.Desk.MergePeople(userID, mux.Vars(r)["id"], body.Into)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, personView(p))
}
