package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// patchConversation replaces an open conversation's tags: {"tags": [...]} (the panel's editor;
// /whatsapp tag and untag do the same from the channel).
func (a *API) patchConversation(w http.ResponseWriter, r *http.Request, userID string) {
	var body struct {
		Tags *[]string `json:"tags"`
	}
	if err := decode(r, &body); err != nil {
		a.fail(w, userID, err)
		return
	}
	if body.Tags == nil {
		a.fail(w, userID, helpdesk.Refuse(helpdesk.ErrInvalid, "error.bad_body"))
		return
	}
	conv, err := a.Desk.SetTags(userID, mux.Vars(r)["id"], *body.Tags)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.Views.Conversation(conv))
}
