package main

import (
	"context"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/privacy"
)

// retentionInterval is how often the retention job looks; a hidden setting shortens it for tests.
const retentionInterval = time.Hour

func (p *Plugin) newPrivacy(botID string, now func() time.Time) *privacy.Service {
	return &privacy.Service{
		API: p.API, KV: p.kv, BotUserID: botID,
		People: p.people, Conversations: p.conversations, Tickets: p.desk.Tickets,
		Texts: p.texts, Now: now,
		IsAdmin:            p.desk.IsAdmin,
		ForgetPerson:       p.personForgotten,
		ForgetConversation: p.conversationClosed,
	}
}

func (p *Plugin) retentionInterval() time.Duration {
	if ms := p.getConfiguration().RetentionIntervalMillis; ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return retentionInterval
}

// enforceRetention erases closed conversations past the retention setting and finishes
// erasures a stopped node left midway (once per cluster, as a scheduled job).
func (p *Plugin) enforceRetention() {
	defer p.recoverHook("retention", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := p.privacy.EnforceRetention(ctx, p.getConfiguration().RetentionDays); err != nil {
		p.API.LogError("WhatsApp Helpdesk retention round failed", "error", err.Error())
	}
}

// clusterEventPersonForgotten tells the other nodes to drop their cache of a person (merged
// into another, or erased), so the next message from that phone is matched afresh.
const clusterEventPersonForgotten = "person_forgotten"

func (p *Plugin) personForgotten(personID string) {
	if p.inbound != nil {
		p.inbound.ForgetPerson(personID)
	}
	if appErr := p.API.PublishPluginClusterEvent(
		model.PluginClusterEvent{Id: clusterEventPersonForgotten, Data: []byte(personID)},
		model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable},
	); appErr != nil {
		p.API.LogWarn("Could not tell the cluster to forget a person", "person_id", personID, "error", appErr.Error())
	}
}
