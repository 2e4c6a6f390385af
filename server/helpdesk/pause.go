package helpdesk

import (
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Pauses records the agents who asked to receive no automatic distribution for a while. One
// small key per agent, shared by every node; they can still attend by hand.
type Pauses struct {
	KV  store.KV
	Now func() time.Time
}

// Set pauses (paused) or resumes userID.
func (p *Pauses) Set(userID string, paused bool) error {
	if !paused {
		return p.KV.Delete(store.AgentPauseKey(userID))
	}
	return store.SetJSON(p.KV, store.AgentPauseKey(userID), p.Now().UnixMilli())
}

// Paused reports whether userID paused distribution.
func (p *Pauses) Paused(userID string) (bool, error) {
	var since int64
	return store.GetJSON(p.KV, store.AgentPauseKey(userID), &since)
}
