package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// StartDialog completes /whatsapp start's dialog: the conversation is started and the agent is
// told where, in the channel they typed the command in.
func (h *Handlers) StartDialog(w http.ResponseWriter, r *http.Request) {
	var st workflow.StartDialogState
	req, userID, ok := h.dialogSubmission(w, r, func(userID, state string) (err error) {
		st, err = h.Desk.ReadStartDialogState(userID, state)
		return err
	})
	if !ok {
		return
	}
	phone, _ := req.Submission["phone"].(string)
	template, values := templateChoice(req.Submission, st.Template)
	name, language, _ := strings.Cut(template, "|")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conv, err := h.Desk.Start(ctx, userID, workflow.StartRequest{Phone: phone, Template: name, Language: language, Params: values, ChannelID: st.ChannelID})
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		_ = json.NewEncoder(w).Encode(model.SubmitDialogResponse{Error: h.describe(userID, err)})
		return
	}
	if h.Ephemeral != nil {
		l := h.Texts.ForUser(userID)
		h.Ephemeral(userID, st.ChannelID, h.Texts.T(l, "cmd.start.done", map[string]any{
			"Customer": conv.CustomerName, "Channel": bridge.ChannelName(conv.ID), "Template": name,
		}))
	}
	w.WriteHeader(http.StatusOK)
}
