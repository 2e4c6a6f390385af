package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// dialogSubmission reads a dialog's submission and checks that it is the caller's own, with a
// state the desk signed for them (read decodes it into the caller's state value). A forgery is
// refused and a cancel answered here; ok is false when the handler has nothing more to do.
func (h *Handlers) dialogSubmission(w http.ResponseWriter, r *http.Request, read func(userID, state string) error) (req model.SubmitDialogRequest, userID string, ok bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	userID = r.Header.Get("Mattermost-User-Id")
	if err == nil {
		err = read(userID, req.State)
	}
	if err != nil || req.UserId != userID {
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(model.SubmitDialogResponse{Error: h.Texts.T(h.Texts.ForUser(userID), "action.forged", nil)})
		return req, userID, false
	}
	if req.Cancelled {
		w.WriteHeader(http.StatusOK)
		return req, userID, false
	}
	return req, userID, true
}

// templateChoice is the template a dialog's submission names ("name|language") and its
// parameters: the state's template with one field per placeholder (p0, p1, …), or the picked
// one with its parameters one a line.
func templateChoice(submission map[string]any, stateTemplate string) (template string, values []string) {
	if stateTemplate == "" {
		template, _ = submission["template"].(string)
		raw, _ := submission["params"].(string)
		for _, line := range strings.Split(raw, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				values = append(values, line)
			}
		}
		return template, values
	}
	for i := 0; ; i++ {
		v, ok := submission["p"+strconv.Itoa(i)].(string)
		if !ok {
			return stateTemplate, values
		}
		values = append(values, v)
	}
}
