package helpdesk

import (
	"strconv"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// CSAT is a customer's satisfaction answer: 3 (great), 2 (okay) or 1 (poor), at Unix ms.
type CSAT struct {
	Score int   `json:"score"`
	At    int64 `json:"at"`
}

// Why a ticket's survey was not sent (Ticket.CSATSkipped).
const (
	SurveyWindowClosed = "window_closed"
	SurveyNotSent      = "not_sent"
)

// ValidScore reports whether score is one of the survey's answers.
func ValidScore(score int) bool { return score >= 1 && score <= 3 }

// ClaimSurvey marks the ticket's survey as decided, exactly once: won is false when it was sent
// or skipped already (a close completed twice, on any node). sentAt 0 records skipped instead.
func (ts *Tickets) ClaimSurvey(id string, sentAt int64, skipped string) (won bool, err error) {
	_, err = store.UpdateJSON(ts.KV, store.TicketKey(id), func(t *Ticket, exists bool) (bool, error) {
		won = false
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "ticket %s", id)
		}
		if t.SurveySentAt != 0 || t.CSATSkipped != "" {
			return false, nil
		}
		won = true
		t.SurveySentAt, t.CSATSkipped = sentAt, skipped
		return true, nil
	})
	return won, err
}

// SkipSurvey records why a claimed survey did not go out after all.
func (ts *Tickets) SkipSurvey(id, reason string) error {
	_, err := store.UpdateJSON(ts.KV, store.TicketKey(id), func(t *Ticket, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "ticket %s", id)
		}
		t.SurveySentAt, t.CSATSkipped = 0, reason
		return true, nil
	})
	return err
}

// RecordCSAT stores the customer's answer. The first answer wins: a repeated press (or a
// delivery of another button of the same survey) leaves it as it was and answers recorded=false
// with the ticket as stored.
func (ts *Tickets) RecordCSAT(id string, score int, at int64) (t *Ticket, recorded bool, err error) {
	if !ValidScore(score) {
		return nil, false, errors.Wrapf(ErrInvalid, "survey score %d", score)
	}
	saved, err := store.UpdateJSON(ts.KV, store.TicketKey(id), func(t *Ticket, exists bool) (bool, error) {
		recorded = false
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "ticket %s", id)
		}
		if t.CSAT != nil || t.SurveySentAt == 0 {
			return false, nil // answered already, or never asked: nothing to record
		}
		recorded = true
		t.CSAT = &CSAT{Score: score, At: at}
		return true, nil
	})
	if err != nil {
		return nil, false, err
	}
	return &saved, recorded, nil
}

// surveyPrefix starts the id of every survey button: csat:<ticket id>:<score>.
const surveyPrefix = "csat:"

// SurveyReplyID is the id of the survey button that answers score for ticketID.
func SurveyReplyID(ticketID string, score int) string {
	return surveyPrefix + ticketID + ":" + strconv.Itoa(score)
}

// ParseSurveyReply reads a button id written by SurveyReplyID.
func ParseSurveyReply(id string) (ticketID string, score int, ok bool) {
	rest, found := strings.CutPrefix(id, surveyPrefix)
	if !found {
		return "", 0, false
	}
	ticketID, s, found := strings.Cut(rest, ":")
	score, err := strconv.Atoi(s)
	if !found || err != nil || !ValidScore(score) || !model.IsValidId(ticketID) {
		return "", 0, false
	}
	return ticketID, score, true
}
