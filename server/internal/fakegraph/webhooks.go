package fakegraph

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"time"

	"github.com/pkg/errors"
)

// Contact is the sender profile of an inbound webhook.
type Contact struct {
	Name   string // profile.name
	WaID   string // wa_id; may be empty for username-only users
	UserID string // business-scoped user id (BSUID), optional
}

// StatusError is an entry of a failed status's errors[].
type StatusError struct {
	Code    int
	Title   string
	Message string // defaults to Title
	Details string // error_data.details
}

// Sign returns the X-Hub-Signature-256 value of body: "sha256=" + hex HMAC-SHA256
// keyed with the app secret, as Meta computes it over the raw bytes.
func (s *Server) Sign(body []byte) string {
	mac := hmac.New(sha256.New, []byte(s.opts.AppSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Deliver POSTs a webhook body to url signed like Meta does. The caller
// closes the response body.
func (s *Server) Deliver(url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, errors.Wrap(err, "building webhook request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set("X-Hub-Signature-256", s.Sign(body))
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	return resp, errors.Wrap(err, "delivering webhook")
}

// envelope wraps a change value in the whatsapp_business_account payload.
func (s *Server) envelope(value map[string]any) []byte {
	value["messaging_product"] = "whatsapp"
	value["metadata"] = map[string]any{
		"display_phone_number": s.opts.DisplayPhoneNumber,
		"phone_number_id":      s.opts.PhoneNumberID,
	}
	return mustJSON(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id":      s.opts.WABAID,
			"changes": []any{map[string]any{"field": "messages", "value": value}},
		}},
	})
}

func mustJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // Meta sends "<", ">" and "&" literally
	if err := enc.Encode(v); err != nil {
		panic(err) // only maps of JSON values are encoded here
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// InboundText is a customer's text message. An empty wamid gets a fresh id,
// a zero ts is now.
func (s *Server) InboundText(from, name, wamid, body string, ts time.Time) []byte {
	return s.InboundMessage(Contact{Name: name, WaID: from}, map[string]any{
		"id":        wamid,
		"timestamp": unixString(ts),
		"type":      "text",
		"text":      map[string]any{"body": body},
	})
}

// InboundMessage is any inbound message: message holds "type" and the type's
// object (plus optional "context", "referral", "errors"…); "from", "id" and
// "timestamp" are filled in when absent or empty.
func (s *Server) InboundMessage(contact Contact, message map[string]any) []byte {
	m := maps.Clone(message)
	if v, _ := m["from"].(string); v == "" {
		m["from"] = contact.WaID
	}
	if v, _ := m["id"].(string); v == "" {
		m["id"] = NewWAMID()
	}
	if v, _ := m["timestamp"].(string); v == "" {
		m["timestamp"] = unixString(time.Time{})
	}
	c := map[string]any{"profile": map[string]any{"name": contact.Name}, "wa_id": contact.WaID}
	if contact.UserID != "" {
		c["user_id"] = contact.UserID
	}
	return s.envelope(map[string]any{"contacts": []any{c}, "messages": []any{m}})
}

// InboundMedia is a customer's image, video, audio, document or sticker
// referencing mediaID. The mime_type and base64 sha256 are taken from media
// seeded with AddMedia (or uploaded) when known.
func (s *Server) InboundMedia(contact Contact, kind, mediaID, caption, filename string) []byte {
	obj := map[string]any{"id": mediaID}
	if m, ok := s.lookupMedia(mediaID); ok {
		obj["mime_type"] = m.mimeType
		obj["sha256"] = MediaSHA256Base64(m.data)
	}
	if caption != "" {
		obj["caption"] = caption
	}
	if filename != "" {
		obj["filename"] = filename
	}
	return s.InboundMessage(contact, map[string]any{"type": kind, kind: obj})
}

// StatusUpdate is a status webhook for a message the business sent. errs
// are attached (for "failed"); sent/delivered/read carry PMP pricing.
func (s *Server) StatusUpdate(wamid, status, recipient string, ts time.Time, bizOpaque string, errs ...StatusError) []byte {
	st := map[string]any{
		"id":           wamid,
		"status":       status,
		"timestamp":    unixString(ts),
		"recipient_id": recipient,
	}
	if bizOpaque != "" {
		st["biz_opaque_callback_data"] = bizOpaque
	}
	if status != "failed" {
		st["pricing"] = map[string]any{
			"billable": false, "pricing_model": "PMP",
			"type": "free_customer_service", "category": "service",
		}
	}
	if len(errs) > 0 {
		list := make([]any, 0, len(errs))
		for _, e := range errs {
			msg := e.Message
			if msg == "" {
				msg = e.Title
			}
			list = append(list, map[string]any{
				"code":       e.Code,
				"title":      e.Title,
				"message":    msg,
				"error_data": map[string]any{"details": e.Details},
				"href":       "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
			})
		}
		st["errors"] = list
	}
	return s.envelope(map[string]any{"statuses": []any{st}})
}

// Batch merges payloads into one, with all their entries, as Meta may batch.
func Batch(payloads ...[]byte) []byte {
	var entries []any
	for _, p := range payloads {
		var env struct {
			Entry []any `json:"entry"`
		}
		if err := json.Unmarshal(p, &env); err != nil {
			panic(errors.Wrap(err, "fakegraph.Batch: not a webhook payload"))
		}
		entries = append(entries, env.Entry...)
	}
	return mustJSON(map[string]any{"object": "whatsapp_business_account", "entry": entries})
}
