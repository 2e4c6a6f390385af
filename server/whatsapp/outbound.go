package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// OutType is the type of an outbound message.
type OutType string

// Outbound message types.
const (
	OutTypeText     OutType = "text"
	OutTypeImage    OutType = "image"
	OutTypeVideo    OutType = "video"
	OutTypeAudio    OutType = "audio"
	OutTypeDocument OutType = "document"
	OutTypeSticker  OutType = "sticker"
	OutTypeReaction OutType = "reaction"
	OutTypeTemplate OutType = "template"
)

// Limits of the send API (§3).
const (
	MaxTextLength    = 4096
	MaxCaptionLength = 1024
)

// ErrInvalidMessage is wrapped by every validation failure of an OutMessage,
// reported before anything is sent.
var ErrInvalidMessage = errors.New("invalid WhatsApp message")

// OutMessage is a message to send. Exactly the part matching Type is used.
type OutMessage struct {
	To   string // recipient wa_id (digits, '+' allowed)
	Type OutType

	Text     *OutText
	Media    *OutMedia // image, video, audio, document, sticker
	Reaction *OutReaction
	Template *OutTemplate
	// Interactive is a reply-button message (interactive.go).
	Interactive *OutInteractive

	ReplyTo   string // context.message_id: the wamid quoted by this message
	BizOpaque string // biz_opaque_callback_data, echoed in status webhooks
}

// OutText is the body of a text message.
type OutText struct {
	Body       string
	PreviewURL bool
}

// OutMedia references media by uploaded id (preferred) or public HTTPS link.
type OutMedia struct {
	ID       string
	Link     string
	Caption  string // not allowed on audio and sticker
	Filename string // document only
}

// OutReaction reacts to a customer's message; an empty Emoji removes the reaction.
type OutReaction struct {
	MessageID string
	Emoji     string
}

// OutTemplate is an HSM send: the template's name and language plus one
// component per parameterised part. BuildTemplateMessage fills it from a
// fetched Template.
type OutTemplate struct {
	Name       string
	Language   string // e.g. pt_BR
	Components []OutComponent
}

// OutComponent carries the parameters of one template part.
type OutComponent struct {
	Type       string // "header", "body" or "button"
	SubType    string // buttons: "quick_reply", "url", "copy_code"
	Index      int    // buttons: 0-based position among the template's buttons
	Parameters []OutParam
}

// OutParam is one template parameter. Type selects the field used:
// text (Text), image/video/document (MediaID or MediaLink, Filename for
// documents), payload (Payload), coupon_code (CouponCode), currency, date_time.
type OutParam struct {
	Type      string
	Name      string // parameter_name, for NAMED templates
	Text      string
	MediaID   string
	MediaLink string
	Filename  string
	Payload   string

	CouponCode string
	Currency   *OutCurrency
	DateTime   string // date_time fallback_value
}

// OutCurrency is a currency template parameter.
type OutCurrency struct {
	FallbackValue string
	Code          string // ISO 4217
	Amount1000    int64  // amount × 1000
}

// ParamText and the constructors below build template parameters.
func ParamText(s string) OutParam { return OutParam{Type: "text", Text: s} }

// ParamNamedText is a template parameter.
func ParamNamedText(name, s string) OutParam { return OutParam{Type: "text", Name: name, Text: s} }

// ParamImage is a template parameter.
func ParamImage(mediaID string) OutParam { return OutParam{Type: "image", MediaID: mediaID} }

// ParamVideo is a template parameter.
func ParamVideo(mediaID string) OutParam { return OutParam{Type: "video", MediaID: mediaID} }

// ParamPayload is a template parameter.
func ParamPayload(payload string) OutParam { return OutParam{Type: "payload", Payload: payload} }

// ParamCouponCode is a template parameter.
func ParamCouponCode(code string) OutParam { return OutParam{Type: "coupon_code", CouponCode: code} }

// ParamDocument is a template parameter.
func ParamDocument(mediaID, filename string) OutParam {
	return OutParam{Type: "document", MediaID: mediaID, Filename: filename}
}

// NewOutText builds a text message.
func NewOutText(to, body string) OutMessage {
	return OutMessage{To: to, Type: OutTypeText, Text: &OutText{Body: body}}
}

// NewOutMedia builds a media message from an uploaded media id.
func NewOutMedia(to string, kind OutType, mediaID, caption, filename string) OutMessage {
	return OutMessage{To: to, Type: kind, Media: &OutMedia{ID: mediaID, Caption: caption, Filename: filename}}
}

