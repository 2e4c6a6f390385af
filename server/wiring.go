package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/action"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/command"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// wire builds the services once per activation. Settings are read through the plugin on every
// use, so a configuration change needs no rewiring.
func (p *Plugin) wire(botID string, signingKey []byte, phones store.Phones) {
	now := time.Now
	signer := action.Signer{Key: signingKey}
	p.people = &helpdesk.People{KV: p.kv, Phones: phones, Now: now, Merged: p.personForgotten}
	p.conversations = &helpdesk.Conversations{KV: p.kv, Now: now}
	p.messages = &helpdesk.Messages{KV: p.kv, Now: now, Lease: p.claimLease, Retention: 30 * 24 * time.Hour}
	credits := &helpdesk.Credits{
		KV: p.kv, Now: now,
		Granted:      func() int { return p.getConfiguration().CreditsGranted },
		LowThreshold: func() int { return p.getConfiguration().LowCreditThreshold },
	}
	p.outbound = &bridge.Outbound{
		API: p.API, KV: p.kv, BotUserID: botID, Conversations: p.conversations, People: p.people, Credits: credits,
		Texts: p.texts, Now: now,
		NotePrefix:          func() string { return p.getConfiguration().InternalNotePrefix },
		RouteForGroup:       p.routeForGroup,
		CreditsChanged:      p.publishCredits,
		Count:               p.stats.Inc,
		CredentialsRejected: p.alertAdmins,
		Node:                p.nodeID,
		Lease:               p.outboundLease,
		Ready:               p.configProblem,
		Signer:              signer,
	}
	p.desk = &workflow.Desk{
		API: p.API, BotUserID: botID, Conversations: p.conversations, People: p.people,
		Tickets:   &helpdesk.Tickets{KV: p.kv, Now: now},
		Macros:    &helpdesk.Macros{KV: p.kv, Now: now},
		Credits:   credits,
		Templates: &workflow.Templates{KV: p.kv, Now: now, Source: p.templateSource},
		Outbound:  p.outbound, Texts: p.texts, Signer: signer, Now: now,
		Settings:            p.workflowSettings,
		RouteForGroup:       p.routeForGroup,
		ConversationChanged: p.publishConversation,
		TicketChanged:       p.publishTicket,
		ConversationClosed:  p.conversationClosed,
		Lease:               p.outboundLease,
		Announce: func(c *helpdesk.Conversation) error {
			route, err := p.routeForGroup(c.Group)
			if err != nil {
				return err
			}
			return p.inbound.Announce(route, c)
		},
	}
	p.inbound = &bridge.Inbound{
		API: p.API, KV: p.kv, BotUserID: botID, People: p.people, Conversations: p.conversations, Messages: p.messages,
		Texts: p.texts, Emoji: format.NewEmoji(), Signer: signer, BusyWait: 3 * time.Second,
		NewConversation: func(c *helpdesk.Conversation) { go p.desk.NewConversation(c) },
		Changed:         p.publishConversation,
		Count:           p.stats.Inc,
	}
	p.views = &httpapi.Views{API: p.API, People: p.people, TeamName: func() string { return p.getConfiguration().TeamName }}
	p.commands = &command.Handler{API: p.API, Desk: p.desk, Texts: p.texts, Describe: p.outbound.Describe, Stats: p.statsText}
	p.privacy = p.newPrivacy(botID, now)
	p.commands.Privacy = p.privacy
}

// claimLease outlasts the slowest message processing: a media download may take
// mediaTimeoutFactor Graph timeouts.
func (p *Plugin) claimLease() time.Duration {
	return max(10*time.Second, (mediaTimeoutFactor+1)*time.Duration(p.getConfiguration().GraphAPITimeoutSeconds)*time.Second)
}

func (p *Plugin) workflowSettings() workflow.Settings {
	cfg := p.getConfiguration()
	groups, _ := cfg.groups()
	return workflow.Settings{AutoDistribution: cfg.AutoDistribution, MaxPerAgent: cfg.MaxConversationsPerAgent, Groups: groups}
}

