package fakegraph

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Fault is an injected failure. A request that meets a fault is answered
// with the error and is NOT recorded (nothing was sent).
type Fault struct {
	HTTPStatus int // default 400 when Code is set, else 500 with code 131000
	Code       int
	Subcode    int
	Message    string // default "(#code) <title>"
	Details    string // error_data.details

	// Delay holds the request this long before answering, to outlast a
	// client timeout. A client that hangs up gets nothing.
	Delay time.Duration

	// Body, when set, replaces the Graph envelope with this raw body (an
	// HTML proxy page, a CDN error…).
	Body string

	// Accept processes the request normally (a send is recorded: the
	// customer gets it) and only then holds the answer for Delay, as when
	// Meta took a message but its answer never made it back in time.
	Accept bool

	// Pass lets the request through untouched: queued before a fault, it makes
	// a later request fail (the second page of a listing, say).
	Pass bool

	// Hangup closes the connection without an answer: the client sees a
	// transport error (Go's *url.Error, which quotes the full URL).
	Hangup bool
}

// Preset faults (CLOUD_API.md §6).

// RateLimited is the throughput limit (130429), retryable.
func RateLimited() Fault {
	return Fault{HTTPStatus: 400, Code: 130429, Message: "(#130429) Rate limit hit",
		Details: "Cloud API message throughput has been reached."}
}

// PairRateLimit is the business/customer pair limit (131056), retryable.
func PairRateLimit() Fault {
	return Fault{HTTPStatus: 400, Code: 131056, Message: "(#131056) (Business Account, Consumer Account) pair rate limit hit",
		Details: "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."}
}

// ServerError is Meta's "Something went wrong" (500 + 131000), retryable.
func ServerError() Fault {
	return Fault{HTTPStatus: 500, Code: 131000, Message: "(#131000) Something went wrong",
		Details: "Something went wrong. Please try again later."}
}

// TokenExpired is an expired access token (401 + 190), not retryable.
func TokenExpired() Fault {
	return Fault{HTTPStatus: 401, Code: 190, Subcode: 463,
		Message: "Error validating access token: Session has expired on Friday, 10-Oct-25 03:00:00 PDT."}
}

// ReEngagement is a free-form send outside the 24-hour window (131047).
func ReEngagement() Fault {
	return Fault{HTTPStatus: 400, Code: 131047, Message: "(#131047) Re-engagement message",
		Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}
}

// Undeliverable is an undeliverable message (131026).
func Undeliverable() Fault {
	return Fault{HTTPStatus: 400, Code: 131026, Message: "(#131026) Message Undeliverable",
		Details: "Message Undeliverable."}
}

// Timeout hangs for d, then answers 504 with a non-JSON body as a proxy would.
func Timeout(d time.Duration) Fault {
	return Fault{Delay: d, HTTPStatus: http.StatusGatewayTimeout, Body: "upstream request timeout"}
}

// AcceptThenStall takes the request (a send reaches the customer) and holds
// its answer for d, so a client with a shorter timeout never learns the outcome.
func AcceptThenStall(d time.Duration) Fault {
	return Fault{Accept: true, Delay: d}
}

// FailNext makes the next n requests to ep fail with f. Queued faults of an
// endpoint are used in order, before any FailAlways fault.
func (s *Server) FailNext(ep Endpoint, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[ep] = append(s.faults[ep], f)
	}
}

// FailAlways makes every request to ep fail with f until ClearFaults.
func (s *Server) FailAlways(ep Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.always[ep] = f
}

// ClearFaults removes all queued and permanent faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[Endpoint][]Fault{}
	s.always = map[Endpoint]Fault{}
}

func (s *Server) takeFault(ep Endpoint) (Fault, bool) {
	keys := []Endpoint{ep}
	if ep == MediaInfo || ep == MediaDownload {
		keys = append(keys, Media)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if q := s.faults[k]; len(q) > 0 {
			s.faults[k] = q[1:]
			return q[0], true
		}
	}
	for _, k := range keys {
		if f, ok := s.always[k]; ok {
			return f, true
		}
	}
	return Fault{}, false
}

func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Hangup {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // net/http drops the connection
	}
	if f.Delay > 0 {
		// Consuming the body lets net/http watch the connection, so the
		// request context ends as soon as the client hangs up.
		_, _ = io.Copy(io.Discard, r.Body)
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return // the client gave up
		case <-t.C:
		}
	}
	status, code := f.HTTPStatus, f.Code
	switch {
	case status == 0 && code == 0:
		status, code = http.StatusInternalServerError, 131000
	case status == 0:
		status = http.StatusBadRequest
	}
	if f.Body != "" {
		ct := "text/plain; charset=utf-8"
		if strings.HasPrefix(strings.TrimSpace(f.Body), "<") {
			ct = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	msg := f.Message
	if msg == "" {
		msg = fmt.Sprintf("(#%d) %s", code, http.StatusText(status))
	}
	writeGraphError(w, status, graphErr{Code: code, Subcode: f.Subcode, Message: msg, Details: f.Details})
}
