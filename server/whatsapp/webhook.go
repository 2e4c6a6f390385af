package whatsapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/pkg/errors"
)

// Payload is the envelope of every webhook POST (CLOUD_API.md §2). Arrays exist at every level
// and all of them are iterated: Meta may batch.
type Payload struct {
	Object string  `json:"object"`
	Entry  []Entry `json:"entry"`
}

// Entry is one WhatsApp Business Account's part of a webhook.
type Entry struct {
	ID      string   `json:"id"`
	Changes []Change `json:"changes"`
}

// Change is one field's change in an entry (the plugin subscribes to messages).
type Change struct {
	Field string `json:"field"`
	Value Value  `json:"value"`
}

// Value is one change of a webhook: the business number, contacts, messages and statuses.
type Value struct {
	MessagingProduct string    `json:"messaging_product"`
	Metadata         Metadata  `json:"metadata"`
	Contacts         []Contact `json:"contacts,omitempty"`
	Messages         []Message `json:"messages,omitempty"`
	Statuses         []Status  `json:"statuses,omitempty"`
	Errors           []Error   `json:"errors,omitempty"`
	// Problems names the items that could not be decoded and were left out (for the log).
	Problems []string `json:"-"`
}

// Metadata names the business phone number a change is for.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// Contact is the sender of a message: WhatsApp id and profile.
type Contact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID string `json:"wa_id"`
	// UserID is the business-scoped user id (BSUID); with usernames WaID may be empty.
	UserID string `json:"user_id,omitempty"`
}

// Message is one inbound message of any type.
type Message struct {
	From        string           `json:"from"`
	ID          string           `json:"id"`
	Timestamp   string           `json:"timestamp"`
	Type        string           `json:"type"`
	Context     *MessageContext  `json:"context,omitempty"`
	Text        *Text            `json:"text,omitempty"`
	Image       *Media           `json:"image,omitempty"`
	Video       *Media           `json:"video,omitempty"`
	Audio       *Media           `json:"audio,omitempty"`
	Document    *Media           `json:"document,omitempty"`
	Sticker     *Media           `json:"sticker,omitempty"`
	Location    *Location        `json:"location,omitempty"`
	Contacts    []SharedContact  `json:"contacts,omitempty"`
	Interactive *Interactive     `json:"interactive,omitempty"`
	Button      *Button          `json:"button,omitempty"`
	Reaction    *Reaction        `json:"reaction,omitempty"`
	Order       *Order           `json:"order,omitempty"`
	System      *System          `json:"system,omitempty"`
	Referral    *json.RawMessage `json:"referral,omitempty"`
	Edit        *Edit            `json:"edit,omitempty"`
	Revoke      *Revoke          `json:"revoke,omitempty"`
	Errors      []Error          `json:"errors,omitempty"`
	// DecodeError is set (never sent by Meta) on the placeholder of a message that could not be
	// decoded: it is shown as unsupported, with this reason, instead of costing the whole batch.
	DecodeError string `json:"decode_error,omitempty"`
}

// Edit is a customer's edit of an earlier message ("type": "edit"): Message is the new content
// (text, or media with a caption).
type Edit struct {
	OriginalMessageID string   `json:"original_message_id"`
	Message           *Message `json:"message,omitempty"`
}

// Revoke is a customer's deletion of an earlier message ("type": "revoke").
type Revoke struct {
	OriginalMessageID string `json:"original_message_id"`
}

// MessageContext is what a message replies to or was forwarded from.
type MessageContext struct {
	From      string `json:"from,omitempty"`
	ID        string `json:"id,omitempty"`
	Forwarded bool   `json:"forwarded,omitempty"`
	// FrequentlyForwarded is set by WhatsApp for messages forwarded many times.
	FrequentlyForwarded bool `json:"frequently_forwarded,omitempty"`
}

// Text is a text message's body.
type Text struct {
	Body string `json:"body"`
}

// Media is the inbound media object of image, video, audio, document and sticker messages. Its
// SHA256 is base64 here, unlike the hex digest the media endpoint answers.
type Media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
}

// Location is a shared location.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// SharedContact is a contact card the customer shared.
type SharedContact struct {
	Name struct {
		FormattedName string `json:"formatted_name"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone"`
		WaID  string `json:"wa_id,omitempty"`
		Type  string `json:"type,omitempty"`
	} `json:"phones,omitempty"`
	Emails []struct {
		Email string `json:"email"`
	} `json:"emails,omitempty"`
	Org *struct {
		Company string `json:"company,omitempty"`
	} `json:"org,omitempty"`
}

// Interactive is the customer's answer to a button or list message.
type Interactive struct {
	Type        string `json:"type"`
	ButtonReply *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"button_reply,omitempty"`
	ListReply *struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
	} `json:"list_reply,omitempty"`
	NFMReply *struct {
		Name         string `json:"name,omitempty"`
		Body         string `json:"body,omitempty"`
		ResponseJSON string `json:"response_json,omitempty"`
	} `json:"nfm_reply,omitempty"`
}

// Button is the customer's press of a template's quick-reply button.
type Button struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

// Reaction is an emoji reaction to a message (empty emoji removes it).
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

// Order is a cart the customer sent from a catalog.
type Order struct {
	CatalogID    string `json:"catalog_id"`
	Text         string `json:"text,omitempty"`
	ProductItems []struct {
		ProductRetailerID string  `json:"product_retailer_id"`
		Quantity          int     `json:"quantity"`
		ItemPrice         float64 `json:"item_price"`
		Currency          string  `json:"currency"`
	} `json:"product_items"`
}

// System is a notice from WhatsApp, such as a changed number.
type System struct {
	Body    string `json:"body"`
	Type    string `json:"type,omitempty"`
	WaID    string `json:"wa_id,omitempty"`
	NewWaID string `json:"new_wa_id,omitempty"`
}

// Status reports the delivery of a message the business sent.
type Status struct {
	ID                    string  `json:"id"`
	Status                string  `json:"status"`
	Timestamp             string  `json:"timestamp"`
	RecipientID           string  `json:"recipient_id"`
	BizOpaqueCallbackData string  `json:"biz_opaque_callback_data,omitempty"`
	Errors                []Error `json:"errors,omitempty"`
}

// Error is the error object of statuses, unsupported messages and out-of-band errors.
type Error struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message,omitempty"`
	ErrorData struct {
		Details string `json:"details,omitempty"`
	} `json:"error_data"`
}

