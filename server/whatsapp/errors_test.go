package whatsapp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pkg/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envelope(code int, msg, details string) string {
	return fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":%d,"error_data":{"messaging_product":"whatsapp","details":%q},"fbtrace_id":"A4O5a8RAgePwbcGSu"}}`, msg, code, details)
}

func TestParseGraphError(t *testing.T) {
	t.Run("envelope", func(t *testing.T) {
		body := envelope(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages")
		ge := parseGraphError(400, http.Header{}, []byte(body))
		assert.Equal(t, 400, ge.HTTPStatus)
		assert.Equal(t, 131056, ge.Code)
		assert.Equal(t, "OAuthException", ge.Type)
		assert.Equal(t, "A4O5a8RAgePwbcGSu", ge.FBTraceID)
		assert.Equal(t, "Message failed to send because there were too many messages", ge.Details)
		assert.True(t, ge.Retryable())
		assert.False(t, ge.IsAuth())
		assert.Equal(t, "Too many messages to this customer in a short time", ge.Title())
		assert.Contains(t, ge.Error(), "graph api error 131056 (HTTP 400)")
		assert.Contains(t, ge.Error(), "fbtrace_id A4O5a8RAgePwbcGSu")
	})
	t.Run("subcode and string error_data", func(t *testing.T) {
		body := `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"error_data":"token expired","fbtrace_id":"X"}}`
		ge := parseGraphError(401, http.Header{}, []byte(body))
		assert.Equal(t, 190, ge.Code)
		assert.Equal(t, 463, ge.Subcode)
		assert.Equal(t, "token expired", ge.Details)
		assert.True(t, ge.IsAuth())
		assert.False(t, ge.Retryable())
		assert.Contains(t, ge.Error(), "190/463")
	})
	t.Run("explicit code 0 is AuthException", func(t *testing.T) {
		ge := parseGraphError(400, http.Header{}, []byte(`{"error":{"message":"(#0) AuthException","type":"OAuthException","code":0}}`))
		assert.True(t, ge.IsAuth())
		assert.False(t, ge.Retryable())
		assert.Contains(t, ge.Error(), "error 0")
	})
	t.Run("html proxy page", func(t *testing.T) {
		h := http.Header{"Content-Type": {"text/html"}}
		ge := parseGraphError(502, h, []byte("<html><body>Bad gateway</body></html>"))
		assert.Equal(t, 0, ge.Code)
		assert.Equal(t, "Bad Gateway", ge.Message)
		assert.Empty(t, ge.Details)
		assert.True(t, ge.Retryable())
		assert.False(t, ge.IsAuth())
		assert.Equal(t, "Bad Gateway", ge.Title())
		assert.NotContains(t, ge.Error(), "error 0")
	})
	t.Run("plain text", func(t *testing.T) {
		ge := parseGraphError(503, http.Header{"Content-Type": {"text/plain"}}, []byte("upstream connect error"))
		assert.Equal(t, "upstream connect error", ge.Details)
		assert.True(t, ge.Retryable())
	})
	t.Run("empty body 400", func(t *testing.T) {
		ge := parseGraphError(400, http.Header{}, nil)
		assert.False(t, ge.Retryable())
		assert.Equal(t, "Bad Request", ge.Title())
	})
	t.Run("retry-after", func(t *testing.T) {
		ge := parseGraphError(429, http.Header{"Retry-After": {"7"}}, nil)
		assert.Equal(t, 7*time.Second, ge.retryAfter)
		assert.True(t, ge.Retryable())
	})
}

func TestGraphErrorRetryable(t *testing.T) {
	tests := []struct {
		status, code int
		want         bool
	}{
		{400, 1, true},
		{503, 2, true},
		{400, 4, true},
		{400, 80007, true},
		{400, 130429, true},
		{500, 131000, true},
		{503, 131016, true},
		{400, 131056, true},
		{500, 131057, true},
		{401, 0, false},
		{401, 190, false},
		{500, 10, false}, // permission errors arrive as 500: config, not transient
		{403, 200, false},
		{500, 3, false},
		{400, 100, false},
		{400, 131008, false},
		{400, 131009, false},
		{400, 131026, false},
		{400, 131047, false},
		{400, 131048, false},
		{400, 131049, false},
		{400, 131051, false},
		{400, 131053, false},
		{400, 132000, false},
		{404, 132001, false},
		{400, 132012, false},
		{400, 133010, false},
		{503, 999999, true},  // unknown code: judged by the status
		{400, 999999, false}, // idem
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%d", tt.status, tt.code), func(t *testing.T) {
			ge := parseGraphError(tt.status, http.Header{}, []byte(envelope(tt.code, "m", "d")))
			assert.Equal(t, tt.want, ge.Retryable())
		})
	}
}

func TestGraphErrorIsAuth(t *testing.T) {
	assert.True(t, (&GraphError{HTTPStatus: 401}).IsAuth(), "401 without envelope")
	assert.True(t, (&GraphError{HTTPStatus: 400, Code: 190}).IsAuth())
	assert.False(t, (&GraphError{HTTPStatus: 500}).IsAuth(), "code 0 without envelope is not AuthException")
	assert.False(t, (&GraphError{HTTPStatus: 400, Code: 131047}).IsAuth())
}

func TestGraphErrorTitle(t *testing.T) {
	assert.Contains(t, (&GraphError{Code: 131047}).Title(), "24 hours")
	assert.Equal(t, "Permission denied for this app or phone number", (&GraphError{Code: 250}).Title())
	assert.Equal(t, "Something odd", (&GraphError{Code: 424242, Message: "(#424242) Something odd"}).Title())
	assert.Equal(t, "WhatsApp API error", (&GraphError{}).Title())
}

func TestErrorHelpers(t *testing.T) {
	ge := &GraphError{HTTPStatus: 401, Code: 190}
	wrapped := errors.Wrap(errors.Wrap(ge, "send"), "bridge")
	got, ok := AsGraphError(wrapped)
	require.True(t, ok)
	assert.Same(t, ge, got)
	assert.True(t, IsAuthError(wrapped))
	assert.False(t, IsRetryable(wrapped))

	_, ok = AsGraphError(errors.New("plain"))
	assert.False(t, ok)
	assert.False(t, IsAuthError(errors.New("plain")))

	assert.True(t, IsRetryable(errors.Wrap(&GraphError{HTTPStatus: 400, Code: 130429}, "x")))
	assert.True(t, IsRetryable(&url.Error{Op: "Post", URL: "u", Err: errors.New("connection refused")}))
	assert.False(t, IsRetryable(errors.Wrap(context.Canceled, "x")))
	assert.False(t, IsRetryable(errors.Wrap(ErrUnknownOutcome, "x")))
	assert.False(t, IsRetryable(nil))
	assert.False(t, IsRetryable(errors.New("plain")))
}
