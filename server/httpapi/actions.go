package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/action"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/failure"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// Handlers answer the plugin's interactive buttons and dialogs. Every click is checked: the user
// header, that the post was written by our bot, that it is in the channel the action was signed
// for, and the signature over the context.
type Handlers struct {
	API       PluginAPI
	BotUserID string
	Desk      *workflow.Desk
	Signer    action.Signer
	Texts     *l10n.Translator
	// SendHSM completes the HSM dialog.
	SendHSM func(ctx context.Context, userID, convID, template string, values []string) error
	// SendAgain sends again a post whose outcome is unknown or that was not sent.
	SendAgain func(ctx context.Context, userID, postID string) error
	// Ephemeral shows a text to one user in a channel (the start dialog's confirmation).
	Ephemeral func(userID, channelID, text string)
}

// ErrForged refuses a request whose context, post or channel does not match what we signed.
var ErrForged = errors.New("this action is not valid")

// verified reads a post-action request and checks it against the post it claims to come from.
func (h *Handlers) verified(r *http.Request) (*model.PostActionIntegrationRequest, *model.Post, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return nil, nil, errors.Wrap(ErrForged, "unreadable request")
	}
	var req model.PostActionIntegrationRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, nil, errors.Wrap(ErrForged, "malformed request")
	}
	userID := r.Header.Get("Mattermost-User-Id")
	if userID == "" || req.UserId != userID {
		return nil, nil, errors.Wrap(ErrForged, "user mismatch")
	}
	post, appErr := h.API.GetPost(req.PostId)
	if appErr != nil || post.UserId != h.BotUserID || post.ChannelId != req.ChannelId {
		return nil, nil, errors.Wrap(ErrForged, "not our post")
	}
	return &req, post, nil
}

func respond(w http.ResponseWriter, resp *model.PostActionIntegrationResponse) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// describe is the sentence userID reads for err (server/failure's table).
func (h *Handlers) describe(userID string, err error) string {
	return failure.Describe(h.Texts, h.Texts.ForUser(userID), err)
}

func (h *Handlers) ephemeral(w http.ResponseWriter, text string) {
	respond(w, &model.PostActionIntegrationResponse{EphemeralText: text})
}

func ctxString(ctx map[string]any, key string) string {
	s, _ := ctx[key].(string)
	return s
}