// UnmarshalJSON decodes a change value item by item: one message, status or contact of an
// unexpected shape must not cost the others. An undecodable message becomes an "unsupported"
// placeholder carrying its id (or a stable stand-in) and the reason; an undecodable status or
// contact is dropped and named in Problems.
func (v *Value) UnmarshalJSON(b []byte) error {
	type plain Value
	var raw struct {
		plain
		Contacts []json.RawMessage `json:"contacts,omitempty"`
		Messages []json.RawMessage `json:"messages,omitempty"`
		Statuses []json.RawMessage `json:"statuses,omitempty"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*v = Value(raw.plain)
	v.Contacts, v.Messages, v.Statuses = nil, nil, nil
	for _, r := range raw.Contacts {
		var c Contact
		if err := json.Unmarshal(r, &c); err != nil {
			v.Problems = append(v.Problems, "undecodable contact: "+err.Error())
			continue
		}
		v.Contacts = append(v.Contacts, c)
	}
	for _, r := range raw.Messages {
		v.Messages = append(v.Messages, decodeMessage(r))
	}
	for _, r := range raw.Statuses {
		var st Status
		if err := json.Unmarshal(r, &st); err != nil {
			v.Problems = append(v.Problems, "undecodable status: "+err.Error())
			continue
		}
		v.Statuses = append(v.Statuses, st)
	}
	return nil
}

// decodeMessage decodes one message, or makes the placeholder of one that cannot be decoded.
func decodeMessage(r json.RawMessage) Message {
	var m Message
	err := json.Unmarshal(r, &m)
	if err == nil {
		return m
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(r, &fields)
	str := func(name string) string {
		var s string
		_ = json.Unmarshal(fields[name], &s)
		return s
	}
	m = Message{From: str("from"), ID: str("id"), Timestamp: str("timestamp"), Type: "unsupported"}
	if m.ID == "" {
		// Without its id the message cannot be deduplicated by it: its content stands in.
		sum := sha256.Sum256(r)
		m.ID = "undecodable." + hex.EncodeToString(sum[:16])
	}
	kind := str("type")
	if kind == "" {
		kind = "message"
	}
	m.DecodeError = kind + ": " + err.Error()
	return m
}

// plainValue is Value without its item-by-item decoder, for ParsePayload's single pass.
type plainValue Value

// UnmarshalJSON keeps a change of another field (account updates, template statuses...) whose
// value is not shaped like a messages value from refusing the payload: only "messages" changes
// are processed, so only their value must decode.
func (c *Change) UnmarshalJSON(b []byte) error {
	var raw struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	c.Field, c.Value = raw.Field, Value{}
	if len(raw.Value) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw.Value, &c.Value); err != nil && raw.Field == "messages" {
		return err
	}
	return nil
}

// MaxPayloadBytes caps a webhook body: Meta's payloads are at most about 3 MB, media is never inline.
const MaxPayloadBytes = 3 << 20

// ParsePayload decodes a webhook body, refusing trailing garbage and bodies that are not a
// WhatsApp Business Account notification.
func ParsePayload(body []byte) (*Payload, error) {
	// Nearly every body has the expected shape: one pass without the item-by-item decoders
	// (which re-scan each nested value) reads it. Anything else takes the tolerant path below.
	var fast struct {
		Object string `json:"object"`
		Entry  []struct {
			ID      string `json:"id"`
			Changes []struct {
				Field string     `json:"field"`
				Value plainValue `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &fast); err == nil && fast.Object == "whatsapp_business_account" {
		p := Payload{Object: fast.Object, Entry: make([]Entry, len(fast.Entry))}
		for i, e := range fast.Entry {
			p.Entry[i] = Entry{ID: e.ID, Changes: make([]Change, len(e.Changes))}
			for j, c := range e.Changes {
				p.Entry[i].Changes[j] = Change{Field: c.Field, Value: Value(c.Value)}
			}
		}
		return &p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var p Payload
	if err := dec.Decode(&p); err != nil {
		return nil, errors.Wrap(err, "malformed webhook JSON")
	}
	if dec.More() {
		return nil, errors.New("malformed webhook JSON: trailing data")
	}
	if p.Object != "whatsapp_business_account" {
		return nil, errors.Errorf("unexpected webhook object %q", p.Object)
	}
	return &p, nil
}

// ParseTimestamp turns WhatsApp's Unix-seconds string into a time; a bad value yields the zero time.
func ParseTimestamp(ts string) time.Time {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// MediaObject returns the media part of a media message, or nil.
func (m *Message) MediaObject() *Media {
	switch m.Type {
	case "image":
		return m.Image
	case "video":
		return m.Video
	case "audio":
		return m.Audio
	case "document":
		return m.Document
	case "sticker":
		return m.Sticker
	}
	return nil
}
