package workflow

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// Attend makes agentID the owner of a waiting conversation: exactly one of concurrent attempts
// wins. The agent joins the channel, the queue announcement says who attends, the
// start-of-service message goes out and the customer's messages are marked read. Problems with
// the start message do not undo the attend; they come back as notices.
func (d *Desk) Attend(ctx context.Context, agentID, convID string) (*helpdesk.Conversation, []error, error) {
	conv, err := d.Conversation(agentID, convID)
	if err != nil {
		return nil, nil, err
	}
	conv, err = d.conversations.Attend(conv.ID, agentID)
	var refused *helpdesk.Problem
	if errors.As(err, &refused) && refused.Data["AgentID"] != nil {
		refused.Data["Agent"] = d.username(fmt.Sprint(refused.Data["AgentID"]))
	}
	if err != nil {
		return nil, nil, err
	}
	if _, appErr := d.API.AddChannelMember(conv.ChannelID, agentID); appErr != nil && appErr.StatusCode != http.StatusBadRequest {
		d.API.LogError("Could not add the agent to the conversation channel", "conversation_id", conv.ID, "error", appErr.Error())
	}
	d.Announcer.UpdateAnnouncement(conv)
	d.changed(conv)

	var notices []error
	if group, ok := d.Settings().Group(conv.Group); ok && group.StartMessage != "" {
		text := d.vars(conv, agentID).Render(group.StartMessage)
		if err := d.Outbound.SendNotice(ctx, conv, text, bridge.Delivery{Kind: wapost.KindStart, AgentID: agentID}); err != nil {
			notices = append(notices, errors.Wrap(err, "start-of-service message not sent"))
		}
	}
	d.Outbound.MarkRead(ctx, conv)
	return conv, notices, nil
}

// AttendNext attends the longest-waiting conversation of the agent's chat groups.
func (d *Desk) AttendNext(ctx context.Context, agentID string) (*helpdesk.Conversation, []error, error) {
	waiting, err := d.List(agentID, helpdesk.StateWaiting)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range waiting {
		conv, notices, err := d.Attend(ctx, agentID, c.ID)
		if errors.Is(err, helpdesk.ErrConflict) {
			continue // someone else took it a moment ago
		}
		return conv, notices, err
	}
	return nil, nil, helpdesk.Refuse(helpdesk.ErrNotFound, "error.none_waiting")
}

// NewConversation runs when a customer starts a conversation: the queue-entry message, the
// agents-offline message when nobody of the group is online, and automatic distribution.
func (d *Desk) NewConversation(conv *helpdesk.Conversation) {
	ctx, cancel := noticeCtx()
	defer cancel()
	// Once per conversation: the delivery that created it, or the repair job when it failed.
	if won, err := d.conversations.ClaimSetup(conv.ID); err != nil || !won {
		return
	}
	// The panels heard of the conversation when its channel was attached (bridge).
	group, ok := d.Settings().Group(conv.Group)
	if !ok {
		return
	}
	send := func(text, kind string) {
		if text == "" {
			return
		}
		if err := d.Outbound.SendNotice(ctx, conv, d.vars(conv, "").Render(text), bridge.Delivery{Kind: kind}); err != nil {
			d.API.LogWarn("Could not send an automatic message", "kind", kind, "conversation_id", conv.ID, "error", err.Error())
		}
	}
	send(group.QueueEntryMessage, wapost.KindQueue)
	if !group.OpenAt(d.Now()) {
		// Outside business hours the out-of-hours message says when someone will answer; the
		// agents-offline message would only repeat it.
		send(group.OutOfHoursMessage, wapost.KindOutOfHours)
	} else if online, err := d.onlineAgents(conv.Group); err != nil {
		d.API.LogWarn("Could not read agents' status", "error", err.Error())
	} else if len(online) == 0 {
		send(group.AgentsOfflineMessage, wapost.KindOffline)
	}
	if d.Settings().AutoDistribution {
		d.Distribute(ctx)
	}
}

// onlineAgents lists the queue-channel members of group whose status is online (not bots).
func (d *Desk) onlineAgents(group string) ([]string, error) {
	ids, err := d.groupAgents(group)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	statuses, appErr := d.API.GetUserStatusesByIds(ids)
	if appErr != nil {
		return nil, errors.Wrap(appErr, "failed to read statuses")
	}
	var online []string
	for _, s := range statuses {
		if s.Status == model.StatusOnline {
			online = append(online, s.UserId)
		}
	}
	sort.Strings(online)
	return online, nil
}

// groupAgents lists the queue-channel members of group (not bots).
func (d *Desk) groupAgents(group string) ([]string, error) {
	route, err := d.Routes.ForGroup(group)
	if err != nil {
		return nil, err
	}
	var ids []string
	for page := 0; ; page++ {
		members, appErr := d.API.GetChannelMembers(route.QueueChannelID, page, 200)
		if appErr != nil {
			return nil, errors.Wrap(appErr, "failed to list the queue channel's members")
		}
		for _, m := range members {
			if m.UserId != d.BotUserID {
				ids = append(ids, m.UserId)
			}
		}
		if len(members) < 200 {
			break
		}
	}
	return ids, nil
}

// IsOnline reports whether a user's Mattermost status is online.
func (d *Desk) IsOnline(userID string) bool {
	s, appErr := d.API.GetUserStatus(userID)
	return appErr == nil && s.Status == model.StatusOnline
}
