package fakegraph

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// apiError is a validation failure answered as a Graph error.
type apiError struct {
	status int
	graphErr
}

func invalidParam(format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	return &apiError{http.StatusBadRequest, graphErr{Code: 100, Message: "(#100) " + msg, Details: msg}}
}

func missingParam(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, graphErr{Code: 131008, Message: "(#131008) Required parameter is missing",
		Details: fmt.Sprintf(format, args...)}}
}

func (e *apiError) write(w http.ResponseWriter) { writeGraphError(w, e.status, e.graphErr) }

// unsupportedObject is Graph's answer for an id that is not ours.
func unsupportedObject(method, id string) *apiError {
	return &apiError{http.StatusBadRequest, graphErr{Code: 100, Subcode: 33, Type: "GraphMethodException",
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", method, id)}}
}

func methodNotAllowed(r *http.Request) *apiError {
	return &apiError{http.StatusBadRequest, graphErr{Code: 100, Type: "GraphMethodException",
		Message: fmt.Sprintf("Unsupported %s request.", strings.ToLower(r.Method))}}
}

var mediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "document": true, "sticker": true}

// knownTypes are accepted without deep validation: the client under test
// does not send them, but a real server would not refuse them.
var knownTypes = map[string]bool{"interactive": true, "location": true, "contacts": true}

func (s *Server) serveMessages(w http.ResponseWriter, r *http.Request, phoneID string) {
	if r.Method != http.MethodPost {
		methodNotAllowed(r).write(w)
		return
	}
	if phoneID != s.opts.PhoneNumberID {
		unsupportedObject("post", phoneID).write(w)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	var msg map[string]any
	if err := json.Unmarshal(raw, &msg); err != nil {
		invalidParam("Invalid JSON for postbody").write(w)
		return
	}
	if msg["messaging_product"] != "whatsapp" {
		invalidParam("The parameter messaging_product is required and must be whatsapp.").write(w)
		return
	}
	if msg["status"] == "read" {
		s.markRead(w, msg)
		return
	}
	sent, apiErr := s.validateSend(msg)
	if apiErr != nil {
		apiErr.write(w)
		return
	}

	s.mu.Lock()
	waID, ok := s.recipients[strings.TrimPrefix(sent.To, "+")]
	if !ok {
		waID = strings.TrimPrefix(sent.To, "+")
	}
	sent.WAMID = NewWAMID()
	sent.At = time.Now()
	s.sent = append(s.sent, sent)
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []any{map[string]any{"input": sent.To, "wa_id": waID}},
		"messages":          []any{map[string]any{"id": sent.WAMID, "message_status": "accepted"}},
	})
}

func (s *Server) markRead(w http.ResponseWriter, msg map[string]any) {
	id, _ := msg["message_id"].(string)
	if id == "" {
		missingParam("The parameter message_id is required.").write(w)
		return
	}
	if !strings.HasPrefix(id, "wamid.") {
		(&apiError{http.StatusBadRequest, graphErr{Code: 131009, Message: "(#131009) Parameter value is not valid",
			Details: "Invalid message_id " + id}}).write(w)
		return
	}
	s.mu.Lock()
	s.reads = append(s.reads, id)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
}

// validateSend checks a send body the way the API does and extracts what
// tests assert on.
func (s *Server) validateSend(msg map[string]any) (SentMessage, *apiError) {
	sent := SentMessage{Raw: msg}
	sent.To, _ = msg["to"].(string)
	if strings.TrimSpace(sent.To) == "" {
		return sent, invalidParam("The parameter to is required.")
	}
	if rt, ok := msg["recipient_type"]; ok && rt != "individual" {
		return sent, invalidParam("Param recipient_type must be individual.")
	}
	sent.Type, _ = msg["type"].(string)
	if sent.Type == "" {
		return sent, invalidParam("The parameter type is required.")
	}
	obj, _ := msg[sent.Type].(map[string]any)
	if obj == nil && (sent.Type == "text" || mediaTypes[sent.Type] || sent.Type == "reaction" || sent.Type == "template" || knownTypes[sent.Type]) {
		return sent, missingParam("type %s requires a %s object", sent.Type, sent.Type)
	}
	if ctx, ok := msg["context"]; ok {
		c, _ := ctx.(map[string]any)
		id, _ := c["message_id"].(string)
		if id == "" {
			return sent, invalidParam("Param context['message_id'] is required.")
		}
		sent.ContextID = id
	}
	if v, ok := msg["biz_opaque_callback_data"]; ok {
		sent.BizOpaque, _ = v.(string)
		if utf8.RuneCountInString(sent.BizOpaque) > 512 {
			return sent, invalidParam("Param biz_opaque_callback_data must be at most 512 characters long.")
		}
	}

	switch {
	case sent.Type == "text":
		body, _ := obj["body"].(string)
		if strings.TrimSpace(body) == "" {
			return sent, missingParam("The parameter text['body'] is required.")
		}
		if utf8.RuneCountInString(body) > 4096 {
			return sent, invalidParam("Param text['body'] must be at most 4096 characters long.")
		}
		sent.Text = body
	case mediaTypes[sent.Type]:
		id, _ := obj["id"].(string)
		link, _ := obj["link"].(string)
		if (id == "") == (link == "") {
			return sent, invalidParam("Param %s must have exactly one of id or link.", sent.Type)
		}
		sent.MediaID = id
		sent.Caption, _ = obj["caption"].(string)
		sent.Filename, _ = obj["filename"].(string)
		if _, ok := obj["caption"]; ok && (sent.Type == "audio" || sent.Type == "sticker") {
			return sent, invalidParam("Param %s['caption'] is not allowed.", sent.Type)
		}
		if _, ok := obj["filename"]; ok && sent.Type != "document" {
			return sent, invalidParam("Param %s['filename'] is not allowed.", sent.Type)
		}
		if utf8.RuneCountInString(sent.Caption) > 1024 {
			return sent, invalidParam("Param %s['caption'] must be at most 1024 characters long.", sent.Type)
		}
	case sent.Type == "reaction":
		id, _ := obj["message_id"].(string)
		if id == "" {
			return sent, missingParam("The parameter reaction['message_id'] is required.")
		}
		emoji, ok := obj["emoji"].(string)
		if !ok {
			return sent, missingParam("The parameter reaction['emoji'] is required.")
		}
		sent.Text = emoji
	case sent.Type == "template":
		sent.TemplateName, _ = obj["name"].(string)
		if apiErr := s.validateTemplateSend(obj); apiErr != nil {
			return sent, apiErr
		}
	case knownTypes[sent.Type]:
	default:
		return sent, invalidParam("Param type must be one of {text, image, video, audio, document, sticker, reaction, template, interactive, location, contacts}.")
	}
	return sent, nil
}
