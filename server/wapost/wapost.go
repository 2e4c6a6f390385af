// Package wapost owns what a post means to the plugin: the post types, prop keys and message
// kinds it writes, the props that mark a customer's post, and the parser that reads a customer's
// post back, so the transcript and the LGPD export never reverse rendering. The webapp mirrors
// the types and keys through webapp/src/contract.json (checked by contract_test.go).
package wapost

import (
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// Post types; Mattermost requires the custom_ prefix. A customer's post is told by its type.
const (
	InboundPostType = "custom_whatsapp_inbound"
	QueuePostType   = "custom_whatsapp_queue"
)

// Post props. MessageHasBeenPosted ignores posts that carry PropOrigin.
const (
	PropOrigin   = "wa_origin"
	PropWAMID    = "wa_wamid"
	PropCustomer = "wa_customer"
	// PropConversation names the conversation of the plugin's notes and sends; a customer's post
	// needs none, its channel is the conversation's.
	PropConversation = "wa_conversation_id"
	// PropTimestamp is WhatsApp's time of a customer's message, in milliseconds.
	PropTimestamp = "wa_timestamp"
	// PropAgentID names the agent a bot post speaks for (a macro, an HSM, the end message).
	PropAgentID      = "wa_agent_id"
	PropMediaPending = "wa_media_pending"
	PropMediaFailed  = "wa_media_failed"
	PropStatus       = "wa_status"
	PropWAMIDs       = "wa_wamids"
	PropKind         = "wa_kind"
	PropFailure      = "wa_error"
	// PropPhone and PropState show a queue announcement's customer phone and conversation state.
	PropPhone = "wa_phone"
	PropState = "wa_state"
	// PropResendFor marks the bot reply that offers to resend a post.
	PropResendFor = "wa_resend_for"
)

// OriginWhatsApp is the value of PropOrigin.
const OriginWhatsApp = "whatsapp"

// Kinds (PropKind) of the posts the plugin writes.
const (
	KindAgent           = "agent"
	KindStart           = "start"
	KindEnd             = "end"
	KindMacro           = "macro"
	KindHSM             = "hsm"
	KindQueue           = "queue_entry"
	KindOffline         = "agents_offline"
	KindClosed          = "closed"
	KindJoined          = "joined"
	KindDeliveryFailure = "delivery_failure"
	KindRefusedMessage  = "refused_message"
	// KindPrevious links the customer's previous conversation; KindOptOut tells the customer
	// opted out (or back in); KindAwaitingReply says a started conversation has no window yet.
	KindPrevious      = "previous_conversation"
	KindOptOut        = "opt_out"
	KindAwaitingReply = "awaiting_reply"
	// KindReaction marks the ledger entries of agents' reactions sent to WhatsApp (no post).
	KindReaction = "reaction"
)

// Bookkeeping reports whether a post kind is the plugin's own note to agents, which no
// transcript carries.
func Bookkeeping(kind string) bool {
	switch kind {
	case KindClosed, KindJoined, KindDeliveryFailure, KindPrevious, KindOptOut, KindAwaitingReply, KindWindowReminder, KindSurveyAnswer:
		return true
	}
	return false
}

// MarkInbound makes p a customer's post: its type, the customer's name, WhatsApp's id and time
// (never in the future), and the defences customer text needs (no link previews or remote
// images, no highlights). Every post a customer's message makes carries these and no more:
// each prop travels through the plugin RPC three times per message (the post, the server's
// answer and MessageHasBeenPosted), so the conversation and the person are left to the channel.
func MarkInbound(p *model.Post, customer, wamid string, sentAt time.Time) {
	p.Type = InboundPostType
	p.AddProp(model.PostPropsUnsafeLinks, "true")
	p.AddProp(model.PostPropsMentionHighlightDisabled, true)
	p.AddProp(model.PostPropsGroupHighlightDisabled, true)
	p.AddProp(PropOrigin, OriginWhatsApp)
	p.AddProp(PropWAMID, wamid)
	p.AddProp(PropCustomer, customer)
	p.AddProp(PropTimestamp, sentAt.UnixMilli())
}

// IsInbound reports whether p is a customer's post.
func IsInbound(p *model.Post) bool {
	return p.Type == InboundPostType
}

// InboundPost is a customer's post read back: its text is the customer's own (the name travels
// in props), At is WhatsApp's time in milliseconds, or the post's when it has none.
type InboundPost struct {
	Author, WAMID string
	Text          string
	At            int64
}

// ParseInbound reads a customer's post; ok is false for any other post.
func ParseInbound(p *model.Post) (InboundPost, bool) {
	if !IsInbound(p) {
		return InboundPost{}, false
	}
	in := InboundPost{Text: p.Message, At: p.CreateAt}
	in.Author, _ = p.GetProp(PropCustomer).(string)
	in.WAMID, _ = p.GetProp(PropWAMID).(string)
	if ms, ok := Millis(p.GetProp(PropTimestamp)); ok && ms > 0 {
		in.At = ms
	}
	return in, true
}

// Millis reads a number prop in whichever form it arrives: int64 as written, float64 once it
// went through JSON (the server's database or the plugin RPC).
func Millis(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case int:
		return int64(n), true
	}
	return 0, false
}
