package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// GraphError is an error answered by the Graph API. Non-JSON error bodies
// (proxy pages, CDN errors) become a GraphError too, with Code 0 and only
// the HTTP status to judge by.
type GraphError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	Details    string
	FBTraceID  string

	// hasCode tells an explicit code 0 (AuthException) from a body without a
	// Graph envelope, which also leaves Code at 0.
	hasCode    bool
	retryAfter time.Duration
}

// Error codes the client treats specially; see CLOUD_API.md §6.
const (
	CodeAuthException    = 0
	CodeAPIUnknown       = 1
	CodeServiceDown      = 2
	CodeTooManyCalls     = 4
	CodeInvalidParameter = 100
	CodeTokenExpired     = 190
	CodeWABARateLimit    = 80007
	CodeThroughput       = 130429
	CodeSomethingWrong   = 131000
	CodeServiceUnavail   = 131016
	CodeUndeliverable    = 131026
	CodeReEngagement     = 131047
	CodeSpamRateLimit    = 131048
	CodeUnsupportedType  = 131051
	CodeMediaUpload      = 131053
	CodePairRateLimit    = 131056
	CodeMaintenance      = 131057
	CodeTemplateParams   = 132000
	CodeTemplateMissing  = 132001
	CodeTemplateFormat   = 132012
)

// retryableCodes is the exhaustive retry list of §6; everything else is
// retried only when the HTTP status is 5xx and the code is not known terminal.
var retryableCodes = map[int]bool{
	1: true, 2: true, 4: true, 80007: true, 130429: true,
	131000: true, 131016: true, 131056: true, 131057: true,
}

// terminalCodes are codes §6 says never to retry, even if they arrive with a
// 5xx status (permission errors come back as HTTP 500).
var terminalCodes = map[int]bool{
	0: true, 3: true, 10: true, 100: true, 190: true, 368: true,
	130472: true, 131008: true, 131009: true, 131021: true, 131026: true,
	131031: true, 131042: true, 131047: true, 131048: true, 131049: true,
	131051: true, 131052: true, 131053: true, 132000: true, 132001: true,
	132005: true, 132007: true, 132012: true, 132015: true, 132016: true,
	133010: true,
}

var codeTitles = map[int]string{
	0:      "WhatsApp access token is invalid",
	1:      "Unknown WhatsApp API error",
	2:      "WhatsApp service temporarily unavailable",
	3:      "The app lacks a capability or permission",
	4:      "Too many API calls (app rate limit)",
	10:     "Permission denied for this app or phone number",
	100:    "Invalid parameter",
	190:    "WhatsApp access token expired or invalid",
	368:    "WhatsApp Business Account restricted by policy",
	80007:  "WhatsApp Business Account rate limit reached",
	130429: "Throughput limit reached (too many messages per second)",
	130472: "The customer is part of a marketing experiment",
	131000: "Something went wrong at WhatsApp",
	131008: "Required parameter is missing",
	131009: "Parameter value is not valid",
	131016: "WhatsApp service temporarily unavailable",
	131021: "Recipient cannot be the sender",
	131026: "Message undeliverable",
	131031: "WhatsApp Business Account locked",
	131042: "Business eligibility or payment issue",
	131047: "More than 24 hours have passed since the customer last replied; send a template",
	131048: "Spam rate limit hit: the number's quality is restricted",
	131049: "Not delivered to keep ecosystem engagement healthy",
	131051: "Unsupported message type",
	131052: "WhatsApp could not download the customer's media",
	131053: "Media upload error: unsupported or unreachable media",
	131056: "Too many messages to this customer in a short time",
	131057: "WhatsApp Business Account in maintenance",
	132000: "Template parameter count does not match",
	132001: "Template does not exist or is not approved",
	132005: "Template text too long after filling parameters",
	132007: "Template format character policy violated",
	132012: "Template parameter format does not match",
	132015: "Template paused for low quality",
	132016: "Template disabled for low quality",
	133010: "Phone number not registered on the Cloud API",
}

func (e *GraphError) Error() string {
	var b strings.Builder
	b.WriteString("graph api")
	if e.hasCode || e.Code != 0 {
		fmt.Fprintf(&b, " error %d", e.Code)
		if e.Subcode != 0 {
			fmt.Fprintf(&b, "/%d", e.Subcode)
		}
	}
	fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Details != "" && e.Details != e.Message {
		b.WriteString(": ")
		b.WriteString(e.Details)
	}
	if e.FBTraceID != "" {
		b.WriteString(" [fbtrace_id ")
		b.WriteString(e.FBTraceID)
		b.WriteString("]")
	}
	return b.String()
}

