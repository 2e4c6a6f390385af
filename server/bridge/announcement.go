package bridge

import (
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// The queue announcement: one post per conversation in its chat group's queue channel, built
// here with its signed Attend button and rewritten here as the conversation moves on.

// AttendPath is the post-action URL of the queue announcement's Attend button.
const AttendPath = "/plugins/whatsapp-helpdesk/actions/attend"

// Announce posts a conversation's missing queue announcement: the repair job's way to finish the
// setup of a conversation whose first delivery failed after its channel existed.
func (in *Inbound) Announce(route Route, conv *helpdesk.Conversation) error {
	person, err := in.People.Get(conv.PersonID)
	if err != nil {
		return err
	}
	return in.announce(route, conv, person)
}

// announce posts the new conversation in the chat group's queue with a signed Attend button.
func (in *Inbound) announce(route Route, conv *helpdesk.Conversation, person *helpdesk.Person) error {
	if route.QueueChannelID == "" {
		return errors.New("the queue channel is not set up")
	}
	l := in.Texts.ForServer()
	t := func(id string) string { return in.Texts.T(l, id, nil) }
	// Title and fallback are plain text; field values are markdown.
	plainName := format.NeutralizeMentions(person.Name)
	attachment := &model.MessageAttachment{
		Fallback: in.Texts.T(l, "queue.new", map[string]any{"Customer": plainName}),
		Color:    "#25D366",
		Title:    in.Texts.T(l, "queue.new", map[string]any{"Customer": plainName}),
		Fields: []*model.MessageAttachmentField{
			{Title: t("queue.origin"), Value: "WhatsApp", Short: true},
			{Title: t("queue.customer"), Value: format.Inert(person.Name), Short: true},
			{Title: t("queue.phone"), Value: helpdesk.FormatPhone(person.Phone), Short: true},
			{Title: t("queue.waiting_since"), Value: time.UnixMilli(conv.CreatedAt).UTC().Format("2006-01-02 15:04 MST"), Short: true},
		},
		Actions: []*model.PostAction{{
			Id:    "attend",
			Name:  t("queue.attend"),
			Type:  model.PostActionTypeButton,
			Style: "primary",
			Integration: &model.PostActionIntegration{
				URL:     AttendPath,
				Context: map[string]any{"conversation_id": conv.ID},
			},
		}},
	}
	post := &model.Post{UserId: in.BotUserID, ChannelId: route.QueueChannelID, Type: wapost.QueuePostType}
	post.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	post.AddProp(wapost.PropConversation, conv.ID)
	post.AddProp(wapost.PropCustomer, person.Name)
	post.AddProp(wapost.PropPhone, person.Phone)
	post.AddProp(wapost.PropState, conv.State)
	model.ParseMessageAttachment(post, []*model.MessageAttachment{attachment})
	created, appErr := in.API.CreatePost(post)
	if appErr != nil {
		return errors.Wrap(appErr, "failed to post in the queue")
	}
	// The Attend signature covers the post's id, known only now, so it works on this post alone.
	signed := created.Clone()
	attachment.Actions[0].Integration.Context["sig"] = in.Signer.Sign("attend", conv.ID, route.QueueChannelID, created.Id)
	model.ParseMessageAttachment(signed, []*model.MessageAttachment{attachment})
	if _, appErr := in.API.UpdatePost(signed); appErr != nil {
		return errors.Wrap(appErr, "failed to sign the queue announcement")
	}
	_, err := in.Conversations.Update(conv.ID, func(c *helpdesk.Conversation) (bool, error) {
		c.QueuePostID = created.Id
		return true, nil
	})
	return err
}

// UpdateAnnouncement rewrites the queue announcement to show the conversation's state; the Attend
// button goes away once someone attends.
func (in *Inbound) UpdateAnnouncement(conv *helpdesk.Conversation) {
	if conv.QueuePostID == "" {
		return
	}
	post, appErr := in.API.GetPost(conv.QueuePostID)
	if appErr != nil {
		return
	}
	l := in.Texts.ForServer()
	updated := post.Clone()
	updated.AddProp(wapost.PropState, conv.State)
	attachments := updated.Attachments()
	if len(attachments) > 0 {
		a := attachments[0]
		a.Actions = nil
		state := in.Texts.T(l, "queue.state."+conv.State, nil)
		if conv.AgentID != "" {
			if u, appErr := in.API.GetUser(conv.AgentID); appErr == nil {
				state = in.Texts.T(l, "queue.attended_by", map[string]any{"Agent": "@" + u.Username})
			}
		}
		if conv.State == helpdesk.StateClosed {
			state = in.Texts.T(l, "queue.state.closed", nil)
		}
		a.Fields = append(a.Fields, &model.MessageAttachmentField{Title: in.Texts.T(l, "queue.state", nil), Value: state, Short: true})
		a.Color = "#8A8A8A"
		model.ParseMessageAttachment(updated, []*model.MessageAttachment{a})
	}
	if _, appErr := in.API.UpdatePost(updated); appErr != nil {
		in.API.LogWarn("Could not update the queue announcement", "post_id", post.Id, "error", appErr.Error())
	}
}
