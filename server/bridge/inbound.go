// Package bridge moves messages between WhatsApp and Mattermost: inbound webhook messages become
// posts in a conversation's channel, agent posts become WhatsApp messages.
package bridge

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/action"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/metrics"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Post props the plugin writes; MessageHasBeenPosted ignores posts that carry PropOrigin.
const (
	PropOrigin       = "wa_origin"
	PropWAMID        = "wa_wamid"
	PropCustomer     = "wa_customer"
	PropCustomerID   = "wa_customer_id"
	PropConversation = "wa_conversation_id"
	PropType         = "wa_type"
	PropDirection    = "wa_direction"
	OriginWhatsApp   = "whatsapp"
	InboundPostType  = "custom_whatsapp_inbound"
	QueuePostType    = "custom_whatsapp_queue"
)

// errPosted marks a failure after the message's post was created.
var errPosted = errors.New("message posted but not marked done")

// ErrBusy means another delivery of the same message is still being processed; the webhook
// answers 503 so Meta delivers it again later.
var ErrBusy = errors.New("message is being processed by another delivery")

// Graph is the Graph API client of one WhatsApp number.
type Graph interface {
	DownloadMedia(ctx context.Context, mediaID string) (*whatsapp.DownloadedMedia, error)
	UploadMedia(ctx context.Context, filename, mimeType string, data []byte) (string, error)
	Send(ctx context.Context, m whatsapp.OutMessage) (whatsapp.SendResult, error)
	MarkRead(ctx context.Context, wamid string) error
}

// Route is where one WhatsApp number's conversations live in Mattermost.
type Route struct {
	Group          helpdesk.Group
	TeamID         string
	QueueChannelID string
	Graph          Graph
}

// Inbound turns webhook messages into conversation posts.
type Inbound struct {
	API           plugin.API
	KV            store.KV
	BotUserID     string
	People        *helpdesk.People
	Conversations *helpdesk.Conversations
	Messages      *helpdesk.Messages
	Texts         *l10n.Translator
	Emoji         *format.Emoji
	Signer        action.Signer
	// BusyWait is how long a duplicate waits for the delivery that holds the message.
	BusyWait time.Duration
	// Changed is told about every conversation the plugin created or changed (websocket events).
	Changed func(*helpdesk.Conversation)
	// NewConversation runs once a new conversation's first message is stored (automatic
	// messages, distribution).
	NewConversation func(*helpdesk.Conversation)
	// Count records what happened to a message (metrics).
	Count func(name string, reason ...string)

	cacheOnce sync.Once
	cache     *customerCache
}

// ForgetConversation drops what this node cached about a conversation; called when it closes,
// here and (through a cluster event) on every other node.
func (in *Inbound) ForgetConversation(convID string) {
	in.customers().forgetConversation(convID)
}

func (in *Inbound) customers() *customerCache {
	in.cacheOnce.Do(func() { in.cache = newCustomerCache(10000, 10*time.Minute) })
	return in.cache
}

// customerFor resolves the sender's person and open conversation (with its channel), from this
// node's cache when WhatsApp reports nothing new about them.
func (in *Inbound) customerFor(route Route, contact whatsapp.Contact, waID string) (*helpdesk.Person, *helpdesk.Conversation, bool, error) {
	key := cacheKey(route.Group.Name, waID, contact.UserID)
	now := time.Now()
	if c, ok := in.customers().get(key, now); ok && c.profileName == contact.Profile.Name &&
		c.person.WaID == waID && (contact.UserID == "" || c.person.BSUID == contact.UserID) {
		person, conv := c.person, c.conv
		return &person, &conv, false, nil
	}
	person, err := in.People.FromContact(waID, contact.UserID, contact.Profile.Name)
	if err != nil {
		return nil, nil, false, errors.Wrap(err, "failed to resolve the customer")
	}
	if !slices.Contains(person.Groups, route.Group.Name) {
		// Agents see the people of their chat groups: this one now wrote to this group.
		if person, err = in.People.JoinGroups(person.ID, route.Group.Name); err != nil {
			return nil, nil, false, errors.Wrap(err, "failed to record the customer's chat group")
		}
	}
	conv, isNew, err := in.conversationFor(route, person)
	if err != nil {
		return nil, nil, false, err
	}
	in.customers().put(key, cachedCustomer{profileName: contact.Profile.Name, person: *person, conv: *conv, at: now})
	return person, conv, isNew, nil
}

