package whatsapp

import (
	"strings"
	"unicode/utf8"
)

// OutTypeInteractive is an interactive message; this client sends reply buttons.
const OutTypeInteractive OutType = "interactive"

// Limits of reply-button messages (Meta's OpenAPI InteractiveObject).
const (
	MaxButtons          = 3
	MaxButtonTitle      = 20
	MaxButtonID         = 256
	MaxInteractiveBody  = 1024
	interactiveTypeBtns = "button"
)

// OutInteractive is a reply-button message: a body and up to three buttons. The customer's press
// comes back as an inbound interactive button_reply carrying the button's ID.
type OutInteractive struct {
	Body    string
	Buttons []OutButton
}

// OutButton is one reply button.
type OutButton struct {
	ID    string
	Title string
}

// NewOutButtons builds a reply-button message.
func NewOutButtons(to, body string, buttons ...OutButton) OutMessage {
	return OutMessage{To: to, Type: OutTypeInteractive, Interactive: &OutInteractive{Body: body, Buttons: buttons}}
}

func (m OutMessage) validateInteractive() error {
	in := m.Interactive
	if in == nil || strings.TrimSpace(in.Body) == "" {
		return invalid("interactive message without body")
	}
	if n := utf8.RuneCountInString(in.Body); n > MaxInteractiveBody {
		return invalid("interactive body is %d characters, WhatsApp allows %d", n, MaxInteractiveBody)
	}
	if len(in.Buttons) == 0 || len(in.Buttons) > MaxButtons {
		return invalid("interactive message needs 1 to %d buttons, not %d", MaxButtons, len(in.Buttons))
	}
	titles, ids := map[string]bool{}, map[string]bool{}
	for _, b := range in.Buttons {
		switch {
		case strings.TrimSpace(b.Title) == "" || utf8.RuneCountInString(b.Title) > MaxButtonTitle:
			return invalid("button title %q must have 1 to %d characters", b.Title, MaxButtonTitle)
		case b.ID == "" || b.ID != strings.TrimSpace(b.ID) || len(b.ID) > MaxButtonID:
			return invalid("button id %q must have 1 to %d characters and no surrounding spaces", b.ID, MaxButtonID)
		case titles[b.Title] || ids[b.ID]:
			return invalid("button titles and ids must be unique (%q)", b.Title)
		}
		titles[b.Title], ids[b.ID] = true, true
	}
	return nil
}

type wireInteractive struct {
	Type   string            `json:"type"`
	Body   wireBody          `json:"body"`
	Action wireInteractiveAc `json:"action"`
}

// wireBody is an interactive message's body ("text", unlike a text message's "body").
type wireBody struct {
	Text string `json:"text"`
}

type wireInteractiveAc struct {
	Buttons []wireButton `json:"buttons"`
}

type wireButton struct {
	Type  string          `json:"type"`
	Reply wireButtonReply `json:"reply"`
}

type wireButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func wireInteractiveOf(in *OutInteractive) *wireInteractive {
	w := &wireInteractive{Type: interactiveTypeBtns, Body: wireBody{Text: in.Body}}
	for _, b := range in.Buttons {
		w.Action.Buttons = append(w.Action.Buttons, wireButton{Type: "reply", Reply: wireButtonReply(b)})
	}
	return w
}
