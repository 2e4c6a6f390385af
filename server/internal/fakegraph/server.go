// Package fakegraph is a fake of Meta's Graph API for the WhatsApp Cloud API,
// listening on 127.0.0.1. It speaks the real wire format (CLOUD_API.md §3,
// §3.1, §4, §6), records what it receives, injects faults on demand and
// builds signed webhook payloads. It deliberately does not import
// server/whatsapp: both sides are written from the spec, so testing one
// against the other checks the wire format rather than a shared struct.
package fakegraph

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults for zero Options fields; the ids match CLOUD_API.md's examples.
const (
	DefaultAccessToken        = "fake-access-token"
	DefaultPhoneNumberID      = "118923734567890"
	DefaultWABAID             = "104887219284913"
	DefaultAppSecret          = "fake-app-secret"
	DefaultDisplayPhoneNumber = "551140028922"
)

// Options configures the fake business account.
type Options struct {
	AccessToken        string
	PhoneNumberID      string
	WABAID             string
	AppSecret          string
	DisplayPhoneNumber string // metadata.display_phone_number of webhooks

	// AllowInvalid is for tests that send malformed requests on purpose:
	// requests that violate Meta's OpenAPI description are only recorded
	// (Violations) and answered by the fake's own checks, and the test does
	// not fail. By default a violation is answered with Graph's (#100) error
	// and fails the test that caused it.
	AllowInvalid bool
}

// Endpoint names a part of the API, for faults and request counts.
type Endpoint string

// Endpoints. Media matches both MediaInfo and MediaDownload (the two steps of
// an inbound media fetch); Upload is POST /{phone-id}/media.
const (
	Messages      Endpoint = "messages"       // POST /{ver}/{phone-id}/messages (sends and mark-read)
	Upload        Endpoint = "upload"         // POST /{ver}/{phone-id}/media
	MediaInfo     Endpoint = "media_info"     // GET /{ver}/{media-id}
	MediaDownload Endpoint = "media_download" // GET of the url MediaInfo answers
	Media         Endpoint = "media"          // MediaInfo or MediaDownload
	Templates     Endpoint = "templates"      // GET /{ver}/{waba-id}/message_templates
)

// SentMessage is a send the fake accepted.
type SentMessage struct {
	WAMID        string
	To           string
	Type         string
	Text         string // text body, or the emoji of a reaction
	MediaID      string
	Caption      string
	Filename     string
	TemplateName string
	ContextID    string // context.message_id (reply)
	BizOpaque    string // biz_opaque_callback_data
	Raw          map[string]any
	At           time.Time // when the fake accepted it
}

// UploadedMedia is a media upload the fake accepted. (The name Upload is the
// Endpoint of POST /{phone-id}/media.)
type UploadedMedia struct {
	ID       string
	Filename string
	MimeType string
	Data     []byte
}

type mediaFile struct {
	mimeType string
	data     []byte
	sha256   string // hex, as GET /{media-id} answers
	url      string // the download url GET /{media-id} names, when not the fake's own (SetMediaURL)
}

// Server is a running fake Graph API.
type Server struct {
	URL string // base URL, e.g. http://127.0.0.1:PORT (no version)

	opts Options
	srv  *httptest.Server

	mu         sync.Mutex
	sent       []SentMessage
	reads      []string
	uploads    []UploadedMedia
	requests   map[Endpoint]int
	media      map[string]*mediaFile
	templates  []map[string]any
	faults     map[Endpoint][]Fault
	always     map[Endpoint]Fault
	recipients map[string]string
	violations []Violation
	// tokenInPaging puts the access token into paging links (SetPagingAccessToken).
	tokenInPaging bool
}