// CustomerPrefix starts an inbound post with the customer's name, made inert.
func CustomerPrefix(name string) string { return "**" + format.Inert(name) + ":** " }

// HandleMessage processes one inbound message exactly once. A nil error means the message is
// durably in Mattermost (or was a duplicate); an error means Meta must deliver it again.
func (in *Inbound) HandleMessage(ctx context.Context, route Route, contact whatsapp.Contact, msg *whatsapp.Message) error {
	claim, rec, err := in.Messages.Claim(msg.ID)
	if err != nil {
		return err
	}
	switch claim {
	case helpdesk.ClaimDone:
		in.count(metrics.Duplicate)
		return nil
	case helpdesk.ClaimBusy:
		in.count(metrics.Duplicate)
		return in.waitForOther(msg.ID)
	}
	in.count(metrics.Received, msg.Type)
	process := in.process
	if rec.PostID != "" {
		process = in.resumeMedia
	}
	if err := process(ctx, route, contact, msg, rec); err != nil {
		if errors.Is(err, errPosted) {
			// The post exists: keep the claim, so the delivery that takes it over after the lease
			// finds the post instead of making another.
			return err
		}
		if releaseErr := in.Messages.Release(msg.ID); releaseErr != nil {
			in.API.LogWarn("Could not release a message claim", "wamid", msg.ID, "error", releaseErr.Error())
		}
		return err
	}
	return nil
}

func (in *Inbound) count(name string, reason ...string) {
	if in.Count != nil {
		in.Count(name, reason...)
	}
}

// waitForOther lets a concurrent duplicate answer 200 once the first delivery is done, or 503 so
// that Meta retries if it is not.
func (in *Inbound) waitForOther(wamid string) error {
	deadline := time.Now().Add(in.BusyWait)
	for time.Now().Before(deadline) {
		time.Sleep(25 * time.Millisecond)
		rec, found, err := in.Messages.Get(wamid)
		if err != nil {
			return err
		}
		if found && rec.State != helpdesk.MessageProcessing {
			return nil
		}
	}
	return ErrBusy
}

