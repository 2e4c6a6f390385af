package httpapi

import (
	"net/http"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// HoursView says which of the agent's chat groups are inside business hours, for the panel's
// "outside business hours" banner.
type HoursView struct {
	Groups []workflow.GroupHours `json:"groups"`
	// OutsideHours names the agent's groups that are outside business hours now.
	OutsideHours []string `json:"outside_hours"`
}

func (a *API) hours(w http.ResponseWriter, _ *http.Request, userID string) {
	out := HoursView{Groups: a.Desk.Hours(userID), OutsideHours: []string{}}
	for _, g := range out.Groups {
		if !g.Open {
			out.OutsideHours = append(out.OutsideHours, g.Group)
		}
	}
	WriteJSON(w, http.StatusOK, out)
}
