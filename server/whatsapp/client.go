// Package whatsapp is the WhatsApp Cloud API client: sends, media, templates, webhook payloads
// and their signature, Graph errors and pacing.
package whatsapp

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/errors"
)

// Defaults applied by NewClient to zero ClientConfig fields.
const (
	DefaultBaseURL     = "https://graph.facebook.com"
	DefaultVersion     = "v25.0"
	DefaultMaxAttempts = 4
	DefaultBaseBackoff = 500 * time.Millisecond
	DefaultMaxBackoff  = 15 * time.Second
	DefaultHTTPTimeout = 30 * time.Second

	// UserAgent is sent on every request; some Meta media hosts answer an
	// HTML page instead of the file when it is missing. Meta's OpenAPI file
	// requires name/MAJOR.MINOR.PATCH.
	UserAgent = "mattermost-plugin-whatsapp-helpdesk/1.0.0"

	// pairRateLimitBackoff is the community figure for one message per
	// business/customer pair (§7): retrying a 131056 sooner is pointless.
	pairRateLimitBackoff = 6 * time.Second

	maxJSONResponse = 16 << 20
)

// ErrUnknownOutcome is wrapped when the API answered 2xx but the answer could
// not be read or understood: the request probably took effect, so it is not
// retried and callers must not resend a message on this error.
var ErrUnknownOutcome = errors.New("request accepted but the answer is unusable; do not resend")

// ClientConfig configures a Client. Zero values take the defaults above.
type ClientConfig struct {
	BaseURL       string // e.g. https://graph.facebook.com
	Version       string // e.g. v25.0
	AccessToken   string
	PhoneNumberID string // sends, uploads, mark-read
	WABAID        string // template listing

	HTTPClient *http.Client // its Timeout bounds each attempt
	// MediaHTTPClient carries media uploads and downloads (up to 100 MB), which need a longer
	// timeout than JSON calls; nil means HTTPClient.
	MediaHTTPClient *http.Client

	MaxAttempts int // total tries for retryable failures; 1 disables retries
	BaseBackoff time.Duration
	MaxBackoff  time.Duration

	// MessagesPerSecond paces all POSTs to /messages of this client (0 = unlimited).
	MessagesPerSecond float64
	// MediaBudget, when set, bounds the bytes of media downloads held at once (shared by a
	// node's clients); a download's caller calls DownloadedMedia.Release once it is stored.
	MediaBudget *MediaBudget

	// Pacer, when set, paces those POSTs instead of this client's own limiter: a cluster-wide
	// pacer holds MessagesPerSecond for every node together.
	Pacer Pacer

	// Sleep waits between attempts and for the pacer; injectable for tests.
	Sleep func(context.Context, time.Duration) error
}

// Client talks to the WhatsApp Cloud API. It is safe for concurrent use.
type Client struct {
	cfg  ClientConfig
	base *url.URL
	http *http.Client
	// mediaHTTP carries file transfers, which may take much longer than a JSON call.
	mediaHTTP *http.Client
	limiter   Pacer
	cfgErr    error
}

// Pacer blocks a send until the rate allows it or ctx ends.
type Pacer interface {
	Wait(ctx context.Context) error
}

// NewClient builds a client. An invalid BaseURL is reported by every call
// rather than here, so that bad settings never crash the plugin.
func NewClient(cfg ClientConfig) *Client {
	cfg.BaseURL = strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.Version = strings.Trim(strings.TrimSpace(cfg.Version), "/")
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	} else if !strings.HasPrefix(cfg.Version, "v") {
		cfg.Version = "v" + cfg.Version
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.BaseBackoff {
		cfg.MaxBackoff = cfg.BaseBackoff
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepContext
	}
	c := &Client{cfg: cfg, http: cfg.HTTPClient, mediaHTTP: cfg.MediaHTTPClient}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if c.mediaHTTP == nil {
		c.mediaHTTP = c.http
	}
	switch {
	case cfg.Pacer != nil:
		c.limiter = cfg.Pacer
	case cfg.MessagesPerSecond > 0:
		c.limiter = newRateLimiter(cfg.MessagesPerSecond, 1, time.Now, cfg.Sleep)
	}
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case err != nil:
		c.cfgErr = errors.Wrap(err, "invalid Graph API base URL")
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		c.cfgErr = errors.Errorf("invalid Graph API base URL %q: want http(s)://host", cfg.BaseURL)
	default:
		c.base = u
	}
	return c
}

