package helpdesk

import (
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// ReminderLead is how long before the window closes the attending agent is reminded.
const ReminderLead = time.Hour

// ReminderDue reports whether c's window reminder is due at now: an attended, active
// conversation whose customer wrote 23 or more hours ago, with the window still open.
func (c *Conversation) ReminderDue(now time.Time) bool {
	if c.State != StateActive || c.AgentID == "" || c.LastInboundAt == 0 {
		return false
	}
	ms := now.UnixMilli()
	return ms >= c.WindowExpiresAt()-ReminderLead.Milliseconds() && ms < c.WindowExpiresAt()
}

// ClaimReminder wins once per window of a conversation, on any node: a new customer message
// starts a new window and so a new claim. The claim outlives the window, then expires.
func (cs *Conversations) ClaimReminder(c *Conversation) (bool, error) {
	return store.Insert(cs.KV, store.WindowReminderKey(c.ID, c.LastInboundAt), true, Window+ReminderLead)
}
