package workflow

import (
	"context"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Opener opens the conversation an agent starts (server/bridge).
type Opener interface {
	OpenProactive(route bridge.Route, person *helpdesk.Person) (*helpdesk.Conversation, bool, error)
}

// StartRequest is a proactive conversation: an approved template sent to a phone number.
type StartRequest struct {
	Phone    string
	Template string
	Language string
	// Params are the template's values in ParamLabels order. With HeaderFileID (a file the agent
	// attached in Mattermost) the media header's value is that file and is left out of Params.
	Params       []string
	HeaderFileID string
	// Group is the chat group; empty: the group of ChannelID (a conversation or queue channel
	// where the agent acted), else the default group.
	Group     string
	ChannelID string
}

// Start sends an approved template to a phone number and opens the conversation for it,
// attended by agentID: the customer's open conversation when they have one, else a new one
// with its own channel. Everything that can be refused is refused before anything is created
// or sent; a proactive start sends only the template (no start-of-service message).
func (d *Desk) Start(ctx context.Context, agentID string, req StartRequest) (*helpdesk.Conversation, error) {
	group := d.startGroup(agentID, req)
	if !d.IsAgent(agentID, group) {
		return nil, helpdesk.Refuse(ErrForbidden, "error.not_group_agent")
	}
	phone := helpdesk.CanonicalPhone(req.Phone)
	if len(phone) < 8 || len(phone) > 15 {
		return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.bad_phone", "Phone", strings.TrimSpace(req.Phone))
	}
	t, err := d.templates.Find(ctx, strings.TrimSpace(req.Template), strings.TrimSpace(req.Language))
	if err != nil {
		return nil, err
	}
	values := req.Params
	withFile := req.HeaderFileID != "" && t.HasMediaHeader()
	if withFile {
		values = append([]string{"file"}, values...) // replaced by the uploaded file's id below
	}
	params, err := t.ParamsFromList(values)
	if err != nil {
		return nil, err
	}
	if _, err := whatsapp.BuildTemplateMessage(t, "0", params); err != nil {
		return nil, err
	}
	if balance, err := d.credits.Balance(); err != nil {
		return nil, err
	} else if balance.Balance <= 0 {
		return nil, helpdesk.ErrNoCredits
	}
	person, err := d.people.ForPhone(phone)
	if err != nil {
		return nil, err
	}
	if person.OptedOut {
		// The name only for agents who may see the person: the number alone reveals nothing new.
		name := helpdesk.FormatPhone(phone)
		if d.PeopleScope(agentID).Sees(person) {
			name = person.Name
		}
		return nil, helpdesk.Refuse(helpdesk.ErrConflict, "error.opted_out", "Customer", name, "Phone", helpdesk.FormatPhone(phone))
	}
	route, err := d.Routes.ForGroup(group)
	if err != nil {
		return nil, err
	}
	if withFile {
		// Only a file the agent uploaded: a file id alone must not reach another channel's files.
		if info, appErr := d.API.GetFileInfo(req.HeaderFileID); appErr != nil || info.CreatorId != agentID {
			return nil, helpdesk.Refuse(ErrForbidden, "error.header_file")
		}
		id, name, err := d.Outbound.UploadHeaderFile(ctx, route, req.HeaderFileID)
		if err != nil {
			return nil, err
		}
		params.HeaderMediaID, params.HeaderMediaLink = id, ""
		if strings.EqualFold(t.HeaderFormat(), "DOCUMENT") {
			params.HeaderFilename = name
		}
	}
	if person, err = d.people.JoinGroups(person.ID, group); err != nil {
		return nil, err
	}
	conv, created, err := d.startConversation(route, agentID, person)
	if err != nil {
		return nil, err
	}
	if err := d.SendHSM(ctx, agentID, conv.ID, t.Name, t.Language, params); err != nil {
		return conv, err
	}
	if created {
		d.note(conv, wapost.KindAwaitingReply, "start.awaiting_reply")
	}
	return d.conversations.Get(conv.ID)
}

// startConversation attends the person's open conversation for agentID (refusing one a colleague
// attends, unless agentID may act on it), or opens a new one attended by agentID.
func (d *Desk) startConversation(route bridge.Route, agentID string, person *helpdesk.Person) (*helpdesk.Conversation, bool, error) {
	conv, err := d.conversations.OpenOf(route.Group.Name, person.ID)
	if err != nil {
		return nil, false, err
	}
	created := false
	if conv == nil {
		if conv, created, err = d.Opener.OpenProactive(route, person); err != nil {
			return nil, false, err
		}
	}
	if conv.State == helpdesk.StateWaiting {
		attended, err := d.conversations.Attend(conv.ID, agentID)
		switch {
		case err == nil:
			d.joinAttended(attended, agentID)
			return attended, created, nil
		case !errors.Is(err, helpdesk.ErrConflict):
			return nil, false, err
		}
		// Someone attended it a moment ago: the checks below decide.
	}
	conv, err = d.Handled(agentID, conv.ID)
	if err != nil {
		return nil, false, err
	}
	if conv.State != helpdesk.StateActive {
		return nil, false, helpdesk.Refuse(helpdesk.ErrConflict, "error.conversation_closed")
	}
	return conv, created, nil
}

// joinAttended adds the agent to the channel of a conversation they now attend and tells everyone.
func (d *Desk) joinAttended(conv *helpdesk.Conversation, agentID string) {
	if _, appErr := d.API.AddChannelMember(conv.ChannelID, agentID); appErr != nil && appErr.StatusCode != http.StatusBadRequest {
		d.API.LogError("Could not add the agent to the conversation channel", "conversation_id", conv.ID, "error", appErr.Error())
	}
	d.Announcer.UpdateAnnouncement(conv)
	d.changed(conv)
}

// startGroup picks the chat group of a start: the one asked for, else the one of the channel the
// agent acted in, else the default group (the first configured).
func (d *Desk) startGroup(agentID string, req StartRequest) string {
	if req.Group != "" {
		return req.Group
	}
	groups := d.Settings().Groups
	if req.ChannelID != "" {
		if conv, err := d.conversations.ByChannel(req.ChannelID); err == nil {
			return conv.Group
		}
		for _, g := range groups {
			if route, err := d.Routes.ForGroup(g.Name); err == nil && route.QueueChannelID == req.ChannelID {
				return g.Name
			}
		}
	}
	for _, g := range groups {
		if g.Name == helpdesk.DefaultGroupName {
			return g.Name
		}
	}
	if mine := d.AgentGroups(agentID); len(mine) > 0 {
		return mine[0]
	}
	return helpdesk.DefaultGroupName
}

// note posts a bot notice for agents in a conversation's channel (it never reaches WhatsApp).
func (d *Desk) note(conv *helpdesk.Conversation, kind, messageID string) {
	post := &model.Post{UserId: d.BotUserID, ChannelId: conv.ChannelID, Message: "ℹ️ " + d.Texts.T(d.Texts.ForServer(), messageID, nil)}
	post.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	post.AddProp(wapost.PropKind, kind)
	post.AddProp(wapost.PropConversation, conv.ID)
	if _, appErr := d.API.CreatePost(post); appErr != nil {
		d.API.LogWarn("Could not post a notice in the conversation", "conversation_id", conv.ID, "kind", kind, "error", appErr.Error())
	}
}
