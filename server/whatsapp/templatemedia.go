package whatsapp

import (
	"strconv"
	"strings"
)

// HasMediaHeader reports whether the template's header is an image, a video or a document.
func (t Template) HasMediaHeader() bool { return isMediaFormat(t.HeaderFormat()) }

// TemplateField is one value a template needs at send time, in the order ParamsFromList takes
// them: Kind is header_media (an image, video or document), header, body or button; Name is the
// placeholder's name, the media format, or the button's number and sub-type.
type TemplateField struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Fields lists the values the template needs, so a form asks for each of them.
func (t Template) Fields() []TemplateField {
	out := []TemplateField{}
	if t.HasMediaHeader() {
		out = append(out, TemplateField{Kind: "header_media", Name: strings.ToLower(t.HeaderFormat())})
	} else {
		for _, n := range t.HeaderParamNames() {
			out = append(out, TemplateField{Kind: "header", Name: n})
		}
	}
	for _, n := range t.BodyParamNames() {
		out = append(out, TemplateField{Kind: "body", Name: n})
	}
	for _, b := range t.ButtonParams() {
		out = append(out, TemplateField{Kind: "button", Name: strconv.Itoa(b.Index+1) + " " + b.SubType})
	}
	return out
}

// HeaderText is a text header's text ("" for media or no header).
func (t Template) HeaderText() string {
	if c := t.component("HEADER"); c != nil && !t.HasMediaHeader() {
		return c.Text
	}
	return ""
}

// BodyText is the body's text with its placeholders.
func (t Template) BodyText() string {
	if c := t.component("BODY"); c != nil {
		return c.Text
	}
	return ""
}
