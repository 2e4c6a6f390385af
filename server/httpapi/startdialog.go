package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// StartDialog completes /whatsapp start's dialog: the conversation is started and the agent is
// told where, in the channel they typed the command in.
func (h *Handlers) StartDialog(w http.ResponseWriter, r *http.Request) {
	var req model.SubmitDialogRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	userID := r.Header.Get("Mattermost-User-Id")
	var st workflow.StartDialogState
	if err == nil {
		st, err = h.Desk.ReadStartDialogState(userID, req.State)
	}
	if err != nil || req.UserId != userID {
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(model.SubmitDialogResponse{Error: h.Texts.T(h.Texts.ForUser(userID), "action.forged", nil)})
		return
	}
	if req.Cancelled {
		w.WriteHeader(http.StatusOK)
		return
	}
	phone, _ := req.Submission["phone"].(string)
	template := st.Template
	var values []string
	if template == "" {
		template, _ = req.Submission["template"].(string)
		raw, _ := req.Submission["params"].(string)
		for _, line := range strings.Split(raw, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				values = append(values, line)
			}
		}
	} else {
		for i := 0; ; i++ {
			v, ok := req.Submission["p"+strconv.Itoa(i)].(string)
			if !ok {
				break
			}
			values = append(values, v)
		}
	}
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
