package workflow

import (
	"cmp"
	"context"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Survey is the satisfaction survey sent after a close.
type Survey struct {
	Enabled bool
	// Question is the survey's text; empty uses the localized default.
	Question string
}

// scoreLabels are the message ids of the survey's buttons, best first (3, 2, 1).
var scoreLabels = map[int]string{3: "survey.great", 2: "survey.okay", 1: "survey.poor"}

func (d *Desk) groupLocalizer(group string) *l10n.Localizer {
	g, _ := d.Settings().Group(group)
	return d.Texts.ForLocale(g.Language)
}

// sendSurvey asks the customer of a just-closed conversation how the service was, once per
// ticket (a repaired close does not ask again). Outside the 24-hour window nothing is sent and
// the ticket says why. It answers the ticket as it now stands.
func (d *Desk) sendSurvey(ctx context.Context, conv *helpdesk.Conversation, ticket *helpdesk.Ticket) (*helpdesk.Ticket, error) {
	s := d.Settings().Survey
	if !s.Enabled {
		return ticket, nil
	}
	now := d.Now()
	if !conv.WindowOpen(now) {
		if _, err := d.tickets.ClaimSurvey(ticket.ID, 0, helpdesk.SurveyWindowClosed); err != nil {
			return ticket, err
		}
		return d.tickets.Get(ticket.ID)
	}
	won, err := d.tickets.ClaimSurvey(ticket.ID, now.UnixMilli(), "")
	if err != nil || !won {
		return ticket, err
	}
	l := d.groupLocalizer(conv.Group)
	question := s.Question
	if question == "" {
		question = d.Texts.T(l, "survey.question", nil)
	}
	buttons := make([]whatsapp.OutButton, 0, len(scoreLabels))
	preview := "📋 " + question
	for score := 3; score >= 1; score-- {
		title := d.Texts.T(l, scoreLabels[score], nil)
		buttons = append(buttons, whatsapp.OutButton{ID: helpdesk.SurveyReplyID(ticket.ID, score), Title: title})
		preview += " `" + title + "`"
	}
	sendErr := d.Outbound.SendButtons(ctx, conv, question, buttons, preview, bridge.Delivery{Kind: wapost.KindSurvey, AgentID: conv.ClosedBy})
	if sendErr != nil {
		if err := d.tickets.SkipSurvey(ticket.ID, helpdesk.SurveyNotSent); err != nil {
			return ticket, err
		}
	}
	t, err := d.tickets.Get(ticket.ID)
	if err != nil {
		return ticket, err
	}
	return t, errors.Wrap(sendErr, "satisfaction survey not sent")
}

// SurveyAnswered stores a customer's press of a survey button, posts it as a note in the closed
// conversation's channel and thanks them; it never opens a conversation. handled is false when
// the reply is not an answer to a survey this sender was asked (a forged or stale id): the
// caller then treats it as an ordinary message. The first answer wins; a later press is noted.
func (d *Desk) SurveyAnswered(ctx context.Context, group, sender, ticketID string, score int, at time.Time) (handled bool, err error) {
	ticket, err := d.tickets.Get(ticketID)
	if errors.Is(err, helpdesk.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	conv, err := d.conversations.Get(ticket.ConversationID)
	if errors.Is(err, helpdesk.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if conv.Group != group || ticket.SurveySentAt == 0 || !d.wroteFrom(conv, sender) {
		d.API.LogWarn("A survey answer does not match a survey sent to its sender; handled as a message", "ticket_id", ticketID)
		return false, nil
	}
	saved, recorded, err := d.tickets.RecordCSAT(ticketID, score, at.UnixMilli())
	if err != nil {
		return false, err
	}
	l := d.Texts.ForServer()
	label := func(s int) string { return d.Texts.T(l, scoreLabels[s], nil) }
	noteID, data := "survey.answer", map[string]any{"Answer": label(score), "Score": score}
	if !recorded {
		noteID = "survey.answer_again"
		data["First"] = label(saved.CSAT.Score)
	}
	note := &model.Post{UserId: d.BotUserID, ChannelId: conv.ChannelID, Message: "⭐ " + d.Texts.T(l, noteID, data)}
	note.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	note.AddProp(wapost.PropKind, wapost.KindSurveyAnswer)
	note.AddProp(wapost.PropConversation, conv.ID)
	if _, appErr := d.API.CreatePost(note); appErr != nil {
		d.API.LogWarn("Could not post the survey answer", "ticket_id", ticketID, "error", appErr.Error())
	}
	if !recorded {
		return true, nil
	}
	if err := d.tickets.Reindex(ticketID); err != nil {
		d.API.LogWarn("Could not show the survey answer in ticket search", "ticket_id", ticketID, "error", err.Error())
	}
	if d.Notify != nil {
		d.Notify.TicketChanged(saved)
	}
	if d.reports != nil {
		// Counted on the conversation's day with its agent, once: only the first answer records.
		agent := cmp.Or(saved.AgentID, conv.AgentID)
		if err := d.reports.AddCSAT(conv.Group, time.UnixMilli(conv.CreatedAt), agent, score); err != nil {
			d.API.LogWarn("Could not add a survey answer to the indicators", "ticket_id", ticketID, "error", err.Error())
		}
	}
	// The press is a customer message: it opens the window for the thanks.
	if touched, err := d.conversations.TouchInbound(conv, at); err == nil {
		conv = touched
	}
	thanks := d.Texts.T(d.groupLocalizer(conv.Group), "survey.thanks", nil)
	if err := d.Outbound.SendNotice(ctx, conv, thanks, bridge.Delivery{Kind: wapost.KindSurveyThanks}); err != nil {
		d.API.LogWarn("Could not thank the customer for the survey answer", "ticket_id", ticketID, "error", err.Error())
	}
	return true, nil
}

// wroteFrom reports whether sender (a wa_id) is the customer of conv.
func (d *Desk) wroteFrom(conv *helpdesk.Conversation, sender string) bool {
	p, err := d.people.Get(conv.PersonID)
	if err != nil || sender == "" {
		return false
	}
	return p.WaID == sender || p.Phone == helpdesk.CanonicalPhone(sender)
}