// IsAuth reports a credential problem (codes 0 and 190, or HTTP 401): the
// channel needs a new token, retrying cannot help.
func (e *GraphError) IsAuth() bool {
	return e.Code == CodeTokenExpired || (e.hasCode && e.Code == CodeAuthException) || e.HTTPStatus == http.StatusUnauthorized
}

// Retryable reports whether the same request may succeed later (§6).
func (e *GraphError) Retryable() bool {
	if e.IsAuth() {
		return false
	}
	if retryableCodes[e.Code] {
		return true
	}
	if e.hasCode && (terminalCodes[e.Code] || (e.Code >= 200 && e.Code <= 299)) {
		return false
	}
	return e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests
}

// Title is a short human explanation, suitable for showing to an agent.
func (e *GraphError) Title() string {
	if e.hasCode || e.Code != 0 {
		if t, ok := codeTitles[e.Code]; ok {
			return t
		}
		if e.Code >= 200 && e.Code <= 299 {
			return codeTitles[10]
		}
	}
	if msg := stripCodePrefix(e.Message); msg != "" {
		return msg
	}
	if t := http.StatusText(e.HTTPStatus); t != "" {
		return t
	}
	return "WhatsApp API error"
}

// stripCodePrefix turns "(#131056) pair rate limit hit" into "pair rate limit hit".
func stripCodePrefix(msg string) string {
	if strings.HasPrefix(msg, "(#") {
		if i := strings.Index(msg, ") "); i > 0 {
			return msg[i+2:]
		}
	}
	return msg
}

// AsGraphError finds a *GraphError in err's chain.
func AsGraphError(err error) (*GraphError, bool) {
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge, true
	}
	return nil, false
}

// IsAuthError reports whether err is a Graph credential error.
func IsAuthError(err error) bool {
	ge, ok := AsGraphError(err)
	return ok && ge.IsAuth()
}

// IsRetryable reports whether err is worth retrying: a retryable Graph error,
// or a network failure (timeout, refused or reset connection). Cancellation is
// never retryable. The Client applies this itself; callers use it to decide
// whether to requeue work after the client gave up.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if ge, ok := AsGraphError(err); ok {
		return ge.Retryable()
	}
	if errors.Is(err, ErrUnknownOutcome) {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// graphEnvelope is the {"error": {...}} body of every Graph API failure.
type graphEnvelope struct {
	Error *struct {
		Message   string          `json:"message"`
		Type      string          `json:"type"`
		Code      *int            `json:"code"`
		Subcode   int             `json:"error_subcode"`
		UserTitle string          `json:"error_user_title"`
		UserMsg   string          `json:"error_user_msg"`
		Data      json.RawMessage `json:"error_data"`
		FBTraceID string          `json:"fbtrace_id"`
	} `json:"error"`
}

// parseGraphError builds a GraphError from a non-2xx response.
func parseGraphError(status int, header http.Header, body []byte) *GraphError {
	ge := &GraphError{HTTPStatus: status, retryAfter: parseRetryAfter(header.Get("Retry-After"))}
	var env graphEnvelope
	if err := json.Unmarshal(body, &env); err == nil && env.Error != nil {
		e := env.Error
		ge.Message = e.Message
		ge.Type = e.Type
		ge.Subcode = e.Subcode
		ge.FBTraceID = e.FBTraceID
		if e.Code != nil {
			ge.Code, ge.hasCode = *e.Code, true
		}
		ge.Details = errorDetails(e.Data)
		if ge.Details == "" {
			ge.Details = e.UserMsg
		}
		if ge.Message == "" {
			ge.Message = e.UserTitle
		}
		return ge
	}
	ge.Message = http.StatusText(status)
	// A short plain-text body says more than the status text; an HTML page does not.
	ct := strings.ToLower(header.Get("Content-Type"))
	if text := strings.TrimSpace(string(body)); text != "" && !strings.Contains(ct, "html") && !strings.HasPrefix(text, "<") {
		if len(text) > 200 {
			text = text[:200] + "…"
		}
		ge.Details = text
	}
	return ge
}

// errorDetails reads error_data.details; error_data is an object on the
// WhatsApp endpoints but a plain string on some Graph endpoints.
func errorDetails(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var obj struct {
		Details string `json:"details"`
	}
	if err := json.Unmarshal(raw, &obj); err == nil {
		return obj.Details
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return ""
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
