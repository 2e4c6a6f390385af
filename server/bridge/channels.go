package bridge

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// AttendPath is the post-action URL of the queue announcement's Attend button.
const AttendPath = "/plugins/whatsapp-helpdesk/actions/attend"

// ChannelName is the conversation channel's URL name; deterministic, so concurrent deliveries
// that race to create it end up in the same channel.
func ChannelName(conversationID string) string { return "wa-" + conversationID }

// conversationFor returns the customer's open conversation with its channel in place, creating
// and announcing it for a new conversation.
// isNew tells the one delivery that set the conversation up.
func (in *Inbound) conversationFor(route Route, person *helpdesk.Person) (conv *helpdesk.Conversation, isNew bool, err error) {
	conv, _, err = in.Conversations.OpenFor(route.Group.Name, person)
	if err != nil {
		return nil, false, errors.Wrap(err, "failed to open a conversation")
	}
	if conv.ChannelID != "" {
		return conv, false, nil
	}
	channel, err := in.ensureChannel(route, conv, person)
	if err != nil {
		return nil, false, err
	}
	conv, attached, err := in.Conversations.AttachChannel(conv.ID, channel.Id)
	if err != nil {
		return nil, false, errors.Wrap(err, "failed to attach the channel")
	}
	if attached {
		// Only the delivery that attached the channel announces, so the queue sees it once.
		if err := in.announce(route, conv, person); err != nil {
			in.API.LogError("Could not announce a new conversation in the queue", "conversation_id", conv.ID, "error", err.Error())
		}
		in.changed(conv)
	}
	return conv, attached, nil
}

func (in *Inbound) ensureChannel(route Route, conv *helpdesk.Conversation, person *helpdesk.Person) (*model.Channel, error) {
	name := ChannelName(conv.ID)
	display := truncate(person.Name+" · WhatsApp", model.ChannelDisplayNameMaxRunes)
	channel, appErr := in.API.CreateChannel(&model.Channel{
		TeamId:      route.TeamID,
		Type:        model.ChannelTypePrivate,
		Name:        name,
		DisplayName: display,
		Header:      truncate(fmt.Sprintf("WhatsApp %s · %s", helpdesk.FormatPhone(person.Phone), format.Inert(person.Name)), model.ChannelHeaderMaxRunes),
		Purpose:     truncate(in.Texts.T(in.Texts.ForServer(), "channel.purpose", map[string]any{"Customer": format.NeutralizeMentions(person.Name), "ID": conv.ID}), model.ChannelPurposeMaxRunes),
		CreatorId:   in.BotUserID,
	})
	if appErr != nil {
		// Another delivery may have created it a moment ago.
		existing, getErr := in.API.GetChannelByName(route.TeamID, name, false)
		if getErr != nil {
			return nil, errors.Wrapf(appErr, "failed to create channel %s", name)
		}
		channel = existing
	}
	if _, appErr := in.API.AddChannelMember(channel.Id, in.BotUserID); appErr != nil && appErr.StatusCode != http.StatusBadRequest {
		return nil, errors.Wrap(appErr, "failed to add the bot to the conversation channel")
	}
	return channel, nil
}

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
	post.AddProp("wa_phone", person.Phone)
	post.AddProp("wa_state", conv.State)
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

func truncate(s string, maxRunes int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= maxRunes {
		return string(r)
	}
	return string(r[:maxRunes-1]) + "…"
}
