package workflow

import (
	"context"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// RemindWindows tells the attending agent of every active conversation whose window closes
// within the hour, in its channel, once per window. It reads only the active conversations
// (bounded by agents × their maximum), from a once-per-cluster job; the per-window claim keeps
// a round that overlaps another node's from posting twice.
func (d *Desk) RemindWindows(ctx context.Context) int {
	active, err := d.conversations.List(helpdesk.StateActive)
	if err != nil {
		d.API.LogWarn("Could not list active conversations for window reminders", "error", err.Error())
		return 0
	}
	now, sent := d.Now(), 0
	for _, conv := range active {
		if ctx.Err() != nil {
			break
		}
		if !conv.ReminderDue(now) || conv.ChannelID == "" {
			continue
		}
		won, err := d.conversations.ClaimReminder(conv)
		if err != nil {
			d.API.LogWarn("Could not claim a window reminder", "conversation_id", conv.ID, "error", err.Error())
			continue
		}
		if !won {
			continue
		}
		post := &model.Post{UserId: d.BotUserID, ChannelId: conv.ChannelID,
			Message: "⏰ " + d.Texts.T(d.Texts.ForUser(conv.AgentID), "reminder.window", map[string]any{
				"Agent": d.username(conv.AgentID), "Customer": d.vars(conv, "").CustomerName,
			})}
		post.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
		post.AddProp(wapost.PropKind, wapost.KindWindowReminder)
		post.AddProp(wapost.PropConversation, conv.ID)
		if _, appErr := d.API.CreatePost(post); appErr != nil {
			d.API.LogWarn("Could not post a window reminder", "conversation_id", conv.ID, "error", appErr.Error())
			continue
		}
		sent++
	}
	return sent
}
