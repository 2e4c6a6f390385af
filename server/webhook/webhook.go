// Package webhook receives WhatsApp Cloud API notifications (the data path's entrance): it checks
// the signature, bounds the work in flight, and hands messages to bridge.Inbound and statuses to
// bridge.Outbound in WhatsApp's order.
package webhook

import (
	"context"
	"crypto/subtle"
	"io"
	"net/http"
	"sort"
	"sync/atomic"
	"time"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/metrics"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/routing"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

const (
	// concurrency bounds webhook work in flight; beyond it Meta gets 503 and retries.
	concurrency = 64
	// requestTimeout bounds the work of one webhook request: Meta gives up after a few seconds
	// anyway.
	requestTimeout = 20 * time.Second
)

// API is the part of the Mattermost plugin API the webhook uses.
type API interface {
	LogWarn(msg string, keyValuePairs ...any)
	LogError(msg string, keyValuePairs ...any)
}

// Routes finds the chat group of a notification's phone number (server/routing).
type Routes interface {
	ForNumber(phoneNumberID string) (bridge.Route, error)
}

// Inbound stores one customer message in its conversation (server/bridge).
type Inbound interface {
	HandleMessage(ctx context.Context, route bridge.Route, contact whatsapp.Contact, msg *whatsapp.Message) error
}

// Statuses applies a delivery status to the post it belongs to (server/bridge).
type Statuses interface {
	HandleStatus(st whatsapp.Status) error
}

// Metrics counts rejections and statuses and times each request (server/metrics).
type Metrics interface {
	Inc(name string, reason ...string)
	ObserveWebhook(status int, took time.Duration)
}

// Settings are the parts of the configuration the webhook reads.
type Settings struct {
	AppSecret   string
	VerifyToken string
	// Problem is why the plugin cannot serve WhatsApp now (answered with 503), or nil.
	Problem error
}

// Handler serves GET and POST /webhook.
type Handler struct {
	API      API
	Routes   Routes
	Inbound  Inbound
	Statuses Statuses
	Metrics  Metrics

	settings atomic.Pointer[Settings]
	slots    chan struct{}
	webhooks drain
}

// NewHandler returns a handler that admits at most the default number of requests at once.
func NewHandler(api API, routes Routes, in Inbound, statuses Statuses, m Metrics) *Handler {
	return &Handler{API: api, Routes: routes, Inbound: in, Statuses: statuses, Metrics: m, slots: make(chan struct{}, concurrency)}
}

// Configure adopts new settings.
func (h *Handler) Configure(s Settings) { h.settings.Store(&s) }

func (h *Handler) current() Settings {
	if s := h.settings.Load(); s != nil {
		return *s
	}
	return Settings{}
}

// Stop lets in-flight webhooks finish, at most timeout; new ones get 503, so Meta retries them
// on another node or later.
func (h *Handler) Stop(timeout time.Duration) { h.webhooks.stop(timeout) }

// Verify answers Meta's subscription handshake.
func (h *Handler) Verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := h.current().VerifyToken
	got := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		httpapi.WriteError(w, http.StatusForbidden, "verification failed")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, q.Get("hub.challenge")) //nolint:gosec // Meta's handshake echoes the challenge, as plain text
}

// Receive receives Meta's notifications. It answers 200 only once every message in the body
// is durably in Mattermost (or known as a duplicate), so a failure or overload (5xx) makes Meta
// deliver the payload again and nothing is lost. The capped body is read under a deadline and its
// signature checked before the request may hold a processing slot: slow or unsigned senders
// cannot take the capacity Meta's signed deliveries need.
func (h *Handler) Receive(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.receive(sw, r)
	h.Metrics.ObserveWebhook(sw.status, time.Since(start))
}

func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	if !h.webhooks.enter() {
		httpapi.WriteError(w, http.StatusServiceUnavailable, "shutting down, retry later")
		return
	}
	defer h.webhooks.leave()

	body, err := readBody(r, whatsapp.MaxPayloadBytes, webhookReadTimeout)
	switch {
	case errors.Is(err, errReadTimeout):
		h.Metrics.Inc(metrics.Rejected, "slow_body")
		httpapi.WriteError(w, http.StatusRequestTimeout, "the body took too long to arrive")
		return
	case err != nil:
		httpapi.WriteError(w, http.StatusBadRequest, "could not read the body")
		return
	}
	if len(body) > whatsapp.MaxPayloadBytes {
		h.Metrics.Inc(metrics.Rejected, "too_large")
		httpapi.WriteError(w, http.StatusRequestEntityTooLarge, "payload too large")
		return
	}
	cfg := h.current()
	if cfg.AppSecret == "" {
		h.API.LogError("Refused a WhatsApp webhook: the app secret is not configured")
		httpapi.WriteError(w, http.StatusServiceUnavailable, "not configured")
		return
	}
	if !whatsapp.ValidSignature(body, r.Header.Get(whatsapp.SignatureHeader), cfg.AppSecret) {
		h.Metrics.Inc(metrics.Rejected, "signature")
		h.API.LogWarn("Refused a WhatsApp webhook with a missing or wrong signature", "remote_addr", r.RemoteAddr)
		httpapi.WriteError(w, http.StatusUnauthorized, "invalid signature")
		return
	}
	// Only a signed delivery gets this far: now it may take one of the processing slots.
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		h.Metrics.Inc(metrics.Rejected, "overloaded")
		httpapi.WriteError(w, http.StatusServiceUnavailable, "busy, retry later")
		return
	}
	if problem := cfg.Problem; problem != nil {
		httpapi.WriteError(w, http.StatusServiceUnavailable, problem.Error())
		return
	}
	payload, err := whatsapp.ParsePayload(body)
	if err != nil {
		h.Metrics.Inc(metrics.Rejected, "malformed")
		httpapi.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	failed := h.handlePayload(ctx, payload)
	switch {
	case failed == nil:
		// Meta reads only the status; a body would cost one more RPC round trip per delivery.
		w.WriteHeader(http.StatusOK)
	case errors.Is(failed, bridge.ErrBusy):
		httpapi.WriteError(w, http.StatusServiceUnavailable, "busy, retry later")
	default:
		httpapi.WriteError(w, http.StatusInternalServerError, "could not process every message; retry")
	}
}

