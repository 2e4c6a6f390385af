package bridge

import (
	"context"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/failure"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Every post sent to WhatsApp has a send record leased by the node sending it. A node that dies
// mid-send leaves a record whose lease runs out; a cluster-wide job then marks the post (unknown
// when a request may have been on the wire, not_sent otherwise) and returns the held credit.
// Nothing is resent automatically: the agent gets a Resend button on unknown and not_sent posts.

// Delivery states beyond WhatsApp's own (sent, delivered, read, failed).
const (
	StatusUnknown = "unknown"
	StatusNotSent = "not_sent"

	// ResendPath is the post-action URL of the Resend button.
	ResendPath = "/plugins/whatsapp-helpdesk/actions/resend"

	recSending = "sending"
	recDone    = "done"
)

var (
	// ErrNotConfigured wraps the settings problem that keeps a post from being sent.
	ErrNotConfigured = failure.ErrNotConfigured
	// ErrResendDone refuses a resend of a post that is not unknown or not_sent.
	ErrResendDone = helpdesk.Refuse(helpdesk.ErrConflict, "outbound.resend_done")
	// ErrResendBusy refuses a resend while the post is being sent.
	ErrResendBusy = helpdesk.Refuse(helpdesk.ErrConflict, "outbound.resend_busy")

	errInterrupted = failure.ErrInterrupted
	errLostLease   = errors.New("the send's lease was taken over by another node")
)

// sendRecord is the durable progress of one post's send.
type sendRecord struct {
	PostID         string                `json:"post_id"`
	ChannelID      string                `json:"channel_id"`
	ConversationID string                `json:"conversation_id"`
	Delivery       Delivery              `json:"delivery"`
	State          string                `json:"state"`
	Node           string                `json:"node,omitempty"`
	LeaseUntil     int64                 `json:"lease_until,omitempty"`
	Messages       []whatsapp.OutMessage `json:"messages,omitempty"`
	Sent           int                   `json:"sent"`
	WAMIDs         []string              `json:"wamids,omitempty"`
	// Hold is the credit held for the message being sent; InFlight says its request may be on
	// the wire, so a crash now leaves an unknown outcome.
	Hold     string `json:"hold,omitempty"`
	InFlight bool   `json:"in_flight,omitempty"`
}

// postState is a delivery state the statuses cannot tell (unknown, not_sent), passed to
// refreshPostDelivery in place of a failure.
type postState struct {
	Status string
	Reason string
}

func (p *postState) Error() string { return p.Status + ": " + p.Reason }

// recordedError says the post's delivery state already shows this error.
type recordedError struct{ error }

func (e recordedError) Unwrap() error { return e.error }

func (o *Outbound) lease() time.Duration {
	if d := o.settings.get().Lease; d > 0 {
		return d
	}
	return 2 * time.Minute
}

// sendDeadline ends a send a little before its lease, so the repair job never marks a send that
// is still running.
func sendDeadline(leaseUntil int64, lease time.Duration) time.Time {
	return time.UnixMilli(leaseUntil).Add(-min(5*time.Second, lease/4))
}

// claimSend leases the post's record for this node. fresh starts a new send; otherwise an
// unknown or not_sent send is taken up again (a resend).
func (o *Outbound) claimSend(seed sendRecord, fresh bool) (sendRecord, error) {
	lease := o.lease()
	now := o.Now().UnixMilli()
	var stale string
	rec, err := store.UpdateJSON(o.KV, store.OutboundRecordKey(seed.PostID), func(r *sendRecord, exists bool) (bool, error) {
		stale = ""
		if exists && r.State == recSending && r.LeaseUntil > now {
			return false, ErrResendBusy
		}
		if exists && r.State == recSending {
			stale = r.Hold // a dead node's hold, released below
		}
		if fresh || !exists {
			*r = seed
		}
		r.State, r.Node, r.LeaseUntil, r.Hold, r.InFlight = recSending, o.Node, now+lease.Milliseconds(), "", false
		return true, nil
	})
	if err != nil {
		return rec, err
	}
	if stale != "" {
		if err := o.Credits.Release(stale); err != nil {
			o.API.LogWarn("Could not return a held credit", "post_id", seed.PostID, "error", err.Error())
		}
	}
	return rec, store.NewIndex(o.KV, store.OutboundSendingIndexKey()).Add(seed.PostID)
}

// progress records a step of a send this node still holds the lease of.
func (o *Outbound) progress(rec *sendRecord, fn func(r *sendRecord)) error {
	next, err := store.UpdateJSON(o.KV, store.OutboundRecordKey(rec.PostID), func(r *sendRecord, exists bool) (bool, error) {
		if !exists || r.State != recSending || r.Node != rec.Node || r.LeaseUntil != rec.LeaseUntil {
			return false, errLostLease
		}
		fn(r)
		return true, nil
	})
	if err == nil {
		*rec = next
	}
	return err
}

// finishSend ends the record's lease; the record stays for a resend.
func (o *Outbound) finishSend(rec *sendRecord) {
	if err := o.progress(rec, func(r *sendRecord) { r.State, r.Hold, r.InFlight = recDone, "", false }); err != nil && !errors.Is(err, errLostLease) {
		o.API.LogWarn("Could not finish a send record", "post_id", rec.PostID, "error", err.Error())
	}
	if err := store.NewIndex(o.KV, store.OutboundSendingIndexKey()).Remove(rec.PostID); err != nil {
		o.API.LogWarn("Could not unlist a finished send", "post_id", rec.PostID, "error", err.Error())
	}
}

// runSend sends the record's remaining messages on behalf of post and shows the outcome on it:
// sent, failed (WhatsApp refused), or unknown (the answer never came) with a Resend button.
func (o *Outbound) runSend(ctx context.Context, route Route, conv *helpdesk.Conversation, post *model.Post, rec sendRecord) error {
	ctx, cancel := context.WithDeadline(ctx, sendDeadline(rec.LeaseUntil, o.lease()))
	defer cancel()
	var sendErr error
	for rec.Sent < len(rec.Messages) {
		msg := rec.Messages[rec.Sent]
		msg.BizOpaque = BizPostTag + post.Id
		hold := model.NewId()
		if sendErr = o.progress(&rec, func(r *sendRecord) { r.Hold, r.InFlight = hold, true }); sendErr != nil {
			break
		}
		res, err := o.sendOne(ctx, route, conv, msg, rec.Delivery, hold)
		if err != nil {
			sendErr = err
			break
		}
		if err := store.SetJSON(o.KV, store.OutboundKey(res.MessageID), post.Id); err != nil {
			o.API.LogWarn("Could not map a sent message to its post", "wamid", res.MessageID, "error", err.Error())
		}
		if sendErr = o.progress(&rec, func(r *sendRecord) {
			r.Sent++
			r.WAMIDs = append(r.WAMIDs, res.MessageID)
			r.Hold, r.InFlight = "", false
		}); sendErr != nil {
			break
		}
	}
	if errors.Is(sendErr, errLostLease) {
		return recordedError{sendErr} // the repair job marked the post
	}
	o.finishSend(&rec)
	switch {
	case sendErr == nil:
		o.setPostDelivery(post.Id, rec.WAMIDs, nil)
		o.markFirstResponse(conv, rec.Delivery)
		return nil
	case errors.Is(sendErr, whatsapp.ErrUnknownOutcome):
		o.markPost(post.Id, rec.WAMIDs, StatusUnknown, sendErr.Error())
		o.offerResend(post, o.describe(o.Texts.ForServer(), sendErr))
		return recordedError{sendErr}
	}
	if len(rec.WAMIDs) == 0 && errors.Is(sendErr, helpdesk.ErrNoCredits) {
		o.markNotSent(post, sendErr)
		return recordedError{sendErr}
	}
	o.setPostDelivery(post.Id, rec.WAMIDs, sendErr)
	if len(rec.WAMIDs) > 0 {
		o.replyFailure(post, o.describe(o.Texts.ForServer(), sendErr))
		return nil
	}
	return recordedError{sendErr}
}

// markNotSent shows on an agent's post why nothing was sent, with a Resend button.
func (o *Outbound) markNotSent(post *model.Post, reason error) {
	o.markPost(post.Id, nil, StatusNotSent, reason.Error())
	o.offerResend(post, o.describe(o.Texts.ForServer(), reason))
}

// markPost records a delivery state the statuses cannot tell (unknown, not_sent).
func (o *Outbound) markPost(postID string, wamids []string, status, reason string) {
	if _, err := o.refreshPostDelivery(postID, wamids, &postState{Status: status, Reason: reason}); err != nil {
		o.API.LogWarn("Could not record a post's delivery", "post_id", postID, "error", err.Error())
	}
}

// offerResend adds a bot reply in the post's thread that says what happened, with a Resend
// button signed for this post and channel.
func (o *Outbound) offerResend(post *model.Post, text string) {
	root := post.Id
	if post.RootId != "" {
		root = post.RootId
	}
	l := o.Texts.ForServer()
	reply := &model.Post{UserId: o.BotUserID, ChannelId: post.ChannelId, RootId: root, Message: "⚠️ " + text}
	reply.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	reply.AddProp(wapost.PropKind, wapost.KindDeliveryFailure)
	reply.AddProp(wapost.PropResendFor, post.Id)
	model.ParseMessageAttachment(reply, []*model.MessageAttachment{{
		Color: "#D24B4E",
		Actions: []*model.PostAction{{
			Id:    "resend",
			Name:  o.Texts.T(l, "outbound.resend", nil),
			Type:  model.PostActionTypeButton,
			Style: "primary",
			Integration: &model.PostActionIntegration{
				URL:     ResendPath,
				Context: map[string]any{"post_id": post.Id, "sig": o.Signer.Sign("resend", post.Id, post.ChannelId)},
			},
		}},
	}})
	if _, appErr := o.API.CreatePost(reply); appErr != nil {
		o.API.LogError("Could not offer to resend a post", "post_id", post.Id, "error", appErr.Error())
	}
}

// RefuseAgentPost tells the agent at once that their post cannot be sent while the settings are
// wrong, and marks it not_sent with a Resend button for when they are fixed.
func (o *Outbound) RefuseAgentPost(post *model.Post, problem error) {
	conv := o.conversationOfPost(post)
	if conv == nil || o.isInternalNote(post.Message) {
		return
	}
	won, err := store.Insert(o.KV, store.OutboundPostKey(post.Id), post.UserId, 0)
	if err != nil || !won {
		return
	}
	reason := errors.Wrap(ErrNotConfigured, problem.Error())
	o.Ephemeral(post.UserId, post.ChannelId, o.Describe(post.UserId, reason))
	o.markNotSent(post, reason)
}

// Resend sends again a post whose outcome is unknown or that was not sent, on an agent's click.
// Of concurrent clicks one sends; the others are told it is being sent.
func (o *Outbound) Resend(ctx context.Context, userID, postID string) error {
	if problem := o.settings.get().Problem; problem != nil {
		return errors.Wrap(ErrNotConfigured, problem.Error())
	}
	post, appErr := o.API.GetPost(postID)
	if appErr != nil {
		return errors.Wrapf(helpdesk.ErrNotFound, "post %s", postID)
	}
	if _, appErr := o.API.GetChannelMember(post.ChannelId, userID); appErr != nil {
		return errors.Wrap(helpdesk.ErrForbidden, "only members of the conversation can resend its messages")
	}
	if status, _ := post.GetProp(wapost.PropStatus).(string); status != StatusUnknown && status != StatusNotSent {
		return ErrResendDone
	}
	conv, err := o.Conversations.ByChannel(post.ChannelId)
	if err != nil {
		return err
	}
	seed := sendRecord{PostID: post.Id, ChannelID: post.ChannelId, ConversationID: conv.ID,
		Delivery: Delivery{Kind: wapost.KindAgent, AgentID: post.UserId, FreeForm: true}}
	rec, err := o.claimSend(seed, false)
	if err != nil {
		return err
	}
	route, msgs, err := o.prepareResend(ctx, conv, post, &rec)
	if err != nil {
		o.finishSend(&rec)
		o.markPost(post.Id, rec.WAMIDs, StatusNotSent, err.Error())
		return err
	}
	if len(rec.Messages) == 0 {
		if err := o.progress(&rec, func(r *sendRecord) { r.Messages = msgs }); err != nil {
			return err
		}
	}
	err = o.runSend(ctx, route, conv, post, rec)
	if err == nil && rec.Delivery.Kind == wapost.KindAgent {
		o.MarkRead(ctx, conv)
	}
	return err
}

// prepareResend checks the send is still allowed and, for an agent's post that never got as far
// as WhatsApp, builds its messages.
func (o *Outbound) prepareResend(ctx context.Context, conv *helpdesk.Conversation, post *model.Post, rec *sendRecord) (Route, []whatsapp.OutMessage, error) {
	if err := o.check(conv, rec.Delivery); err != nil {
		return Route{}, nil, err
	}
	if len(rec.Messages) > 0 {
		route, _, err := o.target(conv)
		return route, nil, err
	}
	if post.UserId == o.BotUserID {
		return Route{}, nil, errors.Wrap(helpdesk.ErrInvalid, "this message cannot be rebuilt; send it again")
	}
	return o.buildAgentMessages(ctx, conv, post)
}

// RepairSends finishes the sends of nodes that died: each whose lease ran out is marked on its
// post (unknown if a request may have reached WhatsApp, not_sent otherwise), its held credit
// returns and the agent is told. It runs from a cluster-wide job.
func (o *Outbound) RepairSends(ctx context.Context) (int, error) {
	index := store.NewIndex(o.KV, store.OutboundSendingIndexKey())
	ids, err := index.List()
	if err != nil {
		return 0, err
	}
	repaired := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			return repaired, ctx.Err()
		}
		now := o.Now().UnixMilli()
		var taken sendRecord
		took, gone := false, false
		if _, err := store.UpdateJSON(o.KV, store.OutboundRecordKey(id), func(r *sendRecord, exists bool) (bool, error) {
			took, gone = false, !exists || r.State != recSending
			if gone || r.LeaseUntil > now {
				return false, nil
			}
			taken, took = *r, true
			r.State, r.Hold, r.InFlight = recDone, "", false
			return true, nil
		}); err != nil {
			return repaired, err
		}
		if !took && !gone {
			continue
		}
		if err := index.Remove(id); err != nil {
			return repaired, err
		}
		if !took {
			continue
		}
		if taken.Hold != "" {
			if err := o.Credits.Release(taken.Hold); err != nil {
				o.API.LogWarn("Could not return a held credit", "post_id", id, "error", err.Error())
			}
		}
		o.markInterrupted(taken)
		repaired++
	}
	return repaired, nil
}

