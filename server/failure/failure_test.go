package failure

import (
	"net/http"
	"testing"

	"github.com/pkg/errors"
	"github.com/stretchr/testify/assert"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

func TestEveryErrorHasOneStatusAndOneSentence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		id     string
	}{
		{"refusal speaks for itself, its kind gives the status", helpdesk.Refuse(helpdesk.ErrForbidden, "error.attend_first"), http.StatusForbidden, "error.attend_first"},
		{"wrapped refusal", errors.Wrap(helpdesk.Refuse(helpdesk.ErrConflict, "error.already_closed"), "close"), http.StatusConflict, "error.already_closed"},
		{"not found", errors.Wrap(helpdesk.ErrNotFound, "ticket x"), http.StatusNotFound, "error.not_found"},
		{"invalid", helpdesk.ErrInvalid, http.StatusBadRequest, "error.invalid"},
		{"offline invitee", helpdesk.Refuse(helpdesk.ErrNotOnline, "error.not_online"), http.StatusBadRequest, "error.not_online"},
		{"no credits", helpdesk.ErrNoCredits, http.StatusPaymentRequired, "outbound.no_credits"},
		{"window closed", ErrWindowClosed, http.StatusInternalServerError, "outbound.window_closed"},
		{"settings", errors.Wrap(ErrNotConfigured, "set the team"), http.StatusInternalServerError, "outbound.not_configured"},
		{"unknown outcome", errors.Wrap(whatsapp.ErrUnknownOutcome, "timeout"), http.StatusInternalServerError, "outbound.unknown"},
		{"file", whatsapp.ErrMediaTooLarge, http.StatusInternalServerError, "outbound.bad_file"},
		{"template parameters", &whatsapp.TemplateParamError{Template: "t", Component: "body", Want: 2, Got: 1}, http.StatusInternalServerError, "hsm.params"},
		{"token refused", &whatsapp.GraphError{HTTPStatus: 401, Code: whatsapp.CodeTokenExpired}, http.StatusInternalServerError, "outbound.auth"},
		{"graph error", &whatsapp.GraphError{HTTPStatus: 400, Code: 131026}, http.StatusInternalServerError, "outbound.graph_error"},
		{"anything else", errors.New("disk on fire"), http.StatusInternalServerError, "outbound.failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.status, Status(tc.err))
			id, _ := Message(tc.err)
			assert.Equal(t, tc.id, id)
		})
	}
}

func TestPlaceholdersComeFromTheError(t *testing.T) {
	_, data := Message(errors.Wrap(ErrNotConfigured, "set the team"))
	assert.Contains(t, data["Reason"], "set the team")
	_, data = Message(&whatsapp.GraphError{HTTPStatus: 400, Code: 131026, Message: "undeliverable"})
	assert.Equal(t, 131026, data["Code"])
	_, data = Message(helpdesk.Refuse(helpdesk.ErrForbidden, "error.not_your_conversation", "Agent", "bob"))
	assert.Equal(t, map[string]any{"Agent": "bob"}, data)
}

func TestEveryRowsSentenceExists(t *testing.T) {
	en := l10n.English()
	for _, r := range append(Table, fallback) {
		assert.Contains(t, en, r.ID)
	}
}