// New starts a fake on 127.0.0.1, closed when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.AccessToken == "" {
		opts.AccessToken = DefaultAccessToken
	}
	if opts.PhoneNumberID == "" {
		opts.PhoneNumberID = DefaultPhoneNumberID
	}
	if opts.WABAID == "" {
		opts.WABAID = DefaultWABAID
	}
	if opts.AppSecret == "" {
		opts.AppSecret = DefaultAppSecret
	}
	if opts.DisplayPhoneNumber == "" {
		opts.DisplayPhoneNumber = DefaultDisplayPhoneNumber
	}
	s := &Server{
		opts:       opts,
		requests:   map[Endpoint]int{},
		media:      map[string]*mediaFile{},
		faults:     map[Endpoint][]Fault{},
		always:     map[Endpoint]Fault{},
		recipients: map[string]string{},
	}
	if sp := openAPI(); sp.err != nil {
		t.Fatalf("fakegraph: %v", sp.err)
	}
	// Registered before Close so that it runs after it, once no request is in flight.
	t.Cleanup(func() {
		if opts.AllowInvalid {
			return
		}
		for _, v := range s.Violations() {
			t.Errorf("fakegraph: request violates Meta's OpenAPI description: %s", v)
		}
	})
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Options returns the options in effect, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Close stops the server early; New already arranges it at test end.
func (s *Server) Close() { s.srv.Close() }

// Sent returns the accepted sends, oldest first (mark-read excluded).
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// Reads returns the wamids marked as read, in order.
func (s *Server) Reads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reads...)
}

// Uploads returns the accepted media uploads.
func (s *Server) Uploads() []UploadedMedia {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]UploadedMedia(nil), s.uploads...)
}

// Requests counts requests that reached ep, whatever their outcome.
func (s *Server) Requests(ep Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep == Media {
		return s.requests[MediaInfo] + s.requests[MediaDownload]
	}
	return s.requests[ep]
}

// Violations returns the requests that broke Meta's OpenAPI description, oldest first.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// Reset forgets recorded traffic and faults (not violations); seeded media and templates stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent, s.reads, s.uploads = nil, nil, nil
	s.requests = map[Endpoint]int{}
	s.faults = map[Endpoint][]Fault{}
	s.always = map[Endpoint]Fault{}
}

// SetWaID makes sends to input answer waID as the canonical contact id, as
// the real API does for Brazilian numbers registered without the ninth digit.
func (s *Server) SetWaID(input, waID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recipients[strings.TrimPrefix(input, "+")] = waID
}

var versionRE = regexp.MustCompile(`^v\d+\.\d+$`)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) >= 2 && parts[0] == "whatsapp_business" && parts[1] == "attachments" {
		s.handle(w, r, MediaDownload, s.serveDownload)
		return
	}
	if len(parts) < 2 || !versionRE.MatchString(parts[0]) {
		s.violate(r, "no operation of Meta's description has this path")
		writeGraphError(w, http.StatusBadRequest, graphErr{Code: 2500, Message: "Unknown path components: " + r.URL.Path})
		return
	}
	id := parts[1]
	switch {
	case len(parts) == 2:
		s.handle(w, r, MediaInfo, func(w http.ResponseWriter, r *http.Request) { s.serveMediaInfo(w, r, id) })
	case len(parts) == 3 && parts[2] == "messages":
		s.handle(w, r, Messages, func(w http.ResponseWriter, r *http.Request) { s.serveMessages(w, r, id) })
	case len(parts) == 3 && parts[2] == "media":
		s.handle(w, r, Upload, func(w http.ResponseWriter, r *http.Request) { s.serveUpload(w, r, id) })
	case len(parts) == 3 && parts[2] == "message_templates":
		s.handle(w, r, Templates, func(w http.ResponseWriter, r *http.Request) { s.serveTemplates(w, r, id) })
	default:
		s.violate(r, "no operation of Meta's description has this path")
		writeGraphError(w, http.StatusBadRequest, graphErr{Code: 2500, Message: "Unknown path components: /" + strings.Join(parts[2:], "/")})
	}
}

