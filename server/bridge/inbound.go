// Package bridge moves messages between WhatsApp and Mattermost: inbound webhook messages become
// posts in a conversation's channel, agent posts become WhatsApp messages.
package bridge

import (
	"cmp"
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/action"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/metrics"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// errPosted marks a failure after the message's post was created.
var errPosted = errors.New("message posted but not marked done")

// ErrBusy means another delivery of the same message is still being processed; the webhook
// answers 503 so Meta delivers it again later.
var ErrBusy = errors.New("message is being processed by another delivery")

// Graph is the Graph API client of one WhatsApp number.
type Graph interface {
	DownloadMediaLimit(ctx context.Context, mediaID string, limit int64) (*whatsapp.DownloadedMedia, error)
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
	API           API
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
	Routes   Routes
	Notify   ConversationNotifier
	Starter  Starter
	Metrics  Counter
	// Survey takes satisfaction-survey answers (survey.go); optional.
	Survey SurveyAnswers
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// MediaConcurrency bounds the media transfers (download + file upload) running at once on
	// this node, so memory stays bounded whatever arrives; 0 means defaultMediaConcurrency.
	MediaConcurrency int
	// OptOutWords are the words that opt a customer out (nil: opt-out is not watched).
	OptOutWords func() helpdesk.OptOutWords
	// PersonChanged makes every node's cache forget a person whose record changed (nil: this
	// node's only).
	PersonChanged func(personID string)

	cacheOnce sync.Once
	cache     *customerCache
	mediaOnce sync.Once
	media     chan struct{}
}

func (in *Inbound) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// ForgetConversation drops what this node cached about a conversation; called when it closes,
// here and (through a cluster event) on every other node.
func (in *Inbound) ForgetConversation(convID string) {
	in.customers().forgetConversation(convID, true)
}

// ForgetPerson drops what this node cached about a person merged into another or erased; called
// here and (through a cluster event) on every other node.
func (in *Inbound) ForgetPerson(personID string) {
	in.customers().forgetPerson(personID)
}

func (in *Inbound) customers() *customerCache {
	in.cacheOnce.Do(func() { in.cache = newCustomerCache(10000, 10*time.Minute) })
	return in.cache
}

// cached is this node's cache entry of a sender, when WhatsApp reports nothing new about them.
func (in *Inbound) cached(route Route, contact whatsapp.Contact, waID string) (cachedCustomer, bool) {
	c, ok := in.customers().get(cacheKey(route.Group.Name, waID, contact.UserID), in.now())
	if !ok || c.profileName != contact.Profile.Name || c.person.WaID != waID || (contact.UserID != "" && c.person.BSUID != contact.UserID) {
		return cachedCustomer{}, false
	}
	return c, true
}

// HandleMessage processes one inbound message exactly once. A nil error means the message is
// durably in Mattermost (or was a duplicate); an error means Meta must deliver it again.
func (in *Inbound) HandleMessage(ctx context.Context, route Route, contact whatsapp.Contact, msg *whatsapp.Message) error {
	check := in.startOpenCheck(route, contact, msg)
	claim, rec, err := in.Messages.Claim(msg.ID, check.channel())
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
	process := func() error { return in.process(ctx, route, contact, msg, rec, check, false) }
	if rec.PostID != "" {
		process = func() error { return in.resumeMedia(ctx, route, contact, msg, rec) }
	}
	if err := process(); err != nil {
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
	if in.Metrics != nil {
		in.Metrics.Inc(name, reason...)
	}
}

func (in *Inbound) changed(conv *helpdesk.Conversation) {
	if in.Notify != nil {
		in.Notify.ConversationChanged(conv)
	}
}

// waitForOther lets a concurrent duplicate answer 200 once the first delivery is done, or 503 so
// that Meta retries if it is not.
func (in *Inbound) waitForOther(wamid string) error {
	deadline := time.Now().Add(in.BusyWait)
	for try := 0; time.Now().Before(deadline); try++ {
		time.Sleep(25 * time.Millisecond)
		rec, found, err := in.Messages.Get(wamid)
		if err != nil {
			return err
		}
		if found && rec.State != helpdesk.MessageProcessing {
			return nil
		}
		// A claim that named its channel is done once its post is there (it gets no done mark).
		if found && rec.ChannelID != "" && try%4 == 0 && in.findPosted(rec.ChannelID, wamid, rec.ClaimedAt) != nil {
			return nil
		}
	}
	return ErrBusy
}

// process posts a claimed message. moved says it runs again because its first post landed in a
// conversation that closed meanwhile.
func (in *Inbound) process(ctx context.Context, route Route, contact whatsapp.Contact, msg *whatsapp.Message, rec helpdesk.MessageRecord, check *openCheck, moved bool) error {
	contact, ok := in.validSender(contact, msg)
	if !ok {
		return in.refuseSender(route, msg, rec)
	}
	if done, err := in.answerSurvey(ctx, route, contact, msg, rec); err != nil || done {
		return err
	}
	waID := contact.WaID
	// The 24-hour window runs from WhatsApp's timestamp, but never from the future.
	now := in.now()
	sentAt := whatsapp.ParseTimestamp(msg.Timestamp)
	if sentAt.IsZero() {
		sentAt = now
	} else if sentAt.After(now) {
		in.API.LogWarn("A WhatsApp message has a timestamp in the future; the time of receipt is used",
			"wamid", msg.ID, "timestamp", msg.Timestamp)
		sentAt = now
	}
	res, err := in.customerFor(route, contact, waID, sentAt, check)
	if err != nil {
		return err
	}
	person, conv, isNew := res.person, res.conv, res.isNew

	claimedIn := rec.ChannelID
	rec.ConversationID, rec.ChannelID = conv.ID, conv.ChannelID
	if rec.RecoveringSince != 0 {
		// The previous holder crashed after claiming: its post may exist, so find it first.
		if existing := in.findPosted(conv.ChannelID, msg.ID, rec.RecoveringSince); existing != nil {
			rec.PostID = existing.Id
			if existing.GetProp(wapost.PropMediaPending) != nil {
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
		Message:   in.renderInbound(l, person.Name, msg),
	}
	if msg.Type == "reaction" && msg.Reaction != nil {
		post.Message = in.Texts.T(l, "inbound.reaction", map[string]any{"Emoji": format.Inert(msg.Reaction.Emoji)})
	}
	wapost.MarkInbound(post, person.Name, msg.ID, sentAt)

	switch {
	case msg.Type == "edit" && msg.Edit != nil:
		if done, err := in.applyEdit(l, conv, person, msg, rec); err != nil || done {
			return err
		}
		// The original is not in this conversation: the new text is posted with a quote of it.
		post.Message = "✏️ _" + in.Texts.T(l, "inbound.edited_earlier", nil) + "_\n" + in.renderEdited(l, person.Name, msg.Edit)
		in.addReply(l, post, conv, msg.Edit.OriginalMessageID)
	case msg.Type == "revoke" && msg.Revoke != nil:
		if done, err := in.applyRevoke(l, conv, person, msg, rec); err != nil || done {
			return err
		}
		post.Message = "🗑️ _" + in.Texts.T(l, "inbound.deleted_earlier", nil) + "_"
		in.addReply(l, post, conv, msg.Revoke.OriginalMessageID)
	case msg.Context != nil && msg.Context.ID != "":
		in.addReply(l, post, conv, msg.Context.ID)
	}

	var files []string
	if long, err := in.attachLongText(post, msg); err != nil {
		return err
	} else if long != "" {
		files = append(files, long)
	}

	mediaMissing := false
	if media := msg.MediaObject(); media != nil && media.ID != "" {
		fileID, err := in.fetchMedia(ctx, route, conv.ChannelID, msg, media)
		switch {
		case err == nil:
			files = append(files, fileID)
		case permanentMedia(err):
			in.API.LogWarn("WhatsApp media can never be fetched; the post says why",
				"wamid", msg.ID, "media_id", media.ID, "error", err.Error())
			in.count(metrics.MediaRetry, "permanent")
			post.Message += "\n❌ " + in.Texts.T(l, "inbound.media.failed", map[string]any{"Reason": mediaReason(err)})
			post.AddProp(wapost.PropMediaFailed, mediaReason(err))
		default:
			in.API.LogWarn("Could not fetch WhatsApp media; a placeholder is posted and the download retried",
				"wamid", msg.ID, "media_id", media.ID, "error", err.Error())
			mediaMissing = true
			in.count(metrics.MediaRetry)
			post.Message += "\n⏳ " + in.Texts.T(l, "inbound.media.pending", nil) + " (" + mediaReason(err) + ")"
			post.AddProp(wapost.PropMediaPending, media.ID)
		}
	}
	if len(files) > 0 {
		post.FileIds = model.StringArray(files)
	}

	created, err := in.createPost(route, post)
	if err != nil {
		return err
	}
	rec.PostID = created.Id
	if created.ChannelId == conv.ChannelID && !moved {
		open, err := in.confirmOpen(route, contact, res)
		if err != nil {
			return errors.Wrap(errPosted, err.Error())
		}
		if !open {
			// The conversation closed while the post was on its way, perhaps after its
			// transcript was taken: the message starts the customer's next conversation too.
			in.API.LogWarn("A message reached a conversation as it closed; it is posted in a new one too",
				"wamid", msg.ID, "conversation_id", conv.ID)
			return in.process(ctx, route, contact, msg, rec, nil, true)
		}
	}
	if mediaMissing {
		if err := in.Messages.Partial(msg.ID, rec); err != nil {
			return errors.Wrap(errPosted, err.Error())
		}
		if err := in.scheduleMediaRetry(route, contact, msg); err != nil {
			return errors.Wrap(errPosted, err.Error())
		}
	} else if claimedIn != created.ChannelId {
		// The claim did not name the channel the post is in (a new conversation, or a refused
		// post made elsewhere): only a done mark says where the post is.
		if err := in.Messages.Complete(msg.ID, rec); err != nil {
			return errors.Wrap(errPosted, err.Error())
		}
	}
	// Otherwise the claim named the channel and the post there is the done mark: a duplicate
	// finds it (waitForOther, findPosted after a lease), so the hot path is the claim and the post.
	if touched, err := in.Conversations.TouchInbound(conv, sentAt); err != nil {
		in.API.LogWarn("Could not record the customer's last message time", "conversation_id", conv.ID, "error", err.Error())
	} else if touched.LastInboundAt != conv.LastInboundAt {
		conv = touched
		res.conv = conv
		in.remember(route, contact, waID, res)
	}
	in.noteOptOut(conv, person, msg)
	if isNew && in.Starter != nil {
		// In the background: the webhook answers as soon as the message is stored.
		go in.Starter.NewConversation(conv)
	}
	return nil
}

// maxSenderID bounds a wa_id: phone numbers have at most 15 digits; a little slack is left.
const maxSenderID = 20

// maxBSUID is the longest business-scoped user id WhatsApp documents.
const maxBSUID = 256

// validSender checks the ids a person is keyed on. An invalid wa_id is dropped when a valid
// business-scoped user id identifies the sender; ok is false when nothing valid is left.
func (in *Inbound) validSender(contact whatsapp.Contact, msg *whatsapp.Message) (whatsapp.Contact, bool) {
	if contact.WaID == "" {
		contact.WaID = msg.From
	}
	if !validWaID(contact.WaID) {
		if contact.WaID != "" {
			in.API.LogWarn("Ignored an invalid WhatsApp sender id", "wamid", msg.ID, "length", len(contact.WaID))
		}
		contact.WaID = ""
	}
	if len(contact.UserID) > maxBSUID || strings.ContainsAny(contact.UserID, "\x00\n\r") {
		in.API.LogWarn("Ignored an invalid WhatsApp business-scoped user id", "wamid", msg.ID, "length", len(contact.UserID))
		contact.UserID = ""
	}
	return contact, contact.WaID != "" || contact.UserID != ""
}

func validWaID(s string) bool {
	if s == "" || len(s) > maxSenderID {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// refuseSender records a message whose sender cannot be identified as done (a redelivery would
// fail the same way) and says so visibly in the chat group's queue and in the log.
func (in *Inbound) refuseSender(route Route, msg *whatsapp.Message, rec helpdesk.MessageRecord) error {
	in.count(metrics.Rejected, "invalid_sender")
	in.API.LogError("Refused a WhatsApp message whose sender id is not valid", "wamid", msg.ID, "type", msg.Type)
	if route.QueueChannelID != "" {
		note := &model.Post{UserId: in.BotUserID, ChannelId: route.QueueChannelID,
			Message: "⚠️ " + in.Texts.T(in.Texts.ForServer(), "inbound.invalid_sender", map[string]any{"WAMID": truncate(msg.ID, 100)})}
		note.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
		note.AddProp(wapost.PropKind, wapost.KindRefusedMessage)
		if _, appErr := in.API.CreatePost(note); appErr != nil && !permanentRefusal(appErr) {
			return errors.Wrap(appErr, "failed to report a refused message")
		}
	}
	return in.Messages.Complete(msg.ID, rec)
}

// createPost creates an inbound post. A permanent refusal by Mattermost (a 4xx) never turns
// into endless redeliveries: the post is retried without its thread, then without its files,
// then as a short notice, in the conversation channel and finally in the queue channel.
func (in *Inbound) createPost(route Route, post *model.Post) (*model.Post, error) {
	created, appErr := in.API.CreatePost(post)
	if appErr == nil {
		return created, nil
	}
	if !permanentRefusal(appErr) {
		return nil, errors.Wrap(appErr, "failed to post the message")
	}
	first := appErr
	l := in.Texts.ForServer()
	customer, _ := post.GetProp(wapost.PropCustomer).(string)
	notice := "⚠️ " + in.Texts.T(l, "inbound.post_refused", map[string]any{"Customer": customer, "Reason": appErr.Id})
	var attempts []*model.Post
	if post.RootId != "" {
		p := post.Clone()
		p.RootId = ""
		attempts = append(attempts, p)
	}
	if len(post.FileIds) > 0 {
		p := post.Clone()
		p.RootId, p.FileIds = "", nil
		attempts = append(attempts, p)
	}
	short := post.Clone()
	short.RootId, short.FileIds = "", nil
	short.Message = notice + "\n\n" + truncate(post.Message, 2000)
	attempts = append(attempts, short)
	if route.QueueChannelID != "" && route.QueueChannelID != post.ChannelId {
		inQueue := short.Clone()
		inQueue.ChannelId = route.QueueChannelID
		attempts = append(attempts, inQueue)
	}
	for _, p := range attempts {
		created, appErr = in.API.CreatePost(p)
		if appErr == nil {
			in.count(metrics.Rejected, "post_refused")
			in.API.LogWarn("Mattermost refused an inbound post; a simpler one was made",
				"wamid", post.GetProp(wapost.PropWAMID), "channel_id", p.ChannelId, "error", first.Error())
			return created, nil
		}
		if !permanentRefusal(appErr) {
			return nil, errors.Wrap(appErr, "failed to post the message")
		}
	}
	return nil, errors.Wrap(first, "Mattermost refused every form of the message")
}

// permanentRefusal tells a Mattermost refusal that the same request will meet again (a 4xx
// other than rate limiting) from a transient failure.
func permanentRefusal(appErr *model.AppError) bool {
	return appErr != nil && appErr.StatusCode >= 400 && appErr.StatusCode < 500 &&
		appErr.StatusCode != http.StatusTooManyRequests && appErr.StatusCode != http.StatusRequestTimeout
}

// attachLongText keeps a post within Mattermost's size: an overlong text is cut in the post
// and attached whole as a text file. It answers the file's id, or "" when nothing was needed.
func (in *Inbound) attachLongText(post *model.Post, msg *whatsapp.Message) (string, error) {
	if utf8.RuneCountInString(post.Message) <= maxPostRunes {
		return "", nil
	}
	l := in.Texts.ForServer()
	full := post.Message
	info, appErr := in.API.UploadFile([]byte(full), post.ChannelId, "whatsapp-text-"+fileSafe(msg.ID)+".txt")
	note := in.Texts.T(l, "inbound.long_text", nil)
	fileID := ""
	switch {
	case appErr == nil:
		fileID = info.Id
	case permanentRefusal(appErr):
		note = in.Texts.T(l, "inbound.truncated", nil)
		in.API.LogWarn("Could not attach an overlong WhatsApp text; it is cut", "wamid", msg.ID, "error", appErr.Error())
	default:
		return "", errors.Wrap(appErr, "failed to attach an overlong text")
	}
	tail := "\n\n_✂️ " + note + "_"
	post.Message = truncate(full, maxPostRunes-utf8.RuneCountInString(tail)-1) + tail
	post.AddProp("wa_truncated", true)
	return fileID, nil
}

// maxPostRunes is Mattermost's post size (model.PostMessageMaxRunesV2), less room for the
// delivery marks the plugin may append later (media arrived, edited).
const maxPostRunes = model.PostMessageMaxRunesV2 - 500

func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '.' || r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			b.WriteRune(r)
		}
		if b.Len() >= 80 {
			break
		}
	}
	return b.String()
}

// findPosted looks for the post of wamid made since a crashed claim began.
func (in *Inbound) findPosted(channelID, wamid string, since int64) *model.Post {
	// since is on the plugin's clock, posts' times on the server's: they differ only when a test
	// moves the plugin's clock.
	since -= time.Until(in.now()).Milliseconds()
	list, appErr := in.API.GetPostsSince(channelID, since-time.Minute.Milliseconds())
	if appErr != nil {
		return nil
	}
	for _, p := range list.Posts {
		if p.GetProp(wapost.PropWAMID) == wamid && p.GetProp("wa_media_for") == nil && p.DeleteAt == 0 {
			return p
		}
	}
	return nil
}

// postForWAMID maps a wamid, inbound or sent by us, to its post.
func (in *Inbound) postForWAMID(wamid string) string {
	if rec, found, err := in.Messages.Get(wamid); err == nil && found {
		if rec.PostID != "" {
			return rec.PostID
		}
		if rec.ChannelID != "" {
			if p := in.findPosted(rec.ChannelID, wamid, rec.ClaimedAt); p != nil {
				return p.Id
			}
		}
	}
	var postID string
	if _, err := store.GetJSON(in.KV, store.OutboundKey(wamid), &postID); err == nil {
		return postID
	}
	return ""
}

// react mirrors a customer's reaction onto the post it refers to, as the bot's reaction. It
// reports false when the post or emoji is unknown, so the caller posts the reaction as text.
func (in *Inbound) react(msg *whatsapp.Message, _ *helpdesk.Person) (bool, error) {
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

// ---- Customer edits and deletions ----

// customerPostIn is the customer's own inbound post of wamid when it is in channelID.
func (in *Inbound) customerPostIn(wamid, channelID string) *model.Post {
	p := in.postOf(wamid)
	if p == nil || p.ChannelId != channelID {
		return nil
	}
	if !wapost.IsInbound(p) {
		return nil
	}
	return p
}

// applyEdit updates the original post of a customer's edit with the new text and an "edited"
// mark, and keeps the earlier text visible in a reply in its thread. It reports false when the
// original is not a post of this conversation, for the caller to post the edit on its own.
func (in *Inbound) applyEdit(l *l10n.Localizer, conv *helpdesk.Conversation, person *helpdesk.Person, msg *whatsapp.Message, rec helpdesk.MessageRecord) (bool, error) {
	orig := in.customerPostIn(msg.Edit.OriginalMessageID, conv.ChannelID)
	if orig == nil {
		return false, nil
	}
	before := orig.Message
	if by, _ := orig.GetProp("wa_edited_by").(string); by == msg.ID {
		before, _ = orig.GetProp("wa_before").(string) // a redelivery of an edit applied before
	}
	updated := orig.Clone()
	updated.Message = in.renderEdited(l, person.Name, msg.Edit) + "\n_✏️ " + in.Texts.T(l, "inbound.edited", nil) + "_"
	updated.AddProp("wa_edited_by", msg.ID)
	updated.AddProp("wa_before", truncate(before, 4000))
	if _, appErr := in.API.UpdatePost(updated); appErr != nil {
		if !permanentRefusal(appErr) {
			return true, errors.Wrap(appErr, "failed to apply the customer's edit")
		}
		return false, nil
	}
	earlier := before
	reply := &model.Post{UserId: in.BotUserID, ChannelId: conv.ChannelID, RootId: cmp.Or(orig.RootId, orig.Id),
		Message: "✏️ _" + in.Texts.T(l, "inbound.edit_before", nil) + "_\n> " + strings.ReplaceAll(truncate(earlier, 4000), "\n", "\n> ")}
	sentAt := whatsapp.ParseTimestamp(msg.Timestamp)
	if now := in.now(); sentAt.IsZero() || sentAt.After(now) {
		sentAt = now
	}
	wapost.MarkInbound(reply, person.Name, msg.ID, sentAt)
	reply.AddProp("wa_edit_of", orig.Id)
	if _, appErr := in.API.CreatePost(reply); appErr != nil && !permanentRefusal(appErr) {
		return true, errors.Wrap(appErr, "failed to keep the text before the customer's edit")
	}
	return true, in.Messages.Complete(msg.ID, rec)
}

// applyRevoke marks the original post of a customer's deletion. It reports false when the
// original is not a post of this conversation.
func (in *Inbound) applyRevoke(l *l10n.Localizer, conv *helpdesk.Conversation, person *helpdesk.Person, msg *whatsapp.Message, rec helpdesk.MessageRecord) (bool, error) {
	orig := in.customerPostIn(msg.Revoke.OriginalMessageID, conv.ChannelID)
	if orig == nil {
		return false, nil
	}
	if deleted, _ := orig.GetProp("wa_deleted").(bool); !deleted {
		updated := orig.Clone()
		updated.Message = orig.Message + "\n🗑️ _" + in.Texts.T(l, "inbound.deleted", map[string]any{"Customer": person.Name}) + "_"
		updated.AddProp("wa_deleted", true)
		updated.AddProp("wa_deleted_by", msg.ID)
		if _, appErr := in.API.UpdatePost(updated); appErr != nil {
			if !permanentRefusal(appErr) {
				return true, errors.Wrap(appErr, "failed to mark the customer's deletion")
			}
			return false, nil
		}
	}
	return true, in.Messages.Complete(msg.ID, rec)
}
