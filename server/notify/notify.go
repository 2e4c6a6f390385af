// Package notify tells people and nodes what changed: websocket events that refresh agents'
// panels, cluster events that drop other nodes' caches, and direct messages to system admins.
package notify

import (
	"encoding/json"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Cluster events tell the other nodes to drop their cache of a conversation, or of a person
// (merged into another, or erased) so the next message from that phone is matched afresh.
const (
	ClusterEventConversationClosed = "conversation_closed"
	ClusterEventPersonForgotten    = "person_forgotten"
)

// API is the part of the Mattermost plugin API notifications use.
type API interface {
	PublishWebSocketEvent(event string, payload map[string]any, broadcast *model.WebsocketBroadcast)
	PublishPluginClusterEvent(ev model.PluginClusterEvent, opts model.PluginClusterEventSendOptions) error
	GetUsers(options *model.UserGetOptions) ([]*model.User, *model.AppError)
	GetDirectChannel(userID1, userID2 string) (*model.Channel, *model.AppError)
	CreatePost(post *model.Post) (*model.Post, *model.AppError)
	LogWarn(msg string, keyValuePairs ...any)
	LogError(msg string, keyValuePairs ...any)
}

// Routes gives each chat group's queue channel, where its agents listen (server/routing).
type Routes interface {
	ForGroup(name string) (bridge.Route, error)
	Groups() []helpdesk.Group
}

// Conversations finds a ticket's conversation, whose group decides who hears of the ticket.
type Conversations interface {
	Get(id string) (*helpdesk.Conversation, error)
}

// Forgetter drops what this node cached about a conversation or a person (server/bridge's Inbound).
type Forgetter interface {
	ForgetConversation(convID string)
	ForgetPerson(personID string)
}

// Notifier implements the notifications bridge and workflow ask for.
type Notifier struct {
	API           API
	KV            store.KV
	BotUserID     string
	Texts         *l10n.Translator
	Routes        Routes
	Views         *httpapi.Views
	Conversations Conversations
	// Cache is this node's cache of conversations, emptied when one closes here or elsewhere.
	Cache Forgetter
}

// ConversationChanged refreshes the panels of the conversation's chat group.
func (n *Notifier) ConversationChanged(c *helpdesk.Conversation) {
	n.publish("conversation_updated", "conversation", n.Views.Conversation(c), c.Group)
}

// ConversationOpened is ConversationChanged for a new conversation whose customer the caller
// holds, which spares reading them.
func (n *Notifier) ConversationOpened(c *helpdesk.Conversation, customer *helpdesk.Person) {
	n.publish("conversation_updated", "conversation", n.Views.ConversationOf(c, customer), c.Group)
}

// TicketChanged refreshes the panels of the ticket's chat group with the ticket's summary (no
// transcript).
func (n *Notifier) TicketChanged(t *helpdesk.Ticket) {
	if c, err := n.Conversations.Get(t.ConversationID); err == nil {
		n.publish("ticket_updated", "ticket", n.Views.TicketSummary(t), c.Group)
	}
}

// CreditsChanged refreshes every group's credit balance.
func (n *Notifier) CreditsChanged(b helpdesk.CreditBalance) {
	n.publish("credits_updated", "credits", b)
}

// ConversationClosed forgets the conversation here and tells the other nodes to.
func (n *Notifier) ConversationClosed(convID string) {
	if n.Cache != nil {
		n.Cache.ForgetConversation(convID)
	}
	n.tellCluster(ClusterEventConversationClosed, convID)
}

// PersonForgotten forgets the person here and tells the other nodes to.
func (n *Notifier) PersonForgotten(personID string) {
	if n.Cache != nil {
		n.Cache.ForgetPerson(personID)
	}
	n.tellCluster(ClusterEventPersonForgotten, personID)
}

func (n *Notifier) tellCluster(event, id string) {
	if err := n.API.PublishPluginClusterEvent(
		model.PluginClusterEvent{Id: event, Data: []byte(id)},
		model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable},
	); err != nil {
		n.API.LogWarn("Could not tell the cluster to drop a cached record", "event", event, "id", id, "error", err.Error())
	}
}

// ClusterEvent applies what another node announced.
func (n *Notifier) ClusterEvent(ev model.PluginClusterEvent) {
	if n.Cache == nil {
		return
	}
	switch ev.Id {
	case ClusterEventConversationClosed:
		n.Cache.ForgetConversation(string(ev.Data))
	case ClusterEventPersonForgotten:
		n.Cache.ForgetPerson(string(ev.Data))
	}
}

// CredentialsRejected tells every system admin, by DM from the bot and at most once an hour
// across the cluster, that WhatsApp refused the access token: nothing can be sent until it is
// replaced.
func (n *Notifier) CredentialsRejected(ge *whatsapp.GraphError) {
	n.API.LogError("WhatsApp refused the access token; update it in the plugin settings", "code", ge.Code, "subcode", ge.Subcode)
	first, err := store.Insert(n.KV, store.AdminAlertKey("credentials"), ge.Code, time.Hour)
	if err != nil || !first {
		return
	}
	admins, appErr := n.API.GetUsers(&model.UserGetOptions{Role: model.SystemAdminRoleId, Active: true, PerPage: 100})
	if appErr != nil {
		n.API.LogWarn("Could not list system admins", "error", appErr.Error())
		return
	}
	for _, admin := range admins {
		dm, appErr := n.API.GetDirectChannel(n.BotUserID, admin.Id)
		if appErr != nil {
			continue
		}
		text := n.Texts.T(n.Texts.ForUser(admin.Id), "admin.token_rejected", map[string]any{"Code": ge.Code, "Reason": ge.Title()})
		_, _ = n.API.CreatePost(&model.Post{UserId: n.BotUserID, ChannelId: dm.Id, Message: text})
	}
}

// publish sends an event to the queue channels of groups (all groups when none is named).
// Websocket events carry JSON strings: structs and typed maps break the plugin RPC's gob
// encoding.
func (n *Notifier) publish(event, key string, v any, groups ...string) {
	raw, err := json.Marshal(v)
	if err != nil {
		return
	}
	if len(groups) == 0 {
		for _, g := range n.Routes.Groups() {
			groups = append(groups, g.Name)
		}
	}
	for _, g := range groups {
		route, err := n.Routes.ForGroup(g)
		if err != nil {
			continue
		}
		n.API.PublishWebSocketEvent(event, map[string]any{key: string(raw)}, &model.WebsocketBroadcast{ChannelId: route.QueueChannelID})
	}
}
