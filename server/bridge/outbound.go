package bridge

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/action"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/failure"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/metrics"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Props of outbound posts.
const (
	BizPostTag   = "mm:post:"
	StatusSent   = "sent"
	StatusFailed = "failed"
)

// Refusals of a send, each told to the agent before anything reaches WhatsApp.
var (
	ErrWindowClosed = failure.ErrWindowClosed
	ErrClosed       = failure.ErrClosed
)

// Outbound sends to customers: agents' posts, plugin messages (start, end, macros) and HSMs.
// Every send passes the same checks: 24-hour window for free-form messages, then credits.
type Outbound struct {
	API           API
	KV            store.KV
	BotUserID     string
	Conversations *helpdesk.Conversations
	People        *helpdesk.People
	Credits       *helpdesk.Credits
	Texts         *l10n.Translator
	Now           func() time.Time
	Routes        Routes
	Notify        Notifier
	Metrics       Counter
	// Node names this plugin process in send records.
	Node   string
	Signer action.Signer

	settings settingsHolder
}

// Delivery describes why a message is sent, for the ledger and the checks.
type Delivery struct {
	Kind     string
	AgentID  string
	Template string
	// FreeForm messages need the 24-hour window; templates do not.
	FreeForm bool
}

// target resolves the route and customer of a conversation.
func (o *Outbound) target(conv *helpdesk.Conversation) (Route, *helpdesk.Person, error) {
	route, err := o.Routes.ForGroup(conv.Group)
	if err != nil {
		return Route{}, nil, err
	}
	person, err := o.People.Get(conv.PersonID)
	if err != nil {
		return Route{}, nil, err
	}
	if person.WaID == "" && person.Phone == "" {
		return Route{}, nil, errors.New("the customer has no WhatsApp number on record")
	}
	return route, person, nil
}

func recipient(p *helpdesk.Person) string {
	if p.WaID != "" {
		return p.WaID
	}
	return p.Phone
}

// check refuses what must not be sent at all.
func (o *Outbound) check(conv *helpdesk.Conversation, d Delivery) error {
	if conv.State == helpdesk.StateClosed && !afterClose(d.Kind) {
		return ErrClosed
	}
	if d.FreeForm && !conv.WindowOpen(o.Now()) {
		return ErrWindowClosed
	}
	return nil
}

// sendOne sends one message with a held credit: debited when the Graph API accepts it, and
// when the outcome is unknown (WhatsApp probably has it); returned when it refuses.
func (o *Outbound) sendOne(ctx context.Context, route Route, conv *helpdesk.Conversation, msg whatsapp.OutMessage, d Delivery, hold string) (whatsapp.SendResult, error) {
	if err := o.Credits.Reserve(hold, 2*o.lease()); err != nil {
		return whatsapp.SendResult{}, err
	}
	res, err := route.Graph.Send(ctx, msg)
	if errors.Is(err, whatsapp.ErrUnknownOutcome) {
		o.count(metrics.SendFailed, StatusUnknown)
		if _, cerr := o.Credits.Commit(hold, helpdesk.LedgerEntry{ConversationID: conv.ID, AgentID: d.AgentID, Kind: d.Kind, Template: d.Template}); cerr != nil {
			o.API.LogError("Could not record a debited credit", "error", cerr.Error())
		}
		return res, err
	}
	if err != nil {
		reason := "error"
		if ge, ok := whatsapp.AsGraphError(err); ok {
			reason = strconv.Itoa(ge.Code)
			if ge.IsAuth() && o.Notify != nil {
				o.Notify.CredentialsRejected(ge)
			}
		}
		o.count(metrics.SendFailed, reason)
		if relErr := o.Credits.Release(hold); relErr != nil {
			o.API.LogWarn("Could not release a reserved credit", "error", relErr.Error())
		}
		return res, err
	}
	o.count(metrics.Sent, d.Kind)
	o.count(metrics.Credits)
	balance, err := o.Credits.Commit(hold, helpdesk.LedgerEntry{ConversationID: conv.ID, AgentID: d.AgentID, Kind: d.Kind, WAMID: res.MessageID, Template: d.Template})
	if err != nil {
		o.API.LogError("Could not record a debited credit", "wamid", res.MessageID, "error", err.Error())
		return res, nil
	}
	if o.Notify != nil {
		o.Notify.CreditsChanged(balance)
	}
	if balance.Low() && d.AgentID != "" {
		o.Ephemeral(d.AgentID, conv.ChannelID, "⚠️ "+o.Texts.T(o.Texts.ForUser(d.AgentID), "credits.low", map[string]any{"Balance": balance.Balance}))
	}
	return res, nil
}

func (o *Outbound) count(name string, reason ...string) {
	if o.Metrics != nil {
		o.Metrics.Inc(name, reason...)
	}
}

// SendNotice sends a plugin-authored text (start, end, macro, queue entry, agents offline) and
// shows it in the conversation channel. Nothing is posted when a check refuses it.
func (o *Outbound) SendNotice(ctx context.Context, conv *helpdesk.Conversation, text string, d Delivery) error {
	d.FreeForm = true
	return o.sendBuilt(ctx, conv, text, d, func(to string) (whatsapp.OutMessage, error) {
		return whatsapp.NewOutText(to, format.ToWhatsApp(text)), nil
	})
}

