package workflow

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// Close ends a conversation: the close is claimed first (closing), so of a double click exactly
// one sends the end-of-service message and makes the ticket; then the conversation is closed and
// becomes a draft ticket whose Customer and Subject default to the WhatsApp profile name. The
// customer's next message starts a new conversation. A close interrupted midway is completed by
// the repair job.
func (d *Desk) Close(ctx context.Context, userID, convID string) (*helpdesk.Ticket, []error, error) {
	conv, err := d.Handled(userID, convID)
	if err != nil {
		return nil, nil, err
	}
	if conv.State == helpdesk.StateClosed || conv.State == helpdesk.StateClosing {
		return nil, nil, helpdesk.Refuse(helpdesk.ErrConflict, "error.already_closed")
	}
	if conv, err = d.conversations.BeginClose(conv.ID, userID); err != nil {
		return nil, nil, err
	}
	return d.completeClose(ctx, conv)
}

// completeClose runs the steps of a claimed close that are not done yet; each step is safe to
// run again.
func (d *Desk) completeClose(ctx context.Context, conv *helpdesk.Conversation) (*helpdesk.Ticket, []error, error) {
	// Nodes trust for bridge.OpenLease that a conversation they read as open still is: once the
	// close is claimed, that long from now no message can be posted under such trust.
	leasesEnd := time.Now().Add(bridge.OpenLease)
	userID := conv.ClosedBy
	var notices []error
	var err error
	if !conv.EndAttempted && conv.State == helpdesk.StateClosing {
		// Recorded before sending: a close completed later never sends a second end message.
		if conv, err = d.conversations.MarkEndAttempted(conv.ID); err != nil {
			return nil, nil, err
		}
		if group, ok := d.Settings().Group(conv.Group); ok && group.EndMessage != "" {
			text := d.vars(conv, userID).Render(group.EndMessage)
			if err := d.Outbound.SendNotice(ctx, conv, text, bridge.Delivery{Kind: wapost.KindEnd, AgentID: userID}); err != nil {
				notices = append(notices, errors.Wrap(err, "end-of-service message not sent"))
			}
		}
	}
	if conv, err = d.conversations.Close(conv.ID); err != nil {
		return nil, notices, err
	}
	if d.reports != nil {
		// The indicators lag rather than fail a close: the conversation is closed already.
		if err := d.reports.Closed(conv); err != nil {
			d.API.LogWarn("Could not add a closed conversation to the indicators", "conversation_id", conv.ID, "error", err.Error())
		}
	}
	if d.Notify != nil {
		d.Notify.ConversationClosed(conv.ID)
	}
	if wait := time.Until(leasesEnd); wait > 0 {
		time.Sleep(wait) // the end-of-service message usually took most of it
	}
	transcript, err := d.transcript(conv)
	if err != nil {
		return nil, notices, err
	}
	ticket, err := d.tickets.CreateDraft(conv, transcript)
	if err != nil {
		return nil, notices, err
	}
	if conv, err = d.conversations.SetTicket(conv.ID, ticket.ID); err != nil {
		return nil, notices, err
	}
	d.Announcer.UpdateAnnouncement(conv)
	closing := &model.Post{UserId: d.BotUserID, ChannelId: conv.ChannelID,
		Message: d.Texts.T(d.Texts.ForServer(), "close.done", map[string]any{"Agent": d.username(userID), "Ticket": ticket.ID})}
	closing.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	closing.AddProp(wapost.PropKind, wapost.KindClosed)
	if _, appErr := d.API.CreatePost(closing); appErr != nil {
		d.API.LogWarn("Could not post the closing note", "conversation_id", conv.ID, "error", appErr.Error())
	}
	if ticket, err = d.sendSurvey(ctx, conv, ticket); err != nil {
		notices = append(notices, err)
	}
	d.changed(conv)
	if d.Notify != nil {
		d.Notify.TicketChanged(ticket)
	}
	if d.Settings().AutoDistribution {
		go d.distributeDetached() // the agent has room for a waiting conversation now
	}
	return ticket, notices, nil
}

func (d *Desk) announce(conv *helpdesk.Conversation) error {
	route, err := d.Routes.ForGroup(conv.Group)
	if err != nil {
		return err
	}
	return d.Announcer.Announce(route, conv)
}

func (d *Desk) lease() time.Duration {
	if l := d.Settings().Lease; l > 0 {
		return l
	}
	return 2 * time.Minute
}