// NewOutReaction builds a reaction to the customer's message wamid.
func NewOutReaction(to, wamid, emoji string) OutMessage {
	return OutMessage{To: to, Type: OutTypeReaction, Reaction: &OutReaction{MessageID: wamid, Emoji: emoji}}
}

// SendResult is the API's answer to an accepted send. Acceptance is not
// delivery: failures such as 131047 arrive later as a "failed" status.
type SendResult struct {
	MessageID     string // wamid, the key of later status webhooks
	WaID          string // canonical recipient id (tells whether Brazil's ninth digit is present)
	MessageStatus string // "accepted" or "held_for_quality_assessment"
}

// IsMediaType reports whether t is sent with a media object.
func (t OutType) IsMediaType() bool {
	switch t {
	case OutTypeImage, OutTypeVideo, OutTypeAudio, OutTypeDocument, OutTypeSticker:
		return true
	}
	return false
}

func invalid(format string, args ...any) error {
	return errors.Wrapf(ErrInvalidMessage, format, args...)
}

// Validate checks m against the send API's rules so that a mistake is
// reported to the agent instead of costing a request.
func (m OutMessage) Validate() error {
	if strings.TrimSpace(m.To) == "" {
		return invalid("recipient is empty")
	}
	set := 0
	for _, present := range []bool{m.Text != nil, m.Media != nil, m.Reaction != nil, m.Template != nil, m.Interactive != nil} {
		if present {
			set++
		}
	}
	if set > 1 {
		return invalid("%s message carries more than one content part", m.Type)
	}
	switch {
	case m.Type == OutTypeText:
		if m.Text == nil || strings.TrimSpace(m.Text.Body) == "" {
			return invalid("text message without body")
		}
		if n := utf8.RuneCountInString(m.Text.Body); n > MaxTextLength {
			return invalid("text is %d characters, WhatsApp allows %d", n, MaxTextLength)
		}
	case m.Type.IsMediaType():
		return m.validateMedia()
	case m.Type == OutTypeReaction:
		if m.Reaction == nil || m.Reaction.MessageID == "" {
			return invalid("reaction without the message id it reacts to")
		}
	case m.Type == OutTypeTemplate:
		return m.validateTemplate()
	case m.Type == OutTypeInteractive:
		return m.validateInteractive()
	case m.Type == "":
		return invalid("message type is empty")
	default:
		return invalid("unsupported message type %q", m.Type)
	}
	return nil
}

func (m OutMessage) validateMedia() error {
	md := m.Media
	if md == nil {
		return invalid("%s message without media", m.Type)
	}
	if (md.ID == "") == (md.Link == "") {
		return invalid("%s message needs exactly one of media id or link", m.Type)
	}
	if md.Link != "" && !strings.HasPrefix(strings.ToLower(md.Link), "https://") {
		return invalid("%s link must be a public https URL", m.Type)
	}
	if md.Caption != "" {
		if m.Type == OutTypeAudio || m.Type == OutTypeSticker {
			return invalid("%s messages cannot have a caption", m.Type)
		}
		if n := utf8.RuneCountInString(md.Caption); n > MaxCaptionLength {
			return invalid("caption is %d characters, WhatsApp allows %d", n, MaxCaptionLength)
		}
	}
	if md.Filename != "" && m.Type != OutTypeDocument {
		return invalid("only documents carry a filename, not %s", m.Type)
	}
	return nil
}

func (m OutMessage) validateTemplate() error {
	t := m.Template
	if t == nil || t.Name == "" {
		return invalid("template message without template name")
	}
	if t.Language == "" {
		return invalid("template %q without language code", t.Name)
	}
	for _, c := range t.Components {
		switch c.Type {
		case "header", "body":
		case "button":
			if c.SubType == "" || c.Index < 0 {
				return invalid("template %q: button component needs sub_type and index", t.Name)
			}
		default:
			return invalid("template %q: unknown component type %q", t.Name, c.Type)
		}
		for _, p := range c.Parameters {
			if err := p.validate(); err != nil {
				return errors.Wrapf(err, "template %q %s", t.Name, c.Type)
			}
		}
	}
	return nil
}

func (p OutParam) validate() error {
	switch p.Type {
	case "text":
		if p.Text == "" {
			return invalid("text parameter is empty")
		}
	case "image", "video", "document":
		if (p.MediaID == "") == (p.MediaLink == "") {
			return invalid("%s parameter needs exactly one of media id or link", p.Type)
		}
	case "payload":
		if p.Payload == "" {
			return invalid("quick reply payload is empty")
		}
	case "coupon_code":
		if p.CouponCode == "" {
			return invalid("coupon code is empty")
		}
	case "currency":
		if p.Currency == nil || p.Currency.Code == "" || p.Currency.FallbackValue == "" {
			return invalid("currency parameter needs code and fallback value")
		}
	case "date_time":
		if p.DateTime == "" {
			return invalid("date_time parameter needs a fallback value")
		}
	default:
		return invalid("unsupported parameter type %q", p.Type)
	}
	return nil
}

