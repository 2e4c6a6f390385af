package main

import (
	"context"
	"crypto/subtle"
	"io"
	"net/http"
	"sort"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/metrics"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// handleWebhookVerify answers Meta's subscription handshake.
func (p *Plugin) handleWebhookVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := p.getConfiguration().WebhookVerifyToken
	got := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		writeError(w, http.StatusForbidden, "verification failed")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// handleWebhook receives Meta's notifications. It answers 200 only once every message in the body
// is durably in Mattermost (or known as a duplicate), so a failure or overload (5xx) makes Meta
// deliver the payload again and nothing is lost.
func (p *Plugin) handleWebhook(w http.ResponseWriter, r *http.Request) {
	select {
	case p.webhookSlots <- struct{}{}:
		defer func() { <-p.webhookSlots }()
	default:
		p.stats.Inc(metrics.Rejected, "overloaded")
		writeError(w, http.StatusServiceUnavailable, "busy, retry later")
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, whatsapp.MaxPayloadBytes+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "could not read the body")
		return
	}
	if len(body) > whatsapp.MaxPayloadBytes {
		p.stats.Inc(metrics.Rejected, "too_large")
		writeError(w, http.StatusRequestEntityTooLarge, "payload too large")
		return
	}
	cfg := p.getConfiguration()
	if cfg.AppSecret == "" {
		p.API.LogError("Refused a WhatsApp webhook: the app secret is not configured")
		writeError(w, http.StatusServiceUnavailable, "not configured")
		return
	}
	if !whatsapp.ValidSignature(body, r.Header.Get(whatsapp.SignatureHeader), cfg.AppSecret) {
		p.stats.Inc(metrics.Rejected, "signature")
		p.API.LogWarn("Refused a WhatsApp webhook with a missing or wrong signature", "remote_addr", r.RemoteAddr)
		writeError(w, http.StatusUnauthorized, "invalid signature")
		return
	}
	if problem := p.configProblem(); problem != nil {
		writeError(w, http.StatusServiceUnavailable, problem.Error())
		return
	}
	payload, err := whatsapp.ParsePayload(body)
	if err != nil {
		p.stats.Inc(metrics.Rejected, "malformed")
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}

	ctx, cancel := webhookContext(r)
	defer cancel()
	var failed error
	for _, entry := range payload.Entry {
		for _, change := range entry.Changes {
			if change.Field != "messages" {
				continue
			}
			if err := p.handleChange(ctx, &change.Value); err != nil {
				failed = err
			}
		}
	}
	switch {
	case failed == nil:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case errors.Is(failed, bridge.ErrBusy):
		writeError(w, http.StatusServiceUnavailable, "busy, retry later")
	default:
		writeError(w, http.StatusInternalServerError, "could not process every message; retry")
	}
}

// handleChange processes every message of one change, continuing past a failed one so the others
// are not held back; the first failure is reported so Meta redelivers (done ones are skipped then).
func (p *Plugin) handleChange(ctx context.Context, v *whatsapp.Value) error {
	route, err := p.routeFor(v.Metadata.PhoneNumberID)
	if errors.Is(err, errUnknownNumber) {
		// A number we do not serve: log and acknowledge, or Meta would retry for a week.
		p.stats.Inc(metrics.Rejected, "unknown_number")
		p.API.LogWarn("Ignored a WhatsApp notification for a number no chat group serves", "phone_number_id", v.Metadata.PhoneNumberID)
		return nil
	}
	if err != nil {
		return err
	}
	// A batch is handled in WhatsApp's own order, whatever order it was written in.
	sort.SliceStable(v.Messages, func(i, j int) bool {
		return whatsapp.ParseTimestamp(v.Messages[i].Timestamp).Before(whatsapp.ParseTimestamp(v.Messages[j].Timestamp))
	})
	var first error
	for i := range v.Messages {
		msg := &v.Messages[i]
		if err := p.inbound.HandleMessage(ctx, route, contactFor(v.Contacts, msg.From), msg); err != nil {
			p.API.LogError("Could not process a WhatsApp message", "wamid", msg.ID, "error", err.Error())
			if first == nil {
				first = err
			}
		}
	}
	for _, st := range v.Statuses {
		p.stats.Inc(metrics.Statuses, st.Status)
		if err := p.outbound.HandleStatus(st); err != nil {
			p.API.LogError("Could not apply a WhatsApp status", "wamid", st.ID, "status", st.Status, "error", err.Error())
			if first == nil {
				first = err
			}
		}
	}
	for _, e := range v.Errors {
		p.API.LogError("WhatsApp reported an error", "code", e.Code, "title", e.Title, "details", e.ErrorData.Details)
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