func (o *Outbound) markInterrupted(rec sendRecord) {
	status, reason := StatusNotSent, errInterrupted
	if rec.InFlight {
		status, reason = StatusUnknown, errors.Wrap(whatsapp.ErrUnknownOutcome, errInterrupted.Error())
	}
	o.markPost(rec.PostID, rec.WAMIDs, status, reason.Error())
	post, appErr := o.API.GetPost(rec.PostID)
	if appErr != nil {
		return
	}
	o.offerResend(post, o.describe(o.Texts.ForServer(), reason))
	if rec.Delivery.AgentID != "" {
		o.Ephemeral(rec.Delivery.AgentID, rec.ChannelID, o.Describe(rec.Delivery.AgentID, reason))
	}
	o.API.LogWarn("Marked the send of a stopped server", "post_id", rec.PostID, "status", status)
}

// markFirstResponse records the conversation's first agent-written message (post, macro, HSM)
// for the first-response indicator; automatic messages (start, queue entry) do not count.
func (o *Outbound) markFirstResponse(conv *helpdesk.Conversation, d Delivery) {
	if d.AgentID == "" || conv.FirstResponseAt != 0 || (d.Kind != wapost.KindAgent && d.Kind != wapost.KindMacro && d.Kind != wapost.KindHSM) {
		return
	}
	if err := o.Conversations.MarkFirstResponse(conv.ID, o.Now()); err != nil {
		o.API.LogWarn("Could not record a conversation's first response", "conversation_id", conv.ID, "error", err.Error())
	}
}
