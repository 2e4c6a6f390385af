package workflow

import (
	"context"
	"sort"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// Close ends a conversation: the end-of-service message goes out, the conversation is closed
// (exactly once) and becomes a draft ticket whose Customer and Subject default to the WhatsApp
// profile name. The customer's next message starts a new conversation.
func (d *Desk) Close(ctx context.Context, userID, convID string) (*helpdesk.Ticket, []error, error) {
	conv, err := d.Handled(userID, convID)
	if err != nil {
		return nil, nil, err
	}
	if conv.State == helpdesk.StateClosed {
		return nil, nil, helpdesk.Refuse(helpdesk.ErrConflict, "error.already_closed")
	}
	var notices []error
	if group, ok := d.Settings().Group(conv.Group); ok && group.EndMessage != "" {
		text := d.vars(conv, userID).Render(group.EndMessage)
		if err := d.Outbound.SendNotice(ctx, conv, text, bridge.Delivery{Kind: bridge.KindEnd, AgentID: userID}); err != nil {
			notices = append(notices, errors.Wrap(err, "end-of-service message not sent"))
		}
	}
	conv, err = d.Conversations.Close(conv.ID)
	if err != nil {
		return nil, notices, err
	}
	if d.ConversationClosed != nil {
		d.ConversationClosed(conv.ID)
	}
	transcript, err := d.transcript(conv)
	if err != nil {
		return nil, notices, err
	}
	ticket, err := d.Tickets.CreateDraft(conv, transcript)
	if err != nil {
		return nil, notices, err
	}
	if conv, err = d.Conversations.SetTicket(conv.ID, ticket.ID); err != nil {
		return nil, notices, err
	}
	d.updateQueuePost(conv)
	closing := &model.Post{UserId: d.BotUserID, ChannelId: conv.ChannelID,
		Message: d.Texts.T(d.Texts.ForServer(), "close.done", map[string]any{"Agent": d.username(userID), "Ticket": ticket.ID})}
	closing.AddProp(bridge.PropOrigin, bridge.OriginWhatsApp)
	closing.AddProp(bridge.PropKind, "closed")
	if _, appErr := d.API.CreatePost(closing); appErr != nil {
		d.API.LogWarn("Could not post the closing note", "conversation_id", conv.ID, "error", appErr.Error())
	}
	d.changed(conv)
	if d.TicketChanged != nil {
		d.TicketChanged(ticket)
	}
	if d.Settings().AutoDistribution {
		go func() {
			dctx, cancel := noticeCtx()
			defer cancel()
			d.Distribute(dctx) // the agent has room for a waiting conversation now
		}()
	}
	return ticket, notices, nil
}

func (d *Desk) username(userID string) string {
	if u, appErr := d.API.GetUser(userID); appErr == nil {
		return "@" + u.Username
	}
	return userID
}

// transcript reads the conversation channel: every message in WhatsApp's order (inbound by its
// WhatsApp timestamp), with author, time and attachments named. Plugin bookkeeping is left out.
func (d *Desk) transcript(conv *helpdesk.Conversation) ([]helpdesk.TranscriptLine, error) {
	var posts []*model.Post
	for page := 0; page < 100; page++ {
		list, appErr := d.API.GetPostsForChannel(conv.ChannelID, page, 200)
		if appErr != nil {
			return nil, errors.Wrap(appErr, "failed to read the conversation")
		}
		for _, id := range list.Order {
			posts = append(posts, list.Posts[id])
		}
		if len(list.Order) < 200 {
			break
		}
	}
	notePrefix := d.Outbound.NotePrefix()
	names := map[string]string{}
	var lines []helpdesk.TranscriptLine
	for _, p := range posts {
		if p.IsSystemMessage() || p.DeleteAt != 0 {
			continue
		}
		kind, _ := p.GetProp(bridge.PropKind).(string)
		if kind == "closed" || kind == "joined" || kind == "delivery_failure" {
			continue
		}
		line := helpdesk.TranscriptLine{At: p.CreateAt, Text: p.Message}
		dir, _ := p.GetProp(bridge.PropDirection).(string)
		switch {
		case dir == "inbound":
			line.Direction = "inbound"
			line.Author, _ = p.GetProp(bridge.PropCustomer).(string)
			if ts, ok := p.GetProp("wa_timestamp").(float64); ok && ts > 0 {
				line.At = int64(ts)
			} else if ts, ok := p.GetProp("wa_timestamp").(int64); ok && ts > 0 {
				line.At = ts
			}
			line.Text = format.Unescape(strings.TrimPrefix(line.Text, bridge.CustomerPrefix(line.Author)))
		case p.UserId == d.BotUserID:
			line.Direction = "outbound"
			line.Author = "WhatsApp Helpdesk"
			if agent, _ := p.GetProp("wa_agent_id").(string); agent != "" {
				line.Author = d.cachedName(names, agent)
			}
		case notePrefix != "" && strings.HasPrefix(strings.TrimSpace(p.Message), notePrefix):
			line.Direction = "note"
			line.Author = d.cachedName(names, p.UserId)
		default:
			line.Direction = "outbound"
			line.Author = d.cachedName(names, p.UserId)
		}
		for _, fid := range p.FileIds {
			if info, appErr := d.API.GetFileInfo(fid); appErr == nil {
				line.Attachments = append(line.Attachments, info.Name)
			}
		}
		lines = append(lines, line)
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].At < lines[j].At })
	return lines, nil
}

func (d *Desk) cachedName(cache map[string]string, userID string) string {
	if n, ok := cache[userID]; ok {
		return n
	}
	n := userID
	if u, appErr := d.API.GetUser(userID); appErr == nil {
		n = displayName(u)
	}
	cache[userID] = n
	return n
}

// SetStatus records the conversation's status, shown in the panel and kept on the ticket.
func (d *Desk) SetStatus(userID, convID, status string) (*helpdesk.Conversation, error) {
	status = strings.TrimSpace(status)
	if status == "" || len(status) > 64 {
		return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.status_length")
	}
	if _, err := d.Handled(userID, convID); err != nil {
		return nil, err
	}
	conv, err := d.Conversations.SetStatus(convID, status)
	if err == nil {
		d.changed(conv)
	}
	return conv, err
}