// endpoint returns BaseURL/Version/segments..., each segment path-escaped.
func (c *Client) endpoint(segments ...string) string {
	var b strings.Builder
	b.WriteString(c.cfg.BaseURL)
	b.WriteString("/")
	b.WriteString(c.cfg.Version)
	for _, s := range segments {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// ready reports configuration problems before anything goes on the wire.
func (c *Client) ready(needs ...string) error {
	if c.cfgErr != nil {
		return c.cfgErr
	}
	if c.cfg.AccessToken == "" {
		return errors.New("WhatsApp access token is not configured")
	}
	for _, n := range needs {
		switch {
		case n == "phone" && c.cfg.PhoneNumberID == "":
			return errors.New("WhatsApp phone number id is not configured")
		case n == "waba" && c.cfg.WABAID == "":
			return errors.New("WhatsApp Business Account id is not configured")
		}
	}
	return nil
}

type apiRequest struct {
	method      string
	url         string
	body        []byte
	contentType string
	paced       bool // counts against MessagesPerSecond
	// idempotent requests may be retried after any transport failure; the others (sends) only
	// when the request provably was not processed: refused connection, 429, Graph's own error.
	idempotent bool
	maxBody    int64 // response cap; 0 = maxJSONResponse
	media      bool  // a file transfer: uses the media HTTP client
}

type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

var errBodyTooLarge = errors.New("response body too large")

// do runs req with retries: retryable failures are retried with exponential
// backoff and jitter up to MaxAttempts, anything else is returned at once.
// A 2xx is never resent.
func (c *Client) do(ctx context.Context, req apiRequest) (*apiResponse, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, errors.Wrap(err, "send not attempted")
		}
		if req.paced && c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		resp, retry, err := c.attempt(ctx, req)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if !retry || attempt >= c.cfg.MaxAttempts {
			if retry {
				return nil, errors.Wrapf(lastErr, "giving up after %d attempts", attempt)
			}
			return nil, lastErr
		}
		if err := c.cfg.Sleep(ctx, c.backoff(attempt, lastErr)); err != nil {
			return nil, errors.Wrapf(err, "retry interrupted; last error: %v", lastErr)
		}
	}
}

// attempt performs one HTTP exchange and decides whether a failure may be retried.
func (c *Client) attempt(ctx context.Context, req apiRequest) (*apiResponse, bool, error) {
	var reqBody io.Reader
	if req.body != nil {
		reqBody = bytes.NewReader(req.body)
	}
	httpReq, err := http.NewRequestWithContext(ctx, req.method, req.url, reqBody)
	if err != nil {
		return nil, false, errors.Wrap(err, "failed to build request")
	}
	httpReq.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	httpReq.Header.Set("User-Agent", UserAgent)
	if req.contentType != "" {
		httpReq.Header.Set("Content-Type", req.contentType)
	}

	client := c.http
	if req.media {
		client = c.mediaHTTP
	}
	resp, err := client.Do(httpReq)
	if err != nil {
		notSent := neverSent(err)
		if ctx.Err() != nil {
			// The caller gave up; the per-attempt timeout is not involved.
			if !req.idempotent && !notSent {
				return nil, false, errors.Wrapf(ErrUnknownOutcome, "%s %s: %v", req.method, redactURL(req.url), ctx.Err())
			}
			return nil, false, errors.Wrapf(ctx.Err(), "%s %s", req.method, redactURL(req.url))
		}
		if !req.idempotent && !notSent {
			// The request may have reached Meta (a timeout after it was written, a connection
			// reset mid-answer): resending could deliver it twice.
			return nil, false, errors.Wrapf(ErrUnknownOutcome, "%s %s: %v", req.method, redactURL(req.url), transportError(err))
		}
		return nil, true, errors.Wrapf(transportError(err), "%s %s failed", req.method, redactURL(req.url))
	}
	defer func() { _ = resp.Body.Close() }()

	limit := req.maxBody
	if limit <= 0 {
		limit = maxJSONResponse
	}
	body, readErr := readCapped(resp.Body, limit, resp.ContentLength)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		switch {
		case readErr == nil:
		case errors.Is(readErr, errBodyTooLarge):
			return nil, false, errors.Wrapf(readErr, "%s %s", req.method, redactURL(req.url))
		case req.idempotent && ctx.Err() == nil:
			return nil, true, errors.Wrapf(readErr, "reading %s response", redactURL(req.url))
		default:
			// The server acted on the request; resending could duplicate a message.
			return nil, false, errors.Wrapf(ErrUnknownOutcome, "reading %s response: %v", redactURL(req.url), readErr)
		}
		return &apiResponse{status: resp.StatusCode, header: resp.Header, body: body}, false, nil
	}
	ge := parseGraphError(resp.StatusCode, resp.Header, body)
	if !req.idempotent && ge.Retryable() && !ge.hasCode && resp.StatusCode != http.StatusTooManyRequests {
		// A 5xx without Graph's error envelope comes from a proxy or a load balancer, which may
		// have passed the request on: only Graph's own error proves it was not processed.
		return nil, false, errors.Wrapf(ErrUnknownOutcome, "%s %s: %v", req.method, redactURL(req.url), ge)
	}
	return nil, ge.Retryable(), ge
}

