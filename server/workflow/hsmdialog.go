package workflow

import (
	"encoding/json"

	"github.com/pkg/errors"
)

// ErrForgedDialog refuses an HSM dialog submission whose state was not signed for its user.
var ErrForgedDialog = errors.New("the dialog's state is not valid")

// HSMDialogState travels through the HSM dialog; its signature ties it to the conversation, the
// agent who opened it and the template chosen (empty: the agent picks one in the dialog).
type HSMDialogState struct {
	ConversationID string `json:"conversation_id"`
	Template       string `json:"template,omitempty"`
	Sig            string `json:"sig"`
}

// HSMDialogState returns the signed state of an HSM dialog userID opens on a conversation.
func (d *Desk) HSMDialogState(userID, convID, template string) string {
	st := HSMDialogState{ConversationID: convID, Template: template, Sig: d.Signer.Sign("hsm", convID, userID, template)}
	raw, _ := json.Marshal(st)
	return string(raw)
}

// ReadHSMDialogState checks a submitted dialog's state against the user submitting it.
func (d *Desk) ReadHSMDialogState(userID, raw string) (HSMDialogState, error) {
	var st HSMDialogState
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return HSMDialogState{}, errors.Wrap(ErrForgedDialog, "malformed state")
	}
	if userID == "" || !d.Signer.Valid(st.Sig, "hsm", st.ConversationID, userID, st.Template) {
		return HSMDialogState{}, ErrForgedDialog
	}
	return st, nil
}