// Repair completes what a stopped node left half done: closes that were claimed but have no
// ticket yet, and new conversations whose queue announcement or automatic messages never ran.
// It runs from a cluster-wide job; a lease keeps it away from work still in progress.
func (d *Desk) Repair(ctx context.Context) {
	if fixed, err := d.ReconcileLoads(); err != nil {
		d.API.LogWarn("Could not reconcile agents' loads", "error", err.Error())
	} else if fixed > 0 {
		d.API.LogInfo("Reconciled agents' loads with their active conversations", "agents", fixed)
	}
	stale := d.Now().Add(-d.lease()).UnixMilli()
	closing, err := d.conversations.List(helpdesk.StateClosing)
	if err != nil {
		d.API.LogWarn("Could not list closing conversations", "error", err.Error())
	}
	for _, conv := range closing {
		if ctx.Err() != nil {
			return
		}
		if conv.TicketID != "" || conv.ClosingAt > stale {
			continue
		}
		if _, _, err := d.completeClose(ctx, conv); err != nil {
			d.API.LogWarn("Could not complete an interrupted close", "conversation_id", conv.ID, "error", err.Error())
			continue
		}
		d.API.LogInfo("Completed an interrupted close", "conversation_id", conv.ID)
	}
	waiting, err := d.conversations.List(helpdesk.StateWaiting)
	if err != nil {
		d.API.LogWarn("Could not list waiting conversations", "error", err.Error())
	}
	for _, conv := range waiting {
		if ctx.Err() != nil {
			return
		}
		if conv.ChannelID == "" || conv.CreatedAt > stale {
			continue
		}
		if conv.QueuePostID == "" && d.Announcer != nil {
			if err := d.announce(conv); err != nil {
				d.API.LogWarn("Could not announce a conversation in the queue", "conversation_id", conv.ID, "error", err.Error())
			}
		}
		if conv.SetupPending {
			d.NewConversation(conv)
		}
	}
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
	var posts []*model.Post // newest first, as the API pages them
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
	slices.Reverse(posts) // arrival order
	notePrefix := d.Outbound.NotePrefix()
	names := map[string]string{}
	var inbound, others []orderedLine
	for _, p := range posts {
		if p.IsSystemMessage() || p.DeleteAt != 0 {
			continue
		}
		kind, _ := p.GetProp(wapost.PropKind).(string)
		if wapost.Bookkeeping(kind) {
			continue
		}
		line := helpdesk.TranscriptLine{At: p.CreateAt, Text: p.Message}
		c, fromCustomer := wapost.ParseInbound(p)
		switch {
		case fromCustomer:
			line.Direction, line.Author, line.At = "inbound", c.Author, c.At
			line.Text = format.Unescape(c.Text)
		case p.UserId == d.BotUserID:
			line.Direction = "outbound"
			line.Author = helpdesk.BotAuthor
			if agent, _ := p.GetProp(wapost.PropAgentID).(string); agent != "" {
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
		if line.Direction == "inbound" {
			inbound = append(inbound, orderedLine{line: line, arrival: p.CreateAt})
		} else {
			others = append(others, orderedLine{line: line, arrival: p.CreateAt})
		}
	}
	return mergeTranscript(inbound, others), nil
}

// orderedLine is a transcript line with when its post arrived in Mattermost.
type orderedLine struct {
	line    helpdesk.TranscriptLine
	arrival int64
}

// mergeTranscript puts a conversation in its real order: the customer's messages among
// themselves by WhatsApp's timestamp (whole seconds), ties by arrival; merged with everything
// else (agents' posts, in arrival order) by the second each happened, and within one second by
// arrival, since WhatsApp's seconds cannot order a message against an agent's millisecond post.
func mergeTranscript(inbound, others []orderedLine) []helpdesk.TranscriptLine {
	sec := func(ms int64) int64 { return ms / 1000 }
	sort.SliceStable(inbound, func(i, j int) bool {
		a, b := inbound[i], inbound[j]
		if sec(a.line.At) != sec(b.line.At) {
			return sec(a.line.At) < sec(b.line.At)
		}
		return a.arrival < b.arrival
	})
	lines := make([]helpdesk.TranscriptLine, 0, len(inbound)+len(others))
	i, j := 0, 0
	for i < len(inbound) || j < len(others) {
		takeInbound := j == len(others)
		if i < len(inbound) && j < len(others) {
			in, o := inbound[i], others[j]
			takeInbound = sec(in.line.At) < sec(o.arrival) || (sec(in.line.At) == sec(o.arrival) && in.arrival < o.arrival)
		}
		if takeInbound {
			lines = append(lines, inbound[i].line)
			i++
		} else {
			lines = append(lines, others[j].line)
			j++
		}
	}
	return lines
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
	conv, err := d.conversations.SetStatus(convID, status)
	if err == nil {
		d.changed(conv)
	}
	return conv, err
}
