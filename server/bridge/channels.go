package bridge

import (
	"time"

	"fmt"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// ChannelName is the conversation channel's URL name; deterministic, so concurrent deliveries
// that race to create it end up in the same channel.
func ChannelName(conversationID string) string { return "wa-" + conversationID }

// conversationFor returns the customer's open conversation with its channel in place, creating
// and announcing it for a new conversation (closed: the person's conversation this node saw close,
// which spares Open two reads). isNew tells the one delivery that set the conversation up.
func (in *Inbound) conversationFor(route Route, person *helpdesk.Person, inboundAt time.Time, closed *helpdesk.Conversation) (conv *helpdesk.Conversation, isNew bool, err error) {
	opened, err := in.Conversations.Open(route.Group.Name, person, inboundAt, closed)
	if err != nil {
		return nil, false, errors.Wrap(err, "failed to open a conversation")
	}
	if conv = opened.Conv; conv.ChannelID != "" {
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
		// Only the delivery that attached the channel announces, so the queue and the panels
		// hear of it once.
		if err := in.announce(route, conv, person); err != nil {
			in.API.LogError("Could not announce a new conversation in the queue", "conversation_id", conv.ID, "error", err.Error())
		}
		in.linkPrevious(conv, opened.Previous, person)
		if in.Notify != nil {
			in.Notify.ConversationOpened(conv, person)
		}
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

func truncate(s string, maxRunes int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= maxRunes {
		return string(r)
	}
	return string(r[:maxRunes-1]) + "…"
}