func (in *Inbound) process(ctx context.Context, route Route, contact whatsapp.Contact, msg *whatsapp.Message, rec helpdesk.MessageRecord) error {
	waID := contact.WaID
	if waID == "" {
		waID = msg.From
	}
	person, conv, isNew, err := in.customerFor(route, contact, waID)
	if err != nil {
		return err
	}
	sentAt := whatsapp.ParseTimestamp(msg.Timestamp)
	if sentAt.IsZero() {
		sentAt = time.Now()
	}

	rec.ConversationID, rec.ChannelID = conv.ID, conv.ChannelID
	if rec.RecoveringSince != 0 {
		// The previous holder crashed after claiming: its post may exist, so find it first.
		if existing := in.findPosted(conv.ChannelID, msg.ID, rec.RecoveringSince); existing != nil {
			rec.PostID = existing.Id
			if existing.GetProp("wa_media_pending") != nil {
				return in.Messages.Partial(msg.ID, rec)
			}
			return in.Messages.Complete(msg.ID, rec)
		}
	}
	if msg.Type == "reaction" && msg.Reaction != nil {
		if done, err := in.react(msg, person); err != nil || done {
			if err == nil {
				err = in.Messages.Complete(msg.ID, rec)
			}
			return err
		}
	}

	l := in.Texts.ForServer()
	post := &model.Post{
		UserId:    in.BotUserID,
		ChannelId: conv.ChannelID,
		Type:      InboundPostType,
		Message:   CustomerPrefix(person.Name) + in.renderInbound(l, person.Name, msg),
	}
	if msg.Type == "reaction" && msg.Reaction != nil {
		post.Message = CustomerPrefix(person.Name) + in.Texts.T(l, "inbound.reaction", map[string]any{"Emoji": format.Inert(msg.Reaction.Emoji)})
	}
	// Defence in depth for customer text: no link previews or remote images, no highlights.
	post.AddProp(model.PostPropsUnsafeLinks, "true")
	post.AddProp(model.PostPropsMentionHighlightDisabled, true)
	post.AddProp(model.PostPropsGroupHighlightDisabled, true)
	post.AddProp(PropOrigin, OriginWhatsApp)
	post.AddProp(PropDirection, "inbound")
	post.AddProp(PropWAMID, msg.ID)
	post.AddProp(PropType, msg.Type)
	post.AddProp(PropCustomer, person.Name)
	post.AddProp(PropCustomerID, person.ID)
	post.AddProp(PropConversation, conv.ID)
	post.AddProp("wa_timestamp", sentAt.UnixMilli())
	if msg.Context != nil && msg.Context.ID != "" {
		post.AddProp("wa_reply_to", msg.Context.ID)
		if root := in.rootFor(msg.Context.ID); root != "" {
			post.RootId = root
		}
	}

	mediaMissing := false
	if media := msg.MediaObject(); media != nil && media.ID != "" {
		fileID, err := in.fetchMedia(ctx, route, conv.ChannelID, msg, media)
		if err != nil {
			in.API.LogWarn("Could not fetch WhatsApp media; a placeholder is posted and the download retried",
				"wamid", msg.ID, "media_id", media.ID, "error", err.Error())
			mediaMissing = true
			in.count(metrics.MediaRetry)
			post.Message += "\n⏳ " + in.Texts.T(l, "inbound.media.pending", nil)
			post.AddProp("wa_media_pending", media.ID)
		} else {
			post.FileIds = model.StringArray{fileID}
		}
	}

	created, appErr := in.API.CreatePost(post)
	if appErr != nil {
		return errors.Wrap(appErr, "failed to post the message")
	}
	rec.PostID = created.Id
	if mediaMissing {
		if err := in.Messages.Partial(msg.ID, rec); err != nil {
			return errors.Wrap(errPosted, err.Error())
		}
		if err := in.scheduleMediaRetry(route, contact, msg); err != nil {
			return errors.Wrap(errPosted, err.Error())
		}
	} else if err := in.Messages.Complete(msg.ID, rec); err != nil {
		return errors.Wrap(errPosted, err.Error())
	}
	if touched, err := in.Conversations.TouchInbound(conv, sentAt); err != nil {
		in.API.LogWarn("Could not record the customer's last message time", "conversation_id", conv.ID, "error", err.Error())
	} else if touched.LastInboundAt != conv.LastInboundAt {
		conv = touched
		in.customers().put(cacheKey(route.Group.Name, waID, contact.UserID), cachedCustomer{profileName: contact.Profile.Name, person: *person, conv: *conv, at: time.Now()})
	}
	if isNew && in.NewConversation != nil {
		in.NewConversation(conv)
	}
	return nil
}

// resumeMedia finishes a message whose media failed before: the file is posted in the
// placeholder's thread and the placeholder says so. Another failure keeps it partial.
func (in *Inbound) resumeMedia(ctx context.Context, route Route, _ whatsapp.Contact, msg *whatsapp.Message, rec helpdesk.MessageRecord) error {
	placeholder, appErr := in.API.GetPost(rec.PostID)
	if appErr != nil {
		return errors.Wrap(appErr, "failed to load the media placeholder")
	}
	media := msg.MediaObject()
	if media == nil {
		return in.Messages.Complete(msg.ID, rec)
	}
	fileID, err := in.fetchMedia(ctx, route, placeholder.ChannelId, msg, media)
	if err != nil {
		in.API.LogWarn("WhatsApp media still unavailable", "wamid", msg.ID, "error", err.Error())
		return in.Messages.Partial(msg.ID, rec)
	}
	post := &model.Post{UserId: in.BotUserID, ChannelId: placeholder.ChannelId, Type: InboundPostType, Message: placeholder.Message, FileIds: model.StringArray{fileID}}
	for k, v := range placeholder.GetProps() {
		post.AddProp(k, v)
	}
	post.DelProp("wa_media_pending")
	post.Message = strings.SplitN(placeholder.Message, "\n⏳", 2)[0]
	post.RootId = placeholder.Id
	if placeholder.RootId != "" {
		post.RootId = placeholder.RootId
	}
	post.AddProp("wa_media_for", placeholder.Id)
	if _, appErr := in.API.CreatePost(post); appErr != nil {
		return errors.Wrap(appErr, "failed to post the late media")
	}
	updated := placeholder.Clone()
	updated.DelProp("wa_media_pending")
	updated.Message = placeholder.Message + "\n✅ " + in.Texts.T(in.Texts.ForServer(), "inbound.media.arrived", nil)
	if _, appErr := in.API.UpdatePost(updated); appErr != nil {
		in.API.LogWarn("Could not update the media placeholder", "post_id", placeholder.Id, "error", appErr.Error())
	}
	if err := in.Messages.Complete(msg.ID, rec); err != nil {
		return err
	}
	return in.dropMediaRetry(msg.ID)
}

