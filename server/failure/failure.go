// Package failure is the one table that says what an error means at every edge: the HTTP status
// the webapp API answers and the sentence (a message id in server/l10n) the slash command, the
// buttons, the dialogs and the API show. Rows are tried in order; the first that matches wins.
package failure

import (
	"net/http"
	"strings"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// Refusals of a send, each told to the agent before anything reaches WhatsApp (bridge re-exports
// them under the same names).
var (
	ErrWindowClosed  = errors.New("the 24-hour customer-service window is closed")
	ErrClosed        = errors.New("the conversation is closed")
	ErrNotConfigured = errors.New("WhatsApp Helpdesk settings need attention")
	ErrInterrupted   = errors.New("the send was interrupted: the server sending it stopped")
)

// Row is one kind of error: the sentinel it wraps (or, for error types, a matcher), the HTTP
// status and the message id, with the message's placeholders taken from the error.
type Row struct {
	Err    error
	Match  func(err error) bool
	Status int
	ID     string
	Data   func(err error) map[string]any
}

func (r Row) matches(err error) bool {
	if r.Match != nil {
		return r.Match(err)
	}
	return errors.Is(err, r.Err)
}

func detail(err error) map[string]any { return map[string]any{"Detail": err.Error()} }
func reason(err error) map[string]any { return map[string]any{"Reason": err.Error()} }

// Table is every error the edges tell apart, most specific first.
var Table = []Row{
	{Err: ErrNotConfigured, Status: http.StatusInternalServerError, ID: "outbound.not_configured", Data: func(err error) map[string]any {
		return map[string]any{"Reason": strings.TrimPrefix(err.Error(), ErrNotConfigured.Error()+": ")}
	}},
	{Err: whatsapp.ErrUnknownOutcome, Status: http.StatusInternalServerError, ID: "outbound.unknown"},
	{Err: ErrInterrupted, Status: http.StatusInternalServerError, ID: "outbound.interrupted"},
	{Err: ErrWindowClosed, Status: http.StatusInternalServerError, ID: "outbound.window_closed"},
	{Err: helpdesk.ErrNoCredits, Status: http.StatusPaymentRequired, ID: "outbound.no_credits"},
	{Err: ErrClosed, Status: http.StatusInternalServerError, ID: "outbound.conversation_closed"},
	{Err: whatsapp.ErrUnsupportedMedia, Status: http.StatusInternalServerError, ID: "outbound.bad_file", Data: reason},
	{Err: whatsapp.ErrMediaTooLarge, Status: http.StatusInternalServerError, ID: "outbound.bad_file", Data: reason},
	{Err: helpdesk.ErrNotFound, Status: http.StatusNotFound, ID: "error.not_found", Data: detail},
	{Err: helpdesk.ErrForbidden, Status: http.StatusForbidden, ID: "error.forbidden", Data: detail},
	{Err: helpdesk.ErrConflict, Status: http.StatusConflict, ID: "error.conflict", Data: detail},
	{Err: helpdesk.ErrInvalid, Status: http.StatusBadRequest, ID: "error.invalid", Data: detail},
	{Err: whatsapp.ErrInvalidMessage, Status: http.StatusInternalServerError, ID: "error.invalid", Data: detail},
	// Always refused with its own message (a Problem); the row gives its status.
	{Err: helpdesk.ErrNotOnline, Status: http.StatusBadRequest, ID: "outbound.failed", Data: reason},
	{Match: isTemplateParamError, Status: http.StatusInternalServerError, ID: "hsm.params", Data: detail},
	{Match: isAuthError, Status: http.StatusInternalServerError, ID: "outbound.auth", Data: func(err error) map[string]any {
		ge, _ := whatsapp.AsGraphError(err)
		return map[string]any{"Code": ge.Code}
	}},
	{Match: isGraphError, Status: http.StatusInternalServerError, ID: "outbound.graph_error", Data: func(err error) map[string]any {
		ge, _ := whatsapp.AsGraphError(err)
		return map[string]any{"Code": ge.Code, "Reason": ge.Title()}
	}},
}

// fallback is any other error: a failure of ours, logged at the edge.
var fallback = Row{Status: http.StatusInternalServerError, ID: "outbound.failed", Data: reason}

func isTemplateParamError(err error) bool {
	var p *whatsapp.TemplateParamError
	return errors.As(err, &p)
}

func isGraphError(err error) bool {
	_, ok := whatsapp.AsGraphError(err)
	return ok
}

func isAuthError(err error) bool {
	ge, ok := whatsapp.AsGraphError(err)
	return ok && ge.IsAuth()
}

// Lookup returns the row of err.
func Lookup(err error) Row {
	for _, r := range Table {
		if r.matches(err) {
			return r
		}
	}
	return fallback
}

// Status is the HTTP status the webapp API answers err with.
func Status(err error) int { return Lookup(err).Status }

// Message returns the message id and placeholders of err: a refusal's own (helpdesk.Problem),
// otherwise its row's.
func Message(err error) (string, map[string]any) {
	var refused *helpdesk.Problem
	if errors.As(err, &refused) {
		return refused.ID, refused.Data
	}
	r := Lookup(err)
	if r.Data == nil {
		return r.ID, nil
	}
	return r.ID, r.Data(err)
}

// Describe is the sentence err is told with, in l's language.
func Describe(texts *l10n.Translator, l *l10n.Localizer, err error) string {
	id, data := Message(err)
	return texts.T(l, id, data)
}

// Describer tells errors to users in their own language.
type Describer struct {
	Texts *l10n.Translator
}

// Describe is the sentence userID reads for err.
func (d Describer) Describe(userID string, err error) string {
	return Describe(d.Texts, d.Texts.ForUser(userID), err)
}
