package workflow

import (
	"net/http"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// Post-action paths of invitations.
const (
	InviteAcceptPath  = "/plugins/whatsapp-helpdesk/actions/invite/accept"
	InviteDeclinePath = "/plugins/whatsapp-helpdesk/actions/invite/decline"
)

// ErrNotOnline refuses an invitation to an agent who is away, busy or offline.
var ErrNotOnline = helpdesk.ErrNotOnline

// Invite asks another agent of the chat group to join the conversation: the invitee gets a DM
// from the bot with Accept and Decline. Only online agents can be invited.
func (d *Desk) Invite(inviterID, convID, inviteeID string) error {
	conv, err := d.Conversation(inviterID, convID)
	if err != nil {
		return err
	}
	if conv.State == helpdesk.StateClosed {
		return helpdesk.Refuse(helpdesk.ErrConflict, "error.conversation_closed")
	}
	invitee, appErr := d.API.GetUser(inviteeID)
	if appErr != nil || invitee.IsBot {
		return helpdesk.Refuse(helpdesk.ErrNotFound, "error.no_such_user")
	}
	if !d.IsAgent(inviteeID, conv.Group) {
		return helpdesk.Refuse(helpdesk.ErrInvalid, "error.not_agent_of_group", "User", "@"+invitee.Username)
	}
	if !d.IsOnline(inviteeID) {
		return helpdesk.Refuse(ErrNotOnline, "error.not_online", "User", "@"+invitee.Username)
	}
	if _, appErr := d.API.GetChannelMember(conv.ChannelID, inviteeID); appErr == nil {
		return helpdesk.Refuse(helpdesk.ErrConflict, "error.already_member", "User", "@"+invitee.Username)
	}
	dm, appErr := d.API.GetDirectChannel(d.BotUserID, inviteeID)
	if appErr != nil {
		return errors.Wrap(appErr, "failed to open a direct message with the invitee")
	}
	l := d.Texts.ForUser(inviteeID)
	sig := d.Signer.Sign("invite", conv.ID, inviteeID, dm.Id)
	ctx := map[string]any{"conversation_id": conv.ID, "invitee_id": inviteeID, "sig": sig}
	text := d.Texts.T(l, "invite.dm", map[string]any{"Inviter": d.username(inviterID), "Customer": conv.CustomerName})
	post := &model.Post{UserId: d.BotUserID, ChannelId: dm.Id}
	post.AddProp(bridge.PropOrigin, bridge.OriginWhatsApp)
	post.AddProp(bridge.PropConversation, conv.ID)
	model.ParseMessageAttachment(post, []*model.MessageAttachment{{
		Fallback: text,
		Text:     text,
		Color:    "#25D366",
		Actions: []*model.PostAction{
			{Id: "accept", Name: d.Texts.T(l, "invite.accept", nil), Type: model.PostActionTypeButton, Style: "primary",
				Integration: &model.PostActionIntegration{URL: InviteAcceptPath, Context: ctx}},
			{Id: "decline", Name: d.Texts.T(l, "invite.decline", nil), Type: model.PostActionTypeButton,
				Integration: &model.PostActionIntegration{URL: InviteDeclinePath, Context: ctx}},
		},
	}})
	if _, appErr := d.API.CreatePost(post); appErr != nil {
		return errors.Wrap(appErr, "failed to send the invitation")
	}
	return nil
}

// AnswerInvite accepts or declines an invitation; accepting adds the invitee to the channel.
func (d *Desk) AnswerInvite(inviteeID, convID string, accept bool) (*helpdesk.Conversation, error) {
	conv, err := d.Conversation(inviteeID, convID)
	if err != nil {
		return nil, err
	}
	if !accept {
		return conv, nil
	}
	if conv.State == helpdesk.StateClosed {
		return nil, helpdesk.Refuse(helpdesk.ErrConflict, "error.conversation_closed")
	}
	if _, appErr := d.API.AddChannelMember(conv.ChannelID, inviteeID); appErr != nil && appErr.StatusCode != http.StatusBadRequest {
		return nil, errors.Wrap(appErr, "failed to add you to the conversation")
	}
	joined := &model.Post{UserId: d.BotUserID, ChannelId: conv.ChannelID,
		Message: d.Texts.T(d.Texts.ForServer(), "invite.joined", map[string]any{"Agent": d.username(inviteeID)})}
	joined.AddProp(bridge.PropOrigin, bridge.OriginWhatsApp)
	joined.AddProp(bridge.PropKind, "joined")
	_, _ = d.API.CreatePost(joined)
	return conv, nil
}
