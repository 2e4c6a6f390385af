package workflow

import (
	"sort"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// SetPaused pauses or resumes automatic distribution to userID. A paused agent keeps the
// conversations they attend and may still attend by hand.
func (d *Desk) SetPaused(userID string, paused bool) error {
	if !d.IsAnyAgent(userID) {
		return helpdesk.Refuse(ErrForbidden, "cmd.not_agent")
	}
	if d.pauses == nil {
		return nil
	}
	if err := d.pauses.Set(userID, paused); err != nil {
		return err
	}
	if !paused && d.Settings().AutoDistribution {
		go d.distributeDetached() // a resumed agent has room for the waiting conversations now
	}
	return nil
}

// IsPaused reports whether userID paused distribution; an unreadable pause counts as paused, so
// nothing is handed to an agent who may have asked for a break.
func (d *Desk) IsPaused(userID string) bool {
	if d.pauses == nil {
		return false
	}
	paused, err := d.pauses.Paused(userID)
	if err != nil {
		d.API.LogWarn("Could not read an agent's pause", "user_id", userID, "error", err.Error())
		return true
	}
	return paused
}

// AgentView is one agent of the user's chat groups as the panel lists them.
type AgentView struct {
	UserID   string   `json:"user_id"`
	Username string   `json:"username"`
	Name     string   `json:"name"`
	Online   bool     `json:"online"`
	Paused   bool     `json:"paused"`
	Active   int      `json:"active"`
	Groups   []string `json:"groups"`
}

// Agents lists the agents of userID's chat groups with their status, pause and load.
func (d *Desk) Agents(userID string) ([]AgentView, error) {
	byID := map[string]*AgentView{}
	for _, g := range d.AgentGroups(userID) {
		ids, err := d.groupAgents(g)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if v, ok := byID[id]; ok {
				v.Groups = append(v.Groups, g)
				continue
			}
			byID[id] = &AgentView{UserID: id, Groups: []string{g}}
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	online := map[string]bool{}
	if len(ids) > 0 {
		statuses, appErr := d.API.GetUserStatusesByIds(ids)
		if appErr == nil {
			for _, s := range statuses {
				online[s.UserId] = s.Status == model.StatusOnline
			}
		}
	}
	out := make([]AgentView, 0, len(ids))
	for _, id := range ids {
		v := byID[id]
		if u, appErr := d.API.GetUser(id); appErr == nil {
			v.Username, v.Name = u.Username, displayName(u)
		}
		v.Online, v.Paused = online[id], d.IsPaused(id)
		if n, err := d.conversations.Load(id); err == nil {
			v.Active = n
		}
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, nil
}
