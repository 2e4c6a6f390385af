package bridge

import (
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// OpenProactive opens a conversation an agent starts with a template: the person's open one when
// there is one, else a new one with its channel, which is neither announced in the queue nor given
// the queue-entry messages, since the agent who starts it attends it at once. created tells that
// the conversation is new.
func (in *Inbound) OpenProactive(route Route, person *helpdesk.Person) (*helpdesk.Conversation, bool, error) {
	opened, err := in.Conversations.Open(route.Group.Name, person, time.Time{}, nil)
	if err != nil {
		return nil, false, errors.Wrap(err, "failed to open a conversation")
	}
	conv := opened.Conv
	if !opened.Created {
		if conv.ChannelID == "" {
			// A customer's first message is setting it up at this moment: finish that path.
			conv, _, err = in.conversationFor(route, person, time.Time{}, nil)
		}
		return conv, false, err
	}
	channel, err := in.ensureChannel(route, conv, person)
	if err != nil {
		return nil, false, err
	}
	if conv, _, err = in.Conversations.AttachChannel(conv.ID, channel.Id); err != nil {
		return nil, false, errors.Wrap(err, "failed to attach the channel")
	}
	// The queue-entry and agents-offline messages are for customers who wrote first.
	if _, err := in.Conversations.ClaimSetup(conv.ID); err != nil {
		return nil, false, err
	}
	in.linkPrevious(conv, opened.Previous, person)
	return conv, true, nil
}

// linkPrevious posts, in a new conversation's channel, a link to the customer's previous
// conversation, so the agent reads what happened before in one click. prev is that conversation
// when the caller read it already (the same chat group's), else it is looked up in any group.
// Open hands none back when the person never had a conversation in this group, so a person who
// belongs to no other group has nothing to link (a brand-new customer, most of all).
func (in *Inbound) linkPrevious(conv, prev *helpdesk.Conversation, person *helpdesk.Person) {
	if prev == nil && person.OnlyIn(conv.Group) {
		return
	}
	if prev == nil {
		var err error
		if prev, err = in.Conversations.Previous(conv.PersonID, conv.ID); err != nil {
			in.API.LogWarn("Could not find the customer's previous conversation", "conversation_id", conv.ID, "error", err.Error())
			return
		}
	}
	if prev == nil || prev.ChannelID == "" {
		return
	}
	l := in.Texts.ForServer()
	when := time.UnixMilli(prev.CreatedAt).UTC().Format("2006-01-02 15:04 UTC")
	post := &model.Post{
		UserId:    in.BotUserID,
		ChannelId: conv.ChannelID,
		Message:   "↩️ " + in.Texts.T(l, "history.previous", map[string]any{"Channel": "~" + ChannelName(prev.ID), "When": when, "State": in.Texts.T(l, "queue.state."+prev.State, nil)}),
	}
	post.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	post.AddProp(wapost.PropKind, wapost.KindPrevious)
	post.AddProp(wapost.PropConversation, conv.ID)
	if _, appErr := in.API.CreatePost(post); appErr != nil {
		in.API.LogWarn("Could not link the previous conversation", "conversation_id", conv.ID, "error", appErr.Error())
	}
}