// Wire format (§3). Field order follows Meta's examples.
type wireMessage struct {
	MessagingProduct string           `json:"messaging_product"`
	RecipientType    string           `json:"recipient_type"`
	To               string           `json:"to"`
	Type             OutType          `json:"type"`
	Context          *wireContext     `json:"context,omitempty"`
	BizOpaque        string           `json:"biz_opaque_callback_data,omitempty"`
	Text             *wireText        `json:"text,omitempty"`
	Image            *wireMedia       `json:"image,omitempty"`
	Video            *wireMedia       `json:"video,omitempty"`
	Audio            *wireMedia       `json:"audio,omitempty"`
	Document         *wireMedia       `json:"document,omitempty"`
	Sticker          *wireMedia       `json:"sticker,omitempty"`
	Reaction         *wireReaction    `json:"reaction,omitempty"`
	Template         *wireTemplate    `json:"template,omitempty"`
	Interactive      *wireInteractive `json:"interactive,omitempty"`
}

type wireContext struct {
	MessageID string `json:"message_id"`
}

type wireText struct {
	PreviewURL bool   `json:"preview_url,omitempty"`
	Body       string `json:"body"`
}

type wireMedia struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

type wireReaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"` // "" removes the reaction, so never omitted
}

type wireTemplate struct {
	Name       string          `json:"name"`
	Language   wireLanguage    `json:"language"`
	Components []wireComponent `json:"components,omitempty"`
}

type wireLanguage struct {
	Code string `json:"code"`
}

type wireComponent struct {
	Type       string      `json:"type"`
	SubType    string      `json:"sub_type,omitempty"`
	Index      string      `json:"index,omitempty"`
	Parameters []wireParam `json:"parameters"`
}

type wireParam struct {
	Type          string        `json:"type"`
	ParameterName string        `json:"parameter_name,omitempty"`
	Text          *string       `json:"text,omitempty"`
	Payload       *string       `json:"payload,omitempty"`
	CouponCode    *string       `json:"coupon_code,omitempty"`
	Image         *wireMedia    `json:"image,omitempty"`
	Video         *wireMedia    `json:"video,omitempty"`
	Document      *wireMedia    `json:"document,omitempty"`
	Currency      *wireCurrency `json:"currency,omitempty"`
	DateTime      *wireDateTime `json:"date_time,omitempty"`
}

