// Package helpdesk holds the helpdesk rules: people, conversations, chat groups and the
// exactly-once bookkeeping of WhatsApp messages. It knows the KV store but not Mattermost posts.
package helpdesk

import (
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/hours"
)

// DefaultGroupName names the chat group formed by the plugin's top-level settings.
const DefaultGroupName = "default"

// Group is a chat group: one WhatsApp number feeding one queue channel, whose members are the agents.
type Group struct {
	Name                 string `json:"name"`
	PhoneNumberID        string `json:"phone_number_id"`
	QueueChannel         string `json:"queue_channel"`
	QueueEntryMessage    string `json:"queue_entry_message,omitempty"`
	StartMessage         string `json:"start_message,omitempty"`
	EndMessage           string `json:"end_message,omitempty"`
	AgentsOfflineMessage string `json:"agents_offline_message,omitempty"`
	// Business hours (server/hours): weekly intervals one day a line, an IANA zone and holidays.
	BusinessHours     string `json:"business_hours,omitempty"`
	TimeZone          string `json:"time_zone,omitempty"`
	Holidays          string `json:"holidays,omitempty"`
	OutOfHoursMessage string `json:"out_of_hours_message,omitempty"`
	// Language of the customer-facing survey buttons ("en" or "pt-BR"; empty = the server's).
	Language string `json:"language,omitempty"`

	// Hours is BusinessHours parsed when the settings are loaded (nil = always open).
	Hours *hours.Schedule `json:"-"`
}

// OpenAt reports whether the group is inside its business hours at t.
func (g Group) OpenAt(t time.Time) bool { return g.Hours.Open(t) }
