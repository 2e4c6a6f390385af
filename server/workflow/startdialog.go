package workflow

import (
	"encoding/json"

	"github.com/pkg/errors"
)

// StartDialogState travels through /whatsapp start's dialog; its signature ties it to the agent
// who opened it, the channel they typed the command in (which picks the chat group) and the
// template chosen (empty: the agent picks one in the dialog).
type StartDialogState struct {
	ChannelID string `json:"channel_id"`
	Template  string `json:"template,omitempty"`
	Sig       string `json:"sig"`
}

// StartDialogState returns the signed state of a start dialog userID opens in a channel.
func (d *Desk) StartDialogState(userID, channelID, template string) string {
	st := StartDialogState{ChannelID: channelID, Template: template, Sig: d.Signer.Sign("start", channelID, userID, template)}
	raw, _ := json.Marshal(st)
	return string(raw)
}

// ReadStartDialogState checks a submitted start dialog's state against the user submitting it.
func (d *Desk) ReadStartDialogState(userID, raw string) (StartDialogState, error) {
	var st StartDialogState
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return StartDialogState{}, errors.Wrap(ErrForgedDialog, "malformed state")
	}
	if userID == "" || !d.Signer.Valid(st.Sig, "start", st.ChannelID, userID, st.Template) {
		return StartDialogState{}, ErrForgedDialog
	}
	return st, nil
}
