package bridge

import (
	"context"
	"encoding/json"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Reaction states kept per post, agent and emoji (store.ReactionStateKey).
const (
	reactionAdded   = "added"
	reactionRemoved = "removed"
)

// HandleAgentReaction sends an agent's reaction on a customer's message to WhatsApp as a
// reaction message (added), or its removal (an empty emoji). The hooks run on the node that got
// the request and may run again; a compare-and-set on the reaction's last sent state lets
// exactly one run send each change. Like any free-form message it needs the 24-hour window and
// costs a credit; a refusal is told to the agent.
func (o *Outbound) HandleAgentReaction(ctx context.Context, r *model.Reaction, added bool) {
	if r == nil || r.UserId == o.BotUserID {
		return // the bot mirrors the customer's own reactions
	}
	post, appErr := o.API.GetPost(r.PostId)
	if appErr != nil {
		return
	}
	in, ok := wapost.ParseInbound(post)
	if !ok || in.WAMID == "" {
		return // only the customer's messages can carry a WhatsApp reaction
	}
	conv, err := o.Conversations.ByChannel(post.ChannelId)
	if err != nil {
		return
	}
	if err := o.sendReaction(ctx, conv, r, in.WAMID, added); err != nil {
		o.Ephemeral(r.UserId, post.ChannelId, o.Describe(r.UserId, err))
	}
}

func (o *Outbound) sendReaction(ctx context.Context, conv *helpdesk.Conversation, r *model.Reaction, wamid string, added bool) error {
	emoji := ""
	if added {
		if emoji = format.Unicode(r.EmojiName); emoji == "" {
			return helpdesk.Refuse(helpdesk.ErrInvalid, "outbound.reaction_custom", "Emoji", r.EmojiName)
		}
	}
	d := Delivery{Kind: wapost.KindReaction, AgentID: r.UserId, FreeForm: true}
	if err := o.check(conv, d); err != nil {
		if errors.Is(err, ErrWindowClosed) {
			return helpdesk.Refuse(ErrWindowClosed, "outbound.reaction_window")
		}
		return err
	}
	key := store.ReactionStateKey(r.PostId, r.UserId, r.EmojiName)
	want, from := reactionAdded, reactionRemoved
	if !added {
		want, from = reactionRemoved, reactionAdded
	}
	won, err := o.moveReaction(key, from, want, added)
	if err != nil || !won {
		return err // another node or an earlier delivery sent this change
	}
	route, person, err := o.target(conv)
	if err != nil {
		o.undoReaction(key, from)
		return err
	}
	if balance, err := o.Credits.Balance(); err != nil {
		o.undoReaction(key, from)
		return err
	} else if balance.Balance <= 0 {
		o.undoReaction(key, from)
		return helpdesk.ErrNoCredits
	}
	_, err = o.sendOne(ctx, route, conv, whatsapp.NewOutReaction(recipient(person), wamid, emoji), d, model.NewId())
	if err != nil && !errors.Is(err, whatsapp.ErrUnknownOutcome) {
		o.undoReaction(key, from) // refused: the agent may try again
	}
	return err
}

// moveReaction claims the change from → to; a removal needs a sent addition (an addition needs
// nothing sent yet, or a sent removal).
func (o *Outbound) moveReaction(key, from, to string, added bool) (bool, error) {
	won := false
	err := store.Update(o.KV, key, func(old []byte) (any, error) {
		var cur string
		if len(old) > 0 {
			_ = json.Unmarshal(old, &cur)
		}
		if cur == to || (!added && cur != from) {
			won = false
			return nil, store.ErrNoChange
		}
		won = true
		return to, nil
	})
	return won, err
}

func (o *Outbound) undoReaction(key, to string) {
	if err := store.SetJSON(o.KV, key, to); err != nil {
		o.API.LogWarn("Could not undo a reaction's state", "error", err.Error())
	}
}
