package bridge

import (
	"fmt"
	"strings"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// renderInbound turns a WhatsApp message into the text of its Mattermost post. Every string the
// customer supplied goes through format.FromWhatsApp or format.Inert (SPEC "Security rules"). Media bytes are
// attached separately; here they only get a caption or a label, so no type is ever silently empty.
func (in *Inbound) renderInbound(l *l10n.Localizer, customer string, m *whatsapp.Message) string {
	t := func(id string, data map[string]any) string { return in.Texts.T(l, id, data) }
	var body string
	switch m.Type {
	case "text":
		if m.Text != nil {
			body = format.FromWhatsApp(m.Text.Body)
		}
	case "image", "video", "audio", "document", "sticker":
		media := m.MediaObject()
		label := t("inbound.media."+m.Type, nil)
		if m.Type == "audio" && media != nil && media.Voice {
			label = t("inbound.media.voice", nil)
		}
		if m.Type == "document" && media != nil && media.Filename != "" {
			label += ": " + format.Inert(media.Filename)
		}
		body = "_" + label + "_"
		if media != nil && media.Caption != "" {
			body = format.FromWhatsApp(media.Caption) + "\n" + body
		}
	case "location":
		if loc := m.Location; loc != nil {
			place := format.Inert(strings.TrimSpace(strings.Join(nonEmpty(loc.Name, loc.Address), " — ")))
			coords := fmt.Sprintf("%.6f, %.6f", loc.Latitude, loc.Longitude)
			// The map link is shown bare: no link text that could differ from its target.
			body = fmt.Sprintf("📍 %s\n%s · https://www.openstreetmap.org/?mlat=%f&mlon=%f#map=17/%f/%f",
				t("inbound.location", map[string]any{"Place": place}), coords,
				loc.Latitude, loc.Longitude, loc.Latitude, loc.Longitude)
		}
	case "contacts":
		lines := []string{"👤 " + t("inbound.contacts", map[string]any{"Count": len(m.Contacts)})}
		for _, c := range m.Contacts {
			parts := []string{"**" + format.Inert(c.Name.FormattedName) + "**"}
			for _, p := range c.Phones {
				parts = append(parts, format.Inert(p.Phone))
			}
			for _, e := range c.Emails {
				parts = append(parts, format.Inert(e.Email))
			}
			if c.Org != nil && c.Org.Company != "" {
				parts = append(parts, format.Inert(c.Org.Company))
			}
			lines = append(lines, "- "+strings.Join(parts, " · "))
		}
		body = strings.Join(lines, "\n")
	case "interactive":
		if it := m.Interactive; it != nil {
			switch {
			case it.ButtonReply != nil:
				body = "🔘 " + format.Inert(it.ButtonReply.Title)
			case it.ListReply != nil:
				body = "📋 " + format.Inert(strings.TrimSpace(it.ListReply.Title+"\n"+it.ListReply.Description))
			case it.NFMReply != nil:
				body = "📝 " + t("inbound.flow", nil) + "\n" + format.FromWhatsApp("```\n"+it.NFMReply.ResponseJSON+"\n```")
			}
		}
	case "button":
		if m.Button != nil {
			body = "🔘 " + format.Inert(m.Button.Text)
		}
	case "order":
		if o := m.Order; o != nil {
			lines := []string{"🛒 " + t("inbound.order", map[string]any{"Count": len(o.ProductItems)})}
			for _, it := range o.ProductItems {
				lines = append(lines, fmt.Sprintf("- %s × %d (%.2f %s)", format.Inert(it.ProductRetailerID), it.Quantity, it.ItemPrice, format.Inert(it.Currency)))
			}
			if o.Text != "" {
				lines = append(lines, format.FromWhatsApp(o.Text))
			}
			body = strings.Join(lines, "\n")
		}
	case "system":
		if m.System != nil {
			body = "ℹ️ " + format.Inert(m.System.Body)
		}
	}
	if body == "" {
		// unsupported, unknown or empty: say so visibly, with WhatsApp's own reason when given.
		reason := m.Type
		if len(m.Errors) > 0 {
			reason = fmt.Sprintf("%d: %s", m.Errors[0].Code, format.Inert(m.Errors[0].Title))
		}
		body = "⚠️ " + t("inbound.unsupported", map[string]any{"Customer": format.Inert(customer), "Reason": reason})
	}
	if m.Context != nil && (m.Context.Forwarded || m.Context.FrequentlyForwarded) {
		body = "_" + t("inbound.forwarded", nil) + "_\n" + body
	}
	return body
}

func nonEmpty(values ...string) []string {
	out := values[:0:0]
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}
