package workflow

import (
	"net/http"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// Post-action paths of invitations.
const (
	InviteAcceptPath  = "/plugins/whatsapp-helpdesk/actions/invite/accept"
	InviteDeclinePath = "/plugins/whatsapp-helpdesk/actions/invite/decline"
)

// ErrNotOnline refuses an invitation to an agent who is away, busy or offline.
var ErrNotOnline = helpdesk.ErrNotOnline

// InviteTTL is how long an invitation may be answered.
const InviteTTL = 24 * time.Hour

// Invitation states; only a pending one can be answered, once.
const (
	invitePending  = "pending"
	inviteAccepted = "accepted"
	inviteDeclined = "declined"
)

// Invitation is a pending or answered invitation, kept so that it is answered once and not
// after InviteTTL.
type Invitation struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	InviterID      string `json:"inviter_id"`
	InviteeID      string `json:"invitee_id"`
	PostID         string `json:"post_id"`
	State          string `json:"state"`
	CreatedAt      int64  `json:"created_at"`
}

// Invite asks another agent of the chat group to join the conversation: the invitee gets a DM
// from the bot with Accept and Decline. Only those who handle the conversation may invite, only
// online agents can be invited, and nobody invites themselves.
func (d *Desk) Invite(inviterID, convID, inviteeID string) error {
	conv, err := d.Handled(inviterID, convID)
	if err != nil {
		return err
	}
	if conv.State == helpdesk.StateClosed {
		return helpdesk.Refuse(helpdesk.ErrConflict, "error.conversation_closed")
	}
	if inviteeID == inviterID {
		return helpdesk.Refuse(helpdesk.ErrInvalid, "error.self_invite")
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
	inv := Invitation{ID: model.NewId(), ConversationID: conv.ID, InviterID: inviterID, InviteeID: inviteeID,
		State: invitePending, CreatedAt: d.Now().UnixMilli()}
	l := d.Texts.ForUser(inviteeID)
	sig := d.Signer.Sign("invite", inv.ID, conv.ID, inviteeID, dm.Id)
	ctx := map[string]any{"invite_id": inv.ID, "conversation_id": conv.ID, "invitee_id": inviteeID, "sig": sig}
	text := d.Texts.T(l, "invite.dm", map[string]any{"Inviter": d.username(inviterID), "Customer": format.Inert(conv.CustomerName)})
	post := &model.Post{UserId: d.BotUserID, ChannelId: dm.Id}
	post.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	post.AddProp(wapost.PropConversation, conv.ID)
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
	created, appErr := d.API.CreatePost(post)
	if appErr != nil {
		return errors.Wrap(appErr, "failed to send the invitation")
	}
	// The record binds the invitation to its post; it expires from the store a day after it
	// stops being answerable.
	inv.PostID = created.Id
	// Listed under the conversation: the DM names the customer, so an erasure deletes it.
	if err := store.NewIndex(d.conversations.KV, store.ConversationPostsIndexKey(conv.ID)).Add(created.Id); err != nil {
		return errors.Wrap(err, "failed to list the invitation under its conversation")
	}
	if _, err := d.conversations.KV.Set(store.InviteKey(inv.ID), inv, pluginapi.SetExpiry(2*InviteTTL)); err != nil {
		return errors.Wrap(err, "failed to record the invitation")
	}
	return nil
}

// AnswerInvite accepts or declines an invitation, exactly once and within InviteTTL; accepting
// adds the invitee to the channel. postID is the post the button was clicked on.
func (d *Desk) AnswerInvite(inviteeID, inviteID, postID string, accept bool) (*helpdesk.Conversation, error) {
	var inv Invitation
	found, err := store.GetJSON(d.conversations.KV, store.InviteKey(inviteID), &inv)
	if err != nil {
		return nil, err
	}
	if !found || inv.InviteeID != inviteeID || inv.PostID != postID {
		return nil, helpdesk.Refuse(helpdesk.ErrNotFound, "error.invite_unknown")
	}
	conv, err := d.Conversation(inviteeID, inv.ConversationID)
	if err != nil {
		return nil, err
	}
	if accept && conv.State == helpdesk.StateClosed {
		return nil, helpdesk.Refuse(helpdesk.ErrConflict, "error.conversation_closed")
	}
	now := d.Now()
	_, err = store.UpdateJSON(d.conversations.KV, store.InviteKey(inviteID), func(rec *Invitation, exists bool) (bool, error) {
		switch {
		case !exists:
			return false, helpdesk.Refuse(helpdesk.ErrNotFound, "error.invite_unknown")
		case rec.State != invitePending:
			return false, helpdesk.Refuse(helpdesk.ErrConflict, "error.invite_answered")
		case now.Sub(time.UnixMilli(rec.CreatedAt)) > InviteTTL:
			return false, helpdesk.Refuse(helpdesk.ErrConflict, "error.invite_expired")
		}
		rec.State = inviteDeclined
		if accept {
			rec.State = inviteAccepted
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if !accept {
		return conv, nil
	}
	if _, appErr := d.API.AddChannelMember(conv.ChannelID, inviteeID); appErr != nil && appErr.StatusCode != http.StatusBadRequest {
		return nil, errors.Wrap(appErr, "failed to add you to the conversation")
	}
	joined := &model.Post{UserId: d.BotUserID, ChannelId: conv.ChannelID,
		Message: d.Texts.T(d.Texts.ForServer(), "invite.joined", map[string]any{"Agent": d.username(inviteeID)})}
	joined.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	joined.AddProp(wapost.PropKind, wapost.KindJoined)
	_, _ = d.API.CreatePost(joined)
	return conv, nil
}
