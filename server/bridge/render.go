package bridge

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
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
		if m.DecodeError != "" {
			reason = t("inbound.undecodable", map[string]any{"Reason": format.Inert(truncate(m.DecodeError, 200))})
		}
		body = "⚠️ " + t("inbound.unsupported", map[string]any{"Customer": format.Inert(customer), "Reason": reason})
	}
	if m.Context != nil && (m.Context.Forwarded || m.Context.FrequentlyForwarded) {
		body = "_" + t("inbound.forwarded", nil) + "_\n" + body
	}
	if line := in.referralLine(l, m); line != "" {
		body += "\n" + line
	}
	return body
}

// ---- Message kinds added for reliability (issue 8): referrals, edits, quotes. ----

// referralLine names the Click-to-WhatsApp ad a message came from.
func (in *Inbound) referralLine(l *l10n.Localizer, m *whatsapp.Message) string {
	if m.Referral == nil {
		return ""
	}
	var ref struct {
		Headline  string `json:"headline"`
		Body      string `json:"body"`
		SourceURL string `json:"source_url"`
		SourceID  string `json:"source_id"`
	}
	if json.Unmarshal(*m.Referral, &ref) != nil {
		return ""
	}
	headline := strings.TrimSpace(cmp.Or(ref.Headline, ref.Body, ref.SourceID))
	if headline == "" && ref.SourceURL == "" {
		return ""
	}
	line := "📣 _" + in.Texts.T(l, "inbound.referral", map[string]any{"Headline": format.Inert(truncate(headline, 200))}) + "_"
	if u, err := url.Parse(ref.SourceURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		line += " " + format.Inert(truncate(ref.SourceURL, 500)) // shown bare: no link text to disguise it
	}
	return line
}

// renderEdited is the new content of a customer's edit.
func (in *Inbound) renderEdited(l *l10n.Localizer, customer string, e *whatsapp.Edit) string {
	if e.Message == nil {
		return ""
	}
	m := *e.Message
	if m.Type == "" {
		switch {
		case m.Text != nil:
			m.Type = "text"
		case m.Image != nil:
			m.Type = "image"
		case m.Video != nil:
			m.Type = "video"
		case m.Document != nil:
			m.Type = "document"
		}
	}
	return in.renderInbound(l, customer, &m)
}

// addReply places a customer's reply: in the thread of the post it quotes when that post is in
// this conversation's channel; otherwise (a message of an earlier, closed conversation, or one
// the plugin never saw) in the conversation with a visible quote of the original, since
// Mattermost refuses a thread root from another channel.
func (in *Inbound) addReply(l *l10n.Localizer, post *model.Post, conv *helpdesk.Conversation, wamid string) {
	post.AddProp("wa_reply_to", wamid)
	quoted := in.postOf(wamid)
	if quoted != nil && quoted.ChannelId == conv.ChannelID {
		post.RootId = cmp.Or(quoted.RootId, quoted.Id)
		return
	}
	post.Message += "\n\n" + in.quote(l, quoted)
}

// postOf is the live post of a wamid (inbound, or sent by the plugin), or nil.
func (in *Inbound) postOf(wamid string) *model.Post {
	id := in.postForWAMID(wamid)
	if id == "" {
		return nil
	}
	p, appErr := in.API.GetPost(id)
	if appErr != nil || p.DeleteAt != 0 {
		return nil
	}
	return p
}

// quoteExcerptRunes bounds the text of a quote.
const quoteExcerptRunes = 200

// quote renders a quoted post as a blockquote: author, time and the start of its text.
func (in *Inbound) quote(l *l10n.Localizer, p *model.Post) string {
	if p == nil {
		return "> ↩️ _" + in.Texts.T(l, "inbound.quote_unknown", nil) + "_"
	}
	author, text, at := "", p.Message, p.CreateAt
	if c, ok := wapost.ParseInbound(p); ok && c.Author != "" {
		author, at = c.Author, c.At
	} else {
		author = in.Texts.T(l, "inbound.quote_business", nil)
		agent, _ := p.GetProp(wapost.PropAgentID).(string)
		if p.UserId != in.BotUserID {
			agent = p.UserId
		}
		if agent != "" {
			if u, appErr := in.API.GetUser(agent); appErr == nil {
				author = strings.TrimSpace(cmp.Or(strings.TrimSpace(u.FirstName+" "+u.LastName), u.Username))
			}
		}
	}
	var kept []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, ">") || strings.HasPrefix(line, "⏳") || strings.HasPrefix(line, "✅") || strings.HasPrefix(line, "❌") {
			continue
		}
		kept = append(kept, line)
	}
	excerpt := truncate(strings.Join(kept, " "), quoteExcerptRunes)
	if excerpt == "" && len(p.FileIds) > 0 {
		excerpt = "📎"
	}
	head := in.Texts.T(l, "inbound.quote", map[string]any{"Author": format.Inert(author), "Time": time.UnixMilli(at).UTC().Format("2006-01-02 15:04 MST")})
	return "> ↩️ _" + head + "_\n> " + excerpt
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