// SendTemplate sends an HSM and shows it in the conversation channel. Templates are allowed
// outside the 24-hour window.
func (o *Outbound) SendTemplate(ctx context.Context, conv *helpdesk.Conversation, build func(to string) (whatsapp.OutMessage, error), preview string, d Delivery) error {
	d.Kind, d.FreeForm = wapost.KindHSM, false
	return o.sendBuilt(ctx, conv, preview, d, build)
}

// sendBuilt sends the one message build makes for the customer's number, under a bot post that
// shows preview, once the checks for d pass. Nothing is posted when a check or build refuses.
func (o *Outbound) sendBuilt(ctx context.Context, conv *helpdesk.Conversation, preview string, d Delivery, build func(to string) (whatsapp.OutMessage, error)) error {
	if err := o.check(conv, d); err != nil {
		return err
	}
	route, person, err := o.target(conv)
	if err != nil {
		return err
	}
	msg, err := build(recipient(person))
	if err != nil {
		return err
	}
	post := &model.Post{UserId: o.BotUserID, ChannelId: conv.ChannelID, Message: preview}
	return o.deliverPost(ctx, route, conv, post, []whatsapp.OutMessage{msg}, d)
}

// deliverPost creates a plugin post, sends its messages and records the result on it.
func (o *Outbound) deliverPost(ctx context.Context, route Route, conv *helpdesk.Conversation, post *model.Post, msgs []whatsapp.OutMessage, d Delivery) error {
	post.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	post.AddProp(wapost.PropKind, d.Kind)
	post.AddProp(wapost.PropConversation, conv.ID)
	if d.AgentID != "" {
		post.AddProp(wapost.PropAgentID, d.AgentID)
	}
	// With no credits left nothing is posted or sent.
	balance, err := o.Credits.Balance()
	if err != nil {
		return err
	}
	if balance.Balance <= 0 {
		return helpdesk.ErrNoCredits
	}
	created, appErr := o.API.CreatePost(post)
	if appErr != nil {
		return errors.Wrap(appErr, "failed to post the message")
	}
	return o.sendForPost(ctx, route, conv, created, msgs, d)
}

// sendForPost sends msgs on behalf of post under a fresh send record and records wamids and
// status on it. The first failure stops the rest and is reported in the post's thread.
func (o *Outbound) sendForPost(ctx context.Context, route Route, conv *helpdesk.Conversation, post *model.Post, msgs []whatsapp.OutMessage, d Delivery) error {
	rec, err := o.claimSend(sendRecord{PostID: post.Id, ChannelID: post.ChannelId, ConversationID: conv.ID, Delivery: d, Messages: msgs}, true)
	if err != nil {
		return err
	}
	return o.runSend(ctx, route, conv, post, rec)
}

// setPostDelivery records the result of a send on its post.
func (o *Outbound) setPostDelivery(postID string, wamids []string, failure error) {
	if _, err := o.refreshPostDelivery(postID, wamids, failure); err != nil {
		o.API.LogWarn("Could not record a post's delivery", "post_id", postID, "error", err.Error())
	}
}

// replyFailure adds a bot reply in the post's thread so the failure is visible everywhere.
func (o *Outbound) replyFailure(post *model.Post, text string) {
	root := post.Id
	if post.RootId != "" {
		root = post.RootId
	}
	reply := &model.Post{UserId: o.BotUserID, ChannelId: post.ChannelId, RootId: root, Message: "⚠️ " + text}
	reply.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	reply.AddProp(wapost.PropKind, wapost.KindDeliveryFailure)
	if _, appErr := o.API.CreatePost(reply); appErr != nil {
		o.API.LogError("Could not report a delivery failure", "post_id", post.Id, "error", appErr.Error())
	}
}

// describe turns a send error into the sentence an agent reads (server/failure's table).
func (o *Outbound) describe(l *l10n.Localizer, err error) string {
	return failure.Describe(o.Texts, l, err)
}

// Describe is describe in an agent's locale.
func (o *Outbound) Describe(userID string, err error) string {
	return o.describe(o.Texts.ForUser(userID), err)
}

// MarkRead marks the customer's latest message read on WhatsApp (blue ticks for all before it).
func (o *Outbound) MarkRead(ctx context.Context, conv *helpdesk.Conversation) {
	if conv.ChannelID == "" {
		return
	}
	posts, appErr := o.API.GetPostsForChannel(conv.ChannelID, 0, 30)
	if appErr != nil || posts == nil {
		return // over RPC a failed call can also arrive as a nil list
	}
	for _, id := range posts.Order {
		p := posts.Posts[id]
		if p == nil {
			continue
		}
		if !wapost.IsInbound(p) {
			continue
		}
		wamid, _ := p.GetProp(wapost.PropWAMID).(string)
		if wamid == "" {
			continue
		}
		route, err := o.Routes.ForGroup(conv.Group)
		if err != nil {
			return
		}
		if err := route.Graph.MarkRead(ctx, wamid); err != nil {
			o.API.LogWarn("Could not mark the customer's messages read", "conversation_id", conv.ID, "error", err.Error())
		}
		return
	}
}

// isInternalNote reports whether an agent's post stays inside Mattermost.
func (o *Outbound) isInternalNote(message string) bool {
	prefix := o.settings.get().NotePrefix
	return prefix != "" && strings.HasPrefix(strings.TrimSpace(message), prefix)
}