// fetchMedia downloads a media object and stores it as a Mattermost file in the channel.
func (in *Inbound) fetchMedia(ctx context.Context, route Route, channelID string, msg *whatsapp.Message, media *whatsapp.Media) (string, error) {
	if route.Graph == nil {
		return "", errors.New("no Graph API client configured")
	}
	dl, err := route.Graph.DownloadMedia(ctx, media.ID)
	if err != nil {
		return "", errors.Wrap(err, "failed to download media")
	}
	name := mediaFilename(msg.Type, media, dl.MimeType, msg.ID)
	info, appErr := in.API.UploadFile(dl.Data, channelID, name)
	if appErr != nil {
		return "", errors.Wrap(appErr, "failed to store media as a file")
	}
	return info.Id, nil
}

// findPosted looks for the post of wamid made since a crashed claim began.
func (in *Inbound) findPosted(channelID, wamid string, since int64) *model.Post {
	list, appErr := in.API.GetPostsSince(channelID, since-time.Minute.Milliseconds())
	if appErr != nil {
		return nil
	}
	for _, p := range list.Posts {
		if p.GetProp(PropWAMID) == wamid && p.GetProp("wa_media_for") == nil && p.DeleteAt == 0 {
			return p
		}
	}
	return nil
}

// rootFor finds the thread root for a WhatsApp reply, by the wamid it quotes.
func (in *Inbound) rootFor(wamid string) string {
	postID := in.postForWAMID(wamid)
	if postID == "" {
		return ""
	}
	post, appErr := in.API.GetPost(postID)
	if appErr != nil {
		return ""
	}
	if post.RootId != "" {
		return post.RootId
	}
	return post.Id
}

// postForWAMID maps a wamid, inbound or sent by us, to its post.
func (in *Inbound) postForWAMID(wamid string) string {
	if rec, found, err := in.Messages.Get(wamid); err == nil && found && rec.PostID != "" {
		return rec.PostID
	}
	var postID string
	if _, err := store.GetJSON(in.KV, store.OutboundKey(wamid), &postID); err == nil {
		return postID
	}
	return ""
}

// react mirrors a customer's reaction onto the post it refers to, as the bot's reaction. It
// reports false when the post or emoji is unknown, so the caller posts the reaction as text.
func (in *Inbound) react(msg *whatsapp.Message, person *helpdesk.Person) (bool, error) {
	postID := in.postForWAMID(msg.Reaction.MessageID)
	if postID == "" {
		return false, nil
	}
	if msg.Reaction.Emoji == "" {
		reactions, appErr := in.API.GetReactions(postID)
		if appErr != nil {
			return false, errors.Wrap(appErr, "failed to read reactions")
		}
		for _, r := range reactions {
			if r.UserId == in.BotUserID {
				if appErr := in.API.RemoveReaction(r); appErr != nil {
					return false, errors.Wrap(appErr, "failed to remove a reaction")
				}
			}
		}
		return true, nil
	}
	name, ok := in.Emoji.Name(msg.Reaction.Emoji)
	if !ok {
		return false, nil
	}
	if _, appErr := in.API.AddReaction(&model.Reaction{UserId: in.BotUserID, PostId: postID, EmojiName: name}); appErr != nil {
		return false, errors.Wrap(appErr, "failed to add the reaction")
	}
	return true, nil
}

func mediaFilename(kind string, media *whatsapp.Media, mimeType, wamid string) string {
	if media.Filename != "" {
		return media.Filename
	}
	ext := extensionFor(mimeType)
	if ext == "" {
		ext = extensionFor(media.MimeType)
	}
	id := media.ID
	if id == "" {
		id = wamid
	}
	return "whatsapp-" + kind + "-" + id + ext
}