// Attend handles the queue announcement's Attend button.
func (h *Handlers) Attend(w http.ResponseWriter, r *http.Request) {
	req, post, err := h.verified(r)
	if err != nil {
		w.WriteHeader(http.StatusForbidden)
		h.ephemeral(w, h.Texts.T(h.Texts.ForUser(r.Header.Get("Mattermost-User-Id")), "action.forged", nil))
		return
	}
	convID, sig := ctxString(req.Context, "conversation_id"), ctxString(req.Context, "sig")
	if !h.Signer.Valid(sig, "attend", convID, post.ChannelId, post.Id) && !h.legacyAttend(sig, convID, post) {
		w.WriteHeader(http.StatusForbidden)
		h.ephemeral(w, h.Texts.T(h.Texts.ForUser(req.UserId), "action.forged", nil))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conv, notices, err := h.Desk.Attend(ctx, req.UserId, convID)
	if err != nil {
		h.ephemeral(w, h.describe(req.UserId, err))
		return
	}
	text := h.Texts.T(h.Texts.ForUser(req.UserId), "cmd.attend.done", map[string]any{"Customer": format.Inert(conv.CustomerName), "Channel": "~" + bridge.ChannelName(conv.ID)})
	for _, n := range notices {
		text += "\n⚠️ " + h.describe(req.UserId, n)
	}
	h.ephemeral(w, text)
}

// Resend handles the Resend button the bot adds under a post that is unknown or not_sent. On
// success the button goes away, so the post cannot be resent twice from it.
func (h *Handlers) Resend(w http.ResponseWriter, r *http.Request) {
	req, post, err := h.verified(r)
	userID := r.Header.Get("Mattermost-User-Id")
	target := ""
	if err == nil {
		target = ctxString(req.Context, "post_id")
	}
	if err != nil || post.GetProp(wapost.PropResendFor) != target ||
		!h.Signer.Valid(ctxString(req.Context, "sig"), "resend", target, post.ChannelId) {
		w.WriteHeader(http.StatusForbidden)
		h.ephemeral(w, h.Texts.T(h.Texts.ForUser(userID), "action.forged", nil))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := h.SendAgain(ctx, req.UserId, target); err != nil {
		h.ephemeral(w, h.describe(req.UserId, err))
		return
	}
	updated := post.Clone()
	model.ParseMessageAttachment(updated, []*model.MessageAttachment{{
		Text: h.Texts.T(h.Texts.ForServer(), "outbound.resent", map[string]any{"User": "@" + h.username(req.UserId)}), Color: "#8A8A8A"}})
	respond(w, &model.PostActionIntegrationResponse{Update: updated})
}

func (h *Handlers) username(userID string) string {
	if u, appErr := h.API.GetUser(userID); appErr == nil {
		return u.Username
	}
	return userID
}

// legacyAttend accepts an announcement signed before signatures covered the post id, on the one
// post the conversation records as its announcement.
func (h *Handlers) legacyAttend(sig, convID string, post *model.Post) bool {
	if !h.Signer.Valid(sig, "attend", convID, post.ChannelId) {
		return false
	}
	return h.Desk.AnnouncedOn(convID, post.Id)
}

// Invite handles Accept and Decline in the invitation DM.
func (h *Handlers) Invite(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, post, err := h.verified(r)
		userID := r.Header.Get("Mattermost-User-Id")
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			h.ephemeral(w, h.Texts.T(h.Texts.ForUser(userID), "action.forged", nil))
			return
		}
		inviteID, convID, inviteeID := ctxString(req.Context, "invite_id"), ctxString(req.Context, "conversation_id"), ctxString(req.Context, "invitee_id")
		if inviteeID != req.UserId || !h.Signer.Valid(ctxString(req.Context, "sig"), "invite", inviteID, convID, inviteeID, post.ChannelId) {
			w.WriteHeader(http.StatusForbidden)
			h.ephemeral(w, h.Texts.T(h.Texts.ForUser(userID), "action.forged", nil))
			return
		}
		l := h.Texts.ForUser(req.UserId)
		conv, err := h.Desk.AnswerInvite(req.UserId, inviteID, post.Id, accept)
		if err != nil {
			h.ephemeral(w, h.describe(req.UserId, err))
			return
		}
		// The invitation post loses its buttons, so it cannot be answered twice.
		updated := post.Clone()
		result := h.Texts.T(l, "invite.declined", nil)
		if accept {
			result = h.Texts.T(l, "invite.accepted", map[string]any{"Channel": "~" + bridge.ChannelName(conv.ID)})
		}
		model.ParseMessageAttachment(updated, []*model.MessageAttachment{{Text: result, Color: "#8A8A8A"}})
		respond(w, &model.PostActionIntegrationResponse{Update: updated})
	}
}

// HSMDialog completes /whatsapp hsm's dialog.
func (h *Handlers) HSMDialog(w http.ResponseWriter, r *http.Request) {
	var st workflow.HSMDialogState
	req, userID, ok := h.dialogSubmission(w, r, func(userID, state string) (err error) {
		st, err = h.Desk.ReadHSMDialogState(userID, state)
		return err
	})
	if !ok {
		return
	}
	template, values := templateChoice(req.Submission, st.Template)
	name, _, _ := strings.Cut(template, "|")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := h.SendHSM(ctx, userID, st.ConversationID, name, values); err != nil {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(model.SubmitDialogResponse{Error: h.describe(userID, err)})
		return
	}
	w.WriteHeader(http.StatusOK)
}
