package bridge

import (
	"sync/atomic"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Routes finds where a chat group's conversations live (server/routing).
type Routes interface {
	ForNumber(phoneNumberID string) (Route, error)
	ForGroup(name string) (Route, error)
}

// ConversationNotifier is told about every conversation the plugin created or changed, so agents'
// browsers refresh (server/notify).
type ConversationNotifier interface {
	ConversationChanged(*helpdesk.Conversation)
	// ConversationOpened tells of a new conversation, with its customer at hand.
	ConversationOpened(*helpdesk.Conversation, *helpdesk.Person)
}

// Notifier is what the outbound side tells: balances after debits, and a refused access token,
// which system admins must learn at once rather than from agents (server/notify).
type Notifier interface {
	CreditsChanged(helpdesk.CreditBalance)
	CredentialsRejected(*whatsapp.GraphError)
}

// Counter records what happened to messages and sends (server/metrics).
type Counter interface {
	Inc(name string, reason ...string)
}

// Starter runs a new conversation's automatic steps once its first message is stored
// (server/workflow: automatic messages, distribution).
type Starter interface {
	NewConversation(*helpdesk.Conversation)
}

// Settings are the parts of the configuration the outbound side reads; the plugin pushes them
// on every configuration change.
type Settings struct {
	// NotePrefix marks an agent's post as an internal note that stays in Mattermost.
	NotePrefix string
	// Lease bounds one post's send, after which another node may mark it (0 = 2 minutes).
	Lease time.Duration
	// Problem is a settings problem that stops every send, or nil.
	Problem error
}

// settingsHolder keeps the latest Settings; the zero value reads as zero Settings.
type settingsHolder struct{ p atomic.Pointer[Settings] }

func (h *settingsHolder) get() Settings {
	if s := h.p.Load(); s != nil {
		return *s
	}
	return Settings{}
}

// Configure adopts new settings; sends already running keep the ones they started with.
func (o *Outbound) Configure(s Settings) { o.settings.p.Store(&s) }

// NotePrefix is the prefix that keeps an agent's post inside Mattermost.
func (o *Outbound) NotePrefix() string { return o.settings.get().NotePrefix }
