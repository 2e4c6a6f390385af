package bridge

import (
	"cmp"
	"context"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// afterClose reports whether a message of kind may still go to the customer of a closed
// conversation: the end-of-service message, and the satisfaction survey with its thanks.
func afterClose(kind string) bool {
	return kind == wapost.KindEnd || kind == wapost.KindSurvey || kind == wapost.KindSurveyThanks
}

// SendButtons sends a reply-button message (free-form: inside the 24-hour window only) and shows
// preview in the conversation channel.
func (o *Outbound) SendButtons(ctx context.Context, conv *helpdesk.Conversation, body string, buttons []whatsapp.OutButton, preview string, d Delivery) error {
	d.FreeForm = true
	return o.sendBuilt(ctx, conv, preview, d, func(to string) (whatsapp.OutMessage, error) {
		msg := whatsapp.NewOutButtons(to, body, buttons...)
		return msg, msg.Validate()
	})
}

// SurveyAnswers stores a customer's press of a satisfaction-survey button (server/workflow).
type SurveyAnswers interface {
	SurveyAnswered(ctx context.Context, group, sender, ticketID string, score int, at time.Time) (handled bool, err error)
}

// answerSurvey takes a survey button press out of the ordinary path: it belongs to a closed
// conversation and must not open a new one. done is false for anything else, including a press
// whose id matches no survey sent to this sender (it is then posted like any message).
func (in *Inbound) answerSurvey(ctx context.Context, route Route, contact whatsapp.Contact, msg *whatsapp.Message, rec helpdesk.MessageRecord) (done bool, err error) {
	if in.Survey == nil || msg.Type != "interactive" || msg.Interactive == nil || msg.Interactive.ButtonReply == nil {
		return false, nil
	}
	ticketID, score, ok := helpdesk.ParseSurveyReply(msg.Interactive.ButtonReply.ID)
	if !ok {
		return false, nil
	}
	at := whatsapp.ParseTimestamp(msg.Timestamp)
	if now := in.now(); at.IsZero() || at.After(now) {
		at = now
	}
	handled, err := in.Survey.SurveyAnswered(ctx, route.Group.Name, cmp.Or(contact.WaID, msg.From), ticketID, score, at)
	if err != nil || !handled {
		return false, err
	}
	return true, in.Messages.Complete(msg.ID, rec)
}