func (p *Plugin) templateSource() (workflow.TemplateSource, error) {
	cfg := p.getConfiguration()
	if cfg.BusinessAccountID == "" {
		return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.no_waba")
	}
	route, err := p.routeFor(cfg.PhoneNumberID)
	if err != nil {
		return nil, err
	}
	src, ok := route.Graph.(workflow.TemplateSource)
	if !ok {
		return nil, errors.New("the Graph API client cannot list templates")
	}
	return src, nil
}

// Websocket events carry JSON strings: structs and typed maps break the plugin RPC's gob encoding.
func (p *Plugin) publish(event, key string, v any, groups ...string) {
	raw, err := json.Marshal(v)
	if err != nil {
		return
	}
	if len(groups) == 0 {
		all, _ := p.getConfiguration().groups()
		for _, g := range all {
			groups = append(groups, g.Name)
		}
	}
	for _, g := range groups {
		route, err := p.routeForGroup(g)
		if err != nil {
			continue
		}
		p.API.PublishWebSocketEvent(event, map[string]any{key: string(raw)}, &model.WebsocketBroadcast{ChannelId: route.QueueChannelID})
	}
}

// clusterEventConversationClosed tells the other nodes to drop their cache of a conversation.
const clusterEventConversationClosed = "conversation_closed"

func (p *Plugin) conversationClosed(convID string) {
	p.inbound.ForgetConversation(convID)
	if appErr := p.API.PublishPluginClusterEvent(
		model.PluginClusterEvent{Id: clusterEventConversationClosed, Data: []byte(convID)},
		model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable},
	); appErr != nil {
		p.API.LogWarn("Could not tell the cluster a conversation closed", "conversation_id", convID, "error", appErr.Error())
	}
}

func (p *Plugin) publishConversation(c *helpdesk.Conversation) {
	p.publish("conversation_updated", "conversation", p.views.Conversation(c), c.Group)
}

func (p *Plugin) publishTicket(t *helpdesk.Ticket) {
	if c, err := p.conversations.Get(t.ConversationID); err == nil {
		p.publish("ticket_updated", "ticket", p.views.Ticket(t), c.Group)
	}
}

func (p *Plugin) publishCredits(b helpdesk.CreditBalance) {
	p.publish("credits_updated", "credits", b)
}

func (p *Plugin) distribute() {
	defer p.recoverHook("distribute", nil)
	if p.configProblem() != nil || !p.getConfiguration().AutoDistribution {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), distributeInterval*4)
	defer cancel()
	p.desk.Distribute(ctx)
}

func (p *Plugin) syncTemplates() {
	defer p.recoverHook("syncTemplates", nil)
	if p.configProblem() != nil || p.getConfiguration().BusinessAccountID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.desk.Templates.Sync(ctx); err != nil {
		p.API.LogWarn("Periodic template sync failed", "error", err.Error())
	}
}

// alertAdmins tells every system admin, by DM from the bot and at most once an hour across the
// cluster, that WhatsApp refused the access token: nothing can be sent until it is replaced.
func (p *Plugin) alertAdmins(ge *whatsapp.GraphError) {
	p.API.LogError("WhatsApp refused the access token; update it in the plugin settings", "code", ge.Code, "subcode", ge.Subcode)
	first, err := store.Insert(p.kv, store.AdminAlertKey("credentials"), ge.Code, time.Hour)
	if err != nil || !first {
		return
	}
	admins, appErr := p.API.GetUsers(&model.UserGetOptions{Role: model.SystemAdminRoleId, Active: true, PerPage: 100})
	if appErr != nil {
		p.API.LogWarn("Could not list system admins", "error", appErr.Error())
		return
	}
	for _, admin := range admins {
		dm, appErr := p.API.GetDirectChannel(p.botUserID, admin.Id)
		if appErr != nil {
			continue
		}
		text := p.texts.T(p.texts.ForUser(admin.Id), "admin.token_rejected", map[string]any{"Code": ge.Code, "Reason": ge.Title()})
		_, _ = p.API.CreatePost(&model.Post{UserId: p.botUserID, ChannelId: dm.Id, Message: text})
	}
}