// handle counts the request, checks it against Meta's OpenAPI description,
// applies a pending fault, checks the token, refuses a violation, then runs
// the endpoint.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, ep Endpoint, next http.HandlerFunc) {
	s.mu.Lock()
	s.requests[ep]++
	s.mu.Unlock()
	reasons := s.conform(r, ep)

	if f, ok := s.takeFault(ep); ok && !f.Pass {
		if !f.Accept {
			s.writeFault(w, r, f)
			return
		}
		// Process for real, but keep the answer until the delay is over.
		stalled := &stallWriter{header: http.Header{}}
		next(stalled, r)
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return // the client gave up; what it sent was taken all the same
		case <-t.C:
		}
		for k, v := range stalled.header {
			w.Header()[k] = v
		}
		w.WriteHeader(stalled.status)
		_, _ = w.Write(stalled.body.Bytes())
		return
	}
	if !s.authorized(r) {
		if ep == MediaDownload {
			// The media CDN is not the Graph API: it answers plain text.
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		writeGraphError(w, http.StatusUnauthorized, graphErr{
			Code: 190, Type: "OAuthException",
			Message: "Invalid OAuth access token - Cannot parse access token",
		})
		return
	}
	if len(reasons) > 0 && !s.opts.AllowInvalid {
		if ep == MediaDownload {
			http.Error(w, "Bad Request", http.StatusBadRequest)
			return
		}
		writeGraphError(w, http.StatusBadRequest, graphErr{Code: 100, Message: "(#100) Invalid parameter",
			Details: strings.Join(reasons, "; ")})
		return
	}
	next(w, r)
}

// maxValidatedBody bounds what conform buffers (uploads are capped at 101 MB).
const maxValidatedBody = 101 << 20

// conform validates r against Meta's OpenAPI description and records each
// violation; r.Body is buffered and restored for the endpoint.
func (s *Server) conform(r *http.Request, ep Endpoint) []string {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxValidatedBody))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		return nil // the client went away; nothing to judge
	}
	name, params := specRequest(r, ep, raw)
	var reasons []string
	if so := specOps[name]; so.method != r.Method {
		reasons = []string{fmt.Sprintf("%s is not an operation of %s", r.Method, so.path)}
	} else {
		reasons = validateRequest(r, raw, name, params)
	}
	for _, reason := range reasons {
		s.violate(r, reason)
	}
	return reasons
}

func (s *Server) violate(r *http.Request, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, Violation{Method: r.Method, Path: r.URL.Path, Reason: reason})
}

func (s *Server) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		token = r.URL.Query().Get("access_token")
	}
	return token != "" && token == s.opts.AccessToken
}

// graphErr is the body of a Graph API error envelope.
type graphErr struct {
	Code    int
	Subcode int
	Type    string
	Message string
	Details string
}

func writeGraphError(w http.ResponseWriter, status int, e graphErr) {
	if e.Type == "" {
		e.Type = "OAuthException"
	}
	body := map[string]any{
		"message":    e.Message,
		"type":       e.Type,
		"code":       e.Code,
		"fbtrace_id": randomToken(12),
	}
	if e.Subcode != 0 {
		body["error_subcode"] = e.Subcode
	}
	if e.Details != "" {
		body["error_data"] = map[string]any{"messaging_product": "whatsapp", "details": e.Details}
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// NewWAMID returns a fresh message id shaped like WhatsApp's ("wamid." + base64).
func NewWAMID() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

// newNumericID returns a 16-digit id like Graph object ids.
func newNumericID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(9e15))
	return fmt.Sprintf("%d", n.Int64()+1e15)
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.TrimRight(base64.URLEncoding.EncodeToString(b), "=")[:n]
}

func unixString(ts time.Time) string {
	if ts.IsZero() {
		ts = time.Now()
	}
	return fmt.Sprintf("%d", ts.Unix())
}

// stallWriter holds an answer that AcceptThenStall delivers late (or never).
type stallWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *stallWriter) Header() http.Header { return w.header }

func (w *stallWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *stallWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
