package bridge

import (
	"context"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// conversationOfPost returns the conversation when post is an agent's message in a conversation
// channel, or nil for everything the plugin must leave alone.
func (o *Outbound) conversationOfPost(post *model.Post) *helpdesk.Conversation {
	if post.UserId == o.BotUserID || post.GetProp(wapost.PropOrigin) != nil || post.IsSystemMessage() || post.Type != "" {
		return nil
	}
	conv, err := o.Conversations.ByChannel(post.ChannelId)
	if err != nil {
		if !errors.Is(err, helpdesk.ErrNotFound) {
			o.API.LogWarn("Could not look up a channel's conversation", "channel_id", post.ChannelId, "error", err.Error())
		}
		return nil
	}
	return conv
}

// HandleAgentPost sends what an agent wrote in a conversation channel to the customer: text
// (markdown and emoji converted), files by uploaded media id, thread replies as WhatsApp replies.
// Internal notes stay in Mattermost. Refusals reach the agent as an ephemeral post.
func (o *Outbound) HandleAgentPost(ctx context.Context, post *model.Post) {
	conv := o.conversationOfPost(post)
	if conv == nil || o.isInternalNote(post.Message) {
		return
	}
	// Exactly one node sends a post, however often the hook runs.
	won, err := store.Insert(o.KV, store.OutboundPostKey(post.Id), post.UserId, 0)
	if err != nil || !won {
		return
	}
	if err := o.sendAgentPost(ctx, conv, post); err != nil {
		o.Ephemeral(post.UserId, post.ChannelId, o.Describe(post.UserId, err))
		var recorded recordedError
		if !errors.As(err, &recorded) {
			// Refused before anything reached WhatsApp (window, credits, file, settings).
			o.markNotSent(post, err)
		}
	}
}

func (o *Outbound) sendAgentPost(ctx context.Context, conv *helpdesk.Conversation, post *model.Post) error {
	d := agentDelivery(post)
	if err := o.check(conv, d); err != nil {
		return err
	}
	route, msgs, err := o.buildAgentMessages(ctx, conv, post)
	if err != nil || len(msgs) == 0 {
		return err
	}
	if balance, err := o.Credits.Balance(); err != nil {
		return err
	} else if balance.Balance <= 0 {
		return helpdesk.ErrNoCredits
	}
	if err := o.sendForPost(ctx, route, conv, post, msgs, d); err != nil {
		return err
	}
	o.MarkRead(ctx, conv)
	return nil
}

func agentDelivery(post *model.Post) Delivery {
	return Delivery{Kind: wapost.KindAgent, AgentID: post.UserId, FreeForm: true}
}

// buildAgentMessages converts an agent's post into WhatsApp messages, uploading its files.
func (o *Outbound) buildAgentMessages(ctx context.Context, conv *helpdesk.Conversation, post *model.Post) (Route, []whatsapp.OutMessage, error) {
	route, person, err := o.target(conv)
	if err != nil {
		return Route{}, nil, err
	}
	to := recipient(person)
	text := strings.TrimSpace(format.ToWhatsApp(post.Message))
	if len([]rune(text)) > whatsapp.MaxTextLength {
		return Route{}, nil, errors.Wrapf(whatsapp.ErrInvalidMessage, "the message is longer than WhatsApp's %d characters", whatsapp.MaxTextLength)
	}

	files, err := o.loadFiles(post.FileIds)
	if err != nil {
		return Route{}, nil, err
	}
	var msgs []whatsapp.OutMessage
	captionUsed := false
	for i, f := range files {
		mediaID, err := route.Graph.UploadMedia(ctx, f.info.Name, f.info.MimeType, f.data)
		if err != nil {
			return Route{}, nil, errors.Wrapf(err, "failed to upload %s", f.info.Name)
		}
		caption := ""
		if i == 0 && len(files) == 1 && text != "" && f.kind != whatsapp.OutTypeAudio && f.kind != whatsapp.OutTypeSticker &&
			len([]rune(text)) <= whatsapp.MaxCaptionLength {
			caption, captionUsed = text, true
		}
		filename := ""
		if f.kind == whatsapp.OutTypeDocument {
			filename = f.info.Name
		}
		msgs = append(msgs, whatsapp.NewOutMedia(to, f.kind, mediaID, caption, filename))
	}
	if text != "" && !captionUsed {
		msgs = append([]whatsapp.OutMessage{whatsapp.NewOutText(to, text)}, msgs...)
	}
	if replyTo := o.quotedWAMID(post); replyTo != "" {
		for i := range msgs {
			msgs[i].ReplyTo = replyTo
		}
	}
	return route, msgs, nil
}

type outboundFile struct {
	info *model.FileInfo
	data []byte
	kind whatsapp.OutType
}

// loadFiles reads and checks every attachment before anything is sent, so a file WhatsApp would
// refuse stops the whole post with a clear reason.
func (o *Outbound) loadFiles(ids []string) ([]outboundFile, error) {
	files := make([]outboundFile, 0, len(ids))
	for _, id := range ids {
		info, appErr := o.API.GetFileInfo(id)
		if appErr != nil {
			return nil, errors.Wrap(appErr, "failed to read an attachment")
		}
		kind, err := whatsapp.ClassifyMedia(info.MimeType, info.Size)
		if err != nil {
			return nil, errors.Wrap(err, info.Name)
		}
		data, appErr := o.API.GetFile(id)
		if appErr != nil {
			return nil, errors.Wrapf(appErr, "failed to read %s", info.Name)
		}
		files = append(files, outboundFile{info: info, data: data, kind: kind})
	}
	return files, nil
}

// quotedWAMID returns the WhatsApp message a thread reply answers: the thread root's wamid.
func (o *Outbound) quotedWAMID(post *model.Post) string {
	if post.RootId == "" {
		return ""
	}
	root, appErr := o.API.GetPost(post.RootId)
	if appErr != nil {
		return ""
	}
	wamid, _ := root.GetProp(wapost.PropWAMID).(string)
	return wamid
}

// HandleAgentEdit tells the agent that edits cannot reach WhatsApp.
func (o *Outbound) HandleAgentEdit(newPost, oldPost *model.Post) {
	if newPost.Message == oldPost.Message {
		return // a props update, such as the plugin recording delivery state
	}
	if conv := o.conversationOfPost(oldPost); conv != nil && !o.isInternalNote(oldPost.Message) {
		o.Ephemeral(newPost.UserId, newPost.ChannelId, o.Texts.T(o.Texts.ForUser(newPost.UserId), "outbound.edit", nil))
	}
}

// HandleAgentDelete tells the agent that deletions cannot reach WhatsApp.
func (o *Outbound) HandleAgentDelete(post *model.Post) {
	if conv := o.conversationOfPost(post); conv != nil && !o.isInternalNote(post.Message) {
		o.Ephemeral(post.UserId, post.ChannelId, o.Texts.T(o.Texts.ForUser(post.UserId), "outbound.delete", nil))
	}
}

// Ephemeral shows text only to userID in channelID, from the bot.
func (o *Outbound) Ephemeral(userID, channelID, text string) {
	o.API.SendEphemeralPost(userID, &model.Post{UserId: o.BotUserID, ChannelId: channelID, Message: text})
}
