package main

import (
	"context"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/action"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/command"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/notify"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/pacing"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/privacy"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/reports"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/routing"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/webhook"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// wire builds the services once per activation; configure then pushes the settings to them.
func (p *Plugin) wire(botID string, signingKey []byte, phones store.Phones) {
	now := p.now
	signer := action.Signer{Key: signingKey}
	people := &helpdesk.People{KV: p.kv, Phones: phones, Now: now}
	tickets := &helpdesk.Tickets{KV: p.kv, Now: now}
	conversations := &helpdesk.Conversations{KV: p.kv, Now: now}
	messages := &helpdesk.Messages{KV: p.kv, Now: now, Lease: p.claimLease, Retention: 30 * 24 * time.Hour}
	credits := &helpdesk.Credits{
		KV: p.kv, Now: now,
		Granted:      func() int { return p.getConfiguration().CreditsGranted },
		LowThreshold: func() int { return p.getConfiguration().LowCreditThreshold },
	}
	// Indicator days follow a chat group's business-hours time zone (UTC without business hours).
	indicators := &reports.Service{KV: p.kv, Location: p.groupLocation}
	p.routes = &routing.Routes{API: p.API, BotUserID: botID, Texts: p.texts, Instrument: p.stats, Pacer: p.clusterPacer,
		MediaBudget: whatsapp.NewMediaBudget(mediaBudgetBytes),
	}
	views := &httpapi.Views{API: p.API, People: people, Team: p.routes}
	p.notifier = &notify.Notifier{
		API: p.API, KV: p.kv, BotUserID: botID, Texts: p.texts,
		Routes: p.routes, Views: views, Conversations: conversations,
	}
	p.outbound = &bridge.Outbound{
		API: p.API, KV: p.kv, BotUserID: botID, Conversations: conversations, People: people, Credits: credits,
		Texts: p.texts, Now: now, Routes: p.routes, Notify: p.notifier, Metrics: p.stats, Node: p.nodeID, Signer: signer,
	}
	p.inbound = &bridge.Inbound{
		API: p.API, KV: p.kv, BotUserID: botID, People: people, Conversations: conversations, Messages: messages,
		Texts: p.texts, Emoji: format.NewEmoji(), Signer: signer, BusyWait: 3 * time.Second, Now: now,
		Routes: p.routes, Notify: p.notifier, Metrics: p.stats,
	}
	p.desk = workflow.NewDesk(workflow.Deps{
		API: p.API, BotUserID: botID, Outbound: p.outbound, Texts: p.texts, Signer: signer, Now: now,
		Routes: p.routes, Notify: p.notifier, Announcer: p.inbound, Opener: p.inbound,
	}, workflow.Stores{
		Conversations: conversations, People: people, Credits: credits,
		Tickets:   tickets,
		Macros:    &helpdesk.Macros{KV: p.kv, Now: now},
		Templates: &workflow.Templates{KV: p.kv, Now: now, Sources: p.routes},
		Pauses:    &helpdesk.Pauses{KV: p.kv, Now: now},
		Reports:   indicators,
	})
	// The two directions of the object graph close here: a new conversation starts the desk's
	// automatic steps, and a close empties the inbound cache.
	p.inbound.Starter = p.desk
	p.inbound.Survey = p.desk
	p.notifier.Cache = p.inbound
	people.Merged = p.notifier.PersonForgotten
	p.inbound.PersonChanged = p.notifier.PersonForgotten
	p.inbound.OptOutWords = func() helpdesk.OptOutWords { return p.getConfiguration().optOutWords }
	p.privacy = &privacy.Service{
		API: p.API, KV: p.kv, BotUserID: botID,
		People: people, Conversations: conversations, Tickets: tickets,
		Texts: p.texts, Now: now, IsAdmin: p.desk.IsAdmin, Forget: p.notifier,
	}
	p.commands = &command.Handler{API: p.API, Desk: p.desk, Texts: p.texts, Stats: p.stats, Privacy: p.privacy}
	p.webhook = webhook.NewHandler(p.API, p.routes, p.inbound, p.outbound, p.stats)
	p.router = p.newRouter(views)
}

// configure pushes the current settings to every service and prepares the chat groups' channels.
// It runs on activation and on every configuration change.
func (p *Plugin) configure() {
	if p.desk == nil {
		return // not activated yet: OnActivate configures once the services exist
	}
	cfg, problem := p.getConfiguration(), p.configProblem()
	groups, _ := cfg.groups()
	p.webhook.Configure(webhook.Settings{AppSecret: cfg.AppSecret, VerifyToken: cfg.WebhookVerifyToken, Problem: problem})
	p.outbound.Configure(bridge.Settings{NotePrefix: cfg.InternalNotePrefix, Lease: p.outboundLease(), Problem: problem})
	p.desk.Configure(workflow.Settings{
		AutoDistribution: cfg.AutoDistribution, MaxPerAgent: cfg.MaxConversationsPerAgent, Groups: groups, Lease: p.outboundLease(),
		Survey: workflow.Survey{Enabled: cfg.SurveyEnabled, Question: cfg.SurveyQuestion},
	})
	err := p.routes.Setup(routing.Settings{
		TeamName: cfg.TeamName, Groups: groups,
		GraphBaseURL: cfg.GraphAPIBaseURL, GraphVersion: cfg.GraphAPIVersion, AccessToken: cfg.AccessToken,
		BusinessAccountID: cfg.BusinessAccountID, GraphTimeout: time.Duration(cfg.GraphAPITimeoutSeconds) * time.Second,
		MessagesPerSecond: cfg.MessagesPerSecond,
	})
	// With a settings problem the log already says what to fix.
	if err != nil && problem == nil {
		p.API.LogError("WhatsApp Helpdesk could not set up a chat group's channels", "error", err.Error())
	}
}

// now is the plugin's clock: the wall clock moved by the hidden ClockOffsetMillis setting, so
// binary-level tests can step through hours and days without waiting.
func (p *Plugin) now() time.Time {
	cfg := p.getConfiguration()
	return time.Now().Add(time.Duration(cfg.ClockOffsetMillis) * time.Millisecond)
}

// claimLease outlasts the slowest message processing: a media download may take
// mediaTimeoutFactor Graph timeouts.
func (p *Plugin) claimLease() time.Duration {
	return max(10*time.Second, (mediaTimeoutFactor+1)*time.Duration(p.getConfiguration().GraphAPITimeoutSeconds)*time.Second)
}

// mediaBudgetBytes bounds the media a node holds in memory at once: two 50 MB documents, or one
// of WhatsApp's largest (100 MB) alone.
const mediaBudgetBytes = 100 << 20

// clusterPacer holds a phone number's send rate for the whole cluster (see server/pacing).
func (p *Plugin) clusterPacer(phoneNumberID string, perSecond float64) whatsapp.Pacer {
	return &pacing.Cluster{KV: p.kv, Name: phoneNumberID, Rate: perSecond}
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
	if _, err := p.desk.SyncTemplates(ctx); err != nil {
		p.API.LogWarn("Periodic template sync failed", "error", err.Error())
	}
}