// webhookReadTimeout bounds how long a webhook body may take to arrive; Meta sends it at once.
const webhookReadTimeout = 10 * time.Second

var errReadTimeout = errors.New("webhook body read timed out")

// readBody reads at most limit+1 bytes of the body (one more tells a too-large body), giving up
// after timeout: the body is closed so the reader returns, and the request answers at once.
func readBody(r *http.Request, limit int64, timeout time.Duration) ([]byte, error) {
	type result struct {
		body []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		done <- result{b, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case res := <-done:
		return res.body, res.err
	case <-timer.C:
		_ = r.Body.Close()
		return nil, errReadTimeout
	}
}

// inboundItem is one message of a payload with where it goes.
type inboundItem struct {
	route   bridge.Route
	contact whatsapp.Contact
	msg     *whatsapp.Message
}

// handlePayload processes every message and status of every entry and change. Messages go in
// WhatsApp's own order across the whole batch; a failed one does not hold back the others, and
// the first failure is returned so Meta redelivers (messages already done are skipped then).
func (h *Handler) handlePayload(ctx context.Context, payload *whatsapp.Payload) error {
	var items []inboundItem
	var statuses []whatsapp.Status
	var first error
	for _, entry := range payload.Entry {
		for ci := range entry.Changes {
			change := &entry.Changes[ci]
			if change.Field != "messages" {
				continue
			}
			v := &change.Value
			route, err := h.Routes.ForNumber(v.Metadata.PhoneNumberID)
			if errors.Is(err, routing.ErrUnknownNumber) {
				// A number we do not serve: log and acknowledge, or Meta would retry for a week.
				h.Metrics.Inc(metrics.Rejected, "unknown_number")
				h.API.LogWarn("Ignored a WhatsApp notification for a number no chat group serves", "phone_number_id", v.Metadata.PhoneNumberID)
				continue
			}
			if err != nil {
				if first == nil {
					first = err
				}
				continue
			}
			for i := range v.Messages {
				items = append(items, inboundItem{route: route, contact: contactFor(v.Contacts, v.Messages[i].From), msg: &v.Messages[i]})
			}
			statuses = append(statuses, v.Statuses...)
			for _, problem := range v.Problems {
				h.Metrics.Inc(metrics.Rejected, "undecodable_item")
				h.API.LogWarn("Left out an undecodable item of a WhatsApp notification", "problem", problem)
			}
			for _, e := range v.Errors {
				h.API.LogError("WhatsApp reported an error", "code", e.Code, "title", e.Title, "details", e.ErrorData.Details)
			}
		}
	}
	// WhatsApp's order, with a timestamp in the future counted as now (it cannot jump the queue).
	now := time.Now()
	at := func(i int) time.Time {
		if ts := whatsapp.ParseTimestamp(items[i].msg.Timestamp); ts.Before(now) {
			return ts
		}
		return now
	}
	sort.SliceStable(items, func(i, j int) bool { return at(i).Before(at(j)) })
	for _, it := range items {
		if err := h.Inbound.HandleMessage(ctx, it.route, it.contact, it.msg); err != nil {
			h.API.LogError("Could not process a WhatsApp message", "wamid", it.msg.ID, "error", err.Error())
			if first == nil {
				first = err
			}
		}
	}
	for _, st := range statuses {
		h.Metrics.Inc(metrics.Statuses, st.Status)
		if err := h.Statuses.HandleStatus(st); err != nil {
			h.API.LogError("Could not apply a WhatsApp status", "wamid", st.ID, "status", st.Status, "error", err.Error())
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// contactFor picks the contacts[] entry of a message's sender.
func contactFor(contacts []whatsapp.Contact, from string) whatsapp.Contact {
	for _, c := range contacts {
		if c.WaID == from {
			return c
		}
	}
	if len(contacts) == 1 {
		return contacts[0]
	}
	return whatsapp.Contact{WaID: from}
}

// statusWriter remembers the status a request was answered with, for the latency histogram.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
