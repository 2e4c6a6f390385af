// Package helpdesk holds the helpdesk rules: people, conversations, chat groups and the
// exactly-once bookkeeping of WhatsApp messages. It knows the KV store but not Mattermost posts.
package helpdesk

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
}