type wireCurrency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`
	Amount1000    int64  `json:"amount_1000"`
}

type wireDateTime struct {
	FallbackValue string `json:"fallback_value"`
}

// WireJSON validates m and returns the exact request body of the send API.
func (m OutMessage) WireJSON() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	w := wireMessage{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               strings.TrimSpace(m.To),
		Type:             m.Type,
		BizOpaque:        m.BizOpaque,
	}
	if m.ReplyTo != "" {
		w.Context = &wireContext{MessageID: m.ReplyTo}
	}
	switch m.Type {
	case OutTypeText:
		w.Text = &wireText{PreviewURL: m.Text.PreviewURL, Body: m.Text.Body}
	case OutTypeImage:
		w.Image = wireMediaOf(m.Media)
	case OutTypeVideo:
		w.Video = wireMediaOf(m.Media)
	case OutTypeAudio:
		w.Audio = wireMediaOf(m.Media)
	case OutTypeDocument:
		w.Document = wireMediaOf(m.Media)
	case OutTypeSticker:
		w.Sticker = wireMediaOf(m.Media)
	case OutTypeReaction:
		w.Reaction = &wireReaction{MessageID: m.Reaction.MessageID, Emoji: m.Reaction.Emoji}
	case OutTypeTemplate:
		w.Template = wireTemplateOf(m.Template)
	case OutTypeInteractive:
		w.Interactive = wireInteractiveOf(m.Interactive)
	}
	return marshalJSON(w)
}

func wireMediaOf(m *OutMedia) *wireMedia {
	return &wireMedia{ID: m.ID, Link: m.Link, Caption: m.Caption, Filename: m.Filename}
}

func wireTemplateOf(t *OutTemplate) *wireTemplate {
	wt := &wireTemplate{Name: t.Name, Language: wireLanguage{Code: t.Language}}
	for _, c := range t.Components {
		wc := wireComponent{Type: c.Type, Parameters: make([]wireParam, 0, len(c.Parameters))}
		if c.Type == "button" {
			wc.SubType = c.SubType
			wc.Index = strconv.Itoa(c.Index)
		}
		for _, p := range c.Parameters {
			wc.Parameters = append(wc.Parameters, wireParamOf(p))
		}
		wt.Components = append(wt.Components, wc)
	}
	return wt
}

func wireParamOf(p OutParam) wireParam {
	wp := wireParam{Type: p.Type, ParameterName: p.Name}
	media := &wireMedia{ID: p.MediaID, Link: p.MediaLink}
	switch p.Type {
	case "text":
		wp.Text = &p.Text
	case "payload":
		wp.Payload = &p.Payload
	case "coupon_code":
		wp.CouponCode = &p.CouponCode
	case "image":
		wp.Image = media
	case "video":
		wp.Video = media
	case "document":
		media.Filename = p.Filename
		wp.Document = media
	case "currency":
		wp.Currency = &wireCurrency{FallbackValue: p.Currency.FallbackValue, Code: p.Currency.Code, Amount1000: p.Currency.Amount1000}
	case "date_time":
		wp.DateTime = &wireDateTime{FallbackValue: p.DateTime}
	}
	return wp
}

// marshalJSON encodes without HTML escaping: "<", ">" and "&" reach the
// customer as typed and the body stays readable in logs.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, errors.Wrap(err, "failed to encode request")
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

type sendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

// Send posts m to /{phone-number-id}/messages. Retryable failures are retried
// (see ClientConfig); validation errors wrap ErrInvalidMessage and API errors
// are *GraphError. An accepted message is never sent twice by the client.
func (c *Client) Send(ctx context.Context, m OutMessage) (SendResult, error) {
	if err := c.ready("phone"); err != nil {
		return SendResult{}, err
	}
	body, err := m.WireJSON()
	if err != nil {
		return SendResult{}, err
	}
	resp, err := c.do(ctx, apiRequest{
		method:      http.MethodPost,
		url:         c.endpoint(c.cfg.PhoneNumberID, "messages"),
		body:        body,
		contentType: "application/json",
		paced:       true,
	})
	if err != nil {
		return SendResult{}, errors.Wrapf(err, "failed to send WhatsApp %s message", m.Type)
	}
	var sr sendResponse
	if err := json.Unmarshal(resp.body, &sr); err != nil {
		return SendResult{}, errors.Wrapf(ErrUnknownOutcome, "send response unreadable: %v", err)
	}
	if len(sr.Messages) == 0 || sr.Messages[0].ID == "" {
		return SendResult{}, errors.Wrap(ErrUnknownOutcome, "no message id in the send response")
	}
	res := SendResult{MessageID: sr.Messages[0].ID, MessageStatus: sr.Messages[0].MessageStatus}
	if len(sr.Contacts) > 0 {
		res.WaID = sr.Contacts[0].WaID
	}
	return res, nil
}

// MarkRead marks the customer's message wamid (and earlier ones) as read.
func (c *Client) MarkRead(ctx context.Context, wamid string) error {
	return c.markRead(ctx, wamid, false)
}

// MarkReadTyping marks wamid as read and shows a typing indicator to the
// customer until the next reply or about 25 seconds.
func (c *Client) MarkReadTyping(ctx context.Context, wamid string) error {
	return c.markRead(ctx, wamid, true)
}

func (c *Client) markRead(ctx context.Context, wamid string, typing bool) error {
	if err := c.ready("phone"); err != nil {
		return err
	}
	if wamid == "" {
		return invalid("mark-read without message id")
	}
	type typingIndicator struct {
		Type string `json:"type"`
	}
	payload := struct {
		MessagingProduct string           `json:"messaging_product"`
		Status           string           `json:"status"`
		MessageID        string           `json:"message_id"`
		Typing           *typingIndicator `json:"typing_indicator,omitempty"`
	}{MessagingProduct: "whatsapp", Status: "read", MessageID: wamid}
	if typing {
		payload.Typing = &typingIndicator{Type: "text"}
	}
	body, err := marshalJSON(payload)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, apiRequest{
		method:      http.MethodPost,
		url:         c.endpoint(c.cfg.PhoneNumberID, "messages"),
		body:        body,
		contentType: "application/json",
		paced:       true,
		idempotent:  true, // marking read twice is harmless
	})
	if err != nil {
		return errors.Wrap(err, "failed to mark WhatsApp message as read")
	}
	var r struct {
		Success bool `json:"success"`
	}
	if err := json.Unmarshal(resp.body, &r); err != nil || !r.Success {
		return errors.Errorf("mark-read not confirmed by the API: %s", truncate(string(resp.body), 200))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
