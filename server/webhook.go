package main

import (
	"context"
	"crypto/subtle"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/metrics"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// handleWebhookVerify answers Meta's subscription handshake.
func (p *Plugin) handleWebhookVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := p.getConfiguration().WebhookVerifyToken
	got := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		httpapi.WriteError(w, http.StatusForbidden, "verification failed")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// handleWebhook receives Meta's notifications. It answers 200 only once every message in the body
// is durably in Mattermost (or known as a duplicate), so a failure or overload (5xx) makes Meta
// deliver the payload again and nothing is lost. The capped body is read under a deadline and its
// signature checked before the request may hold a processing slot: slow or unsigned senders
// cannot take the capacity Meta's signed deliveries need.
func (p *Plugin) handleWebhook(w http.ResponseWriter, r *http.Request) {
	if !p.webhooks.enter() {
		httpapi.WriteError(w, http.StatusServiceUnavailable, "shutting down, retry later")
		return
	}
	defer p.webhooks.leave()

	body, err := readBody(r, whatsapp.MaxPayloadBytes, webhookReadTimeout)
	switch {
	case errors.Is(err, errReadTimeout):
		p.stats.Inc(metrics.Rejected, "slow_body")
		httpapi.WriteError(w, http.StatusRequestTimeout, "the body took too long to arrive")
		return
	case err != nil:
		httpapi.WriteError(w, http.StatusBadRequest, "could not read the body")
		return
	}
	if len(body) > whatsapp.MaxPayloadBytes {
		p.stats.Inc(metrics.Rejected, "too_large")
		httpapi.WriteError(w, http.StatusRequestEntityTooLarge, "payload too large")
		return
	}
	cfg := p.getConfiguration()
	if cfg.AppSecret == "" {
		p.API.LogError("Refused a WhatsApp webhook: the app secret is not configured")
		httpapi.WriteError(w, http.StatusServiceUnavailable, "not configured")
		return
	}
	if !whatsapp.ValidSignature(body, r.Header.Get(whatsapp.SignatureHeader), cfg.AppSecret) {
		p.stats.Inc(metrics.Rejected, "signature")
		p.API.LogWarn("Refused a WhatsApp webhook with a missing or wrong signature", "remote_addr", r.RemoteAddr)
		httpapi.WriteError(w, http.StatusUnauthorized, "invalid signature")
		return
	}
	// Only a signed delivery gets this far: now it may take one of the processing slots.
	select {
	case p.webhookSlots <- struct{}{}:
		defer func() { <-p.webhookSlots }()
	default:
		p.stats.Inc(metrics.Rejected, "overloaded")
		httpapi.WriteError(w, http.StatusServiceUnavailable, "busy, retry later")
		return
	}
	if problem := p.configProblem(); problem != nil {
		httpapi.WriteError(w, http.StatusServiceUnavailable, problem.Error())
		return
	}
	payload, err := whatsapp.ParsePayload(body)
	if err != nil {
		p.stats.Inc(metrics.Rejected, "malformed")
		httpapi.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}

	ctx, cancel := webhookContext(r)
	defer cancel()
	failed := p.handlePayload(ctx, payload)
	switch {
	case failed == nil:
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
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
func (p *Plugin) handlePayload(ctx context.Context, payload *whatsapp.Payload) error {
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
			route, err := p.routeFor(v.Metadata.PhoneNumberID)
			if errors.Is(err, errUnknownNumber) {
				// A number we do not serve: log and acknowledge, or Meta would retry for a week.
				p.stats.Inc(metrics.Rejected, "unknown_number")
				p.API.LogWarn("Ignored a WhatsApp notification for a number no chat group serves", "phone_number_id", v.Metadata.PhoneNumberID)
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
				p.stats.Inc(metrics.Rejected, "undecodable_item")
				p.API.LogWarn("Left out an undecodable item of a WhatsApp notification", "problem", problem)
			}
			for _, e := range v.Errors {
				p.API.LogError("WhatsApp reported an error", "code", e.Code, "title", e.Title, "details", e.ErrorData.Details)
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
		if err := p.inbound.HandleMessage(ctx, it.route, it.contact, it.msg); err != nil {
			p.API.LogError("Could not process a WhatsApp message", "wamid", it.msg.ID, "error", err.Error())
			if first == nil {
				first = err
			}
		}
	}
	for _, st := range statuses {
		p.stats.Inc(metrics.Statuses, st.Status)
		if err := p.outbound.HandleStatus(st); err != nil {
			p.API.LogError("Could not apply a WhatsApp status", "wamid", st.ID, "status", st.Status, "error", err.Error())
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