// neverSent reports transport failures that happen before a request leaves this host
// (connection refused, DNS failure, dial timeout): retrying those cannot duplicate anything.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED)
}

// backoff returns the wait before attempt+1: BaseBackoff doubled per attempt,
// capped at MaxBackoff, with "equal jitter" (half fixed, half random) so that
// clients that failed together do not retry together.
func (c *Client) backoff(attempt int, err error) time.Duration {
	d := c.cfg.BaseBackoff
	for i := 1; i < attempt && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	if ge, ok := AsGraphError(err); ok {
		if ge.retryAfter > d {
			d = ge.retryAfter
		}
		if ge.Code == CodePairRateLimit && d < pairRateLimitBackoff {
			d = pairRateLimitBackoff
		}
	}
	if d > c.cfg.MaxBackoff {
		d = c.cfg.MaxBackoff
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1) //nolint:gosec // backoff jitter, not a secret
}

// readCapped reads at most limit bytes and reports errBodyTooLarge beyond.
func readCapped(r io.Reader, limit, sizeHint int64) ([]byte, error) {
	if sizeHint > 0 && sizeHint <= limit {
		// A declared length is read into one buffer of that size: growing a 50 MB download by
		// doubling would leave as much again in garbage.
		b := make([]byte, sizeHint)
		n, err := io.ReadFull(r, b)
		if err != nil {
			return b[:n], err
		}
		var extra [1]byte
		if m, _ := r.Read(extra[:]); m == 0 {
			return b, nil
		}
		// Longer than declared: read on to the cap, as without a hint.
		rest, err := io.ReadAll(io.LimitReader(r, limit-sizeHint))
		b = append(append(b, extra[0]), rest...)
		if err == nil && int64(len(b)) > limit {
			return b[:limit], errBodyTooLarge
		}
		return b, err
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > limit {
		return b[:limit], errBodyTooLarge
	}
	return b, nil
}

// transportError strips the URL a *url.Error quotes in full (query, access token and all),
// keeping what went wrong; it stays a net.Error, so it is still retried.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &netFailure{msg: ue.Op + ": " + redactText(ue.Err.Error()), timeout: ue.Timeout()}
	}
	return &netFailure{msg: redactText(err.Error())}
}

// netFailure is a transport failure whose text names no URL.
type netFailure struct {
	msg     string
	timeout bool
}

func (e *netFailure) Error() string   { return e.msg }
func (e *netFailure) Timeout() bool   { return e.timeout }
func (e *netFailure) Temporary() bool { return true }

// tokenParam matches an access token passed in a query string or quoted in a message.
var tokenParam = regexp.MustCompile(`(?i)(access_token=)[^&\s"']+`)

// redactText removes access tokens quoted in an error text.
func redactText(s string) string { return tokenParam.ReplaceAllString(s, "${1}REDACTED") }

// redactURL drops the query, which may carry an access token (Graph paging
// links do) or a signed media hash, from error messages.
func redactURL(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}
