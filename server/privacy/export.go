package privacy

import (
	"encoding/json"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// Export is everything the helpdesk stores about a person, as handed to them on request.
type Export struct {
	ExportedAt    int64                `json:"exported_at"`
	Person        *helpdesk.Person     `json:"person"`
	Conversations []ConversationExport `json:"conversations"`
	Tickets       []*helpdesk.Ticket   `json:"tickets"`
}

// ConversationExport is one conversation with its messages, in the order they were posted.
type ConversationExport struct {
	*helpdesk.Conversation
	Messages []Message `json:"messages"`
}

// Message is one post of a conversation channel.
type Message struct {
	PostID    string   `json:"post_id"`
	At        int64    `json:"at"`
	Author    string   `json:"author"`
	Direction string   `json:"direction"` // inbound, outbound, note (an agent's internal post) or notice (the plugin's own)
	Text      string   `json:"text"`
	Files     []string `json:"files,omitempty"`
	// Status and Error are the delivery state of an outbound message as agents see it;
	// Deliveries are WhatsApp's statuses per message id.
	Status     string                     `json:"status,omitempty"`
	Error      string                     `json:"error,omitempty"`
	WAMIDs     []string                   `json:"wamids,omitempty"`
	Deliveries map[string]json.RawMessage `json:"deliveries,omitempty"`
}

// Export gathers a person's data (system admins only).
func (s *Service) Export(actorID, personID string) (*Export, error) {
	if err := s.authorize(actorID); err != nil {
		return nil, err
	}
	person, err := s.People.Get(personID)
	if err != nil {
		return nil, err
	}
	out := &Export{ExportedAt: s.Now().UnixMilli(), Person: person, Conversations: []ConversationExport{}, Tickets: []*helpdesk.Ticket{}}
	convIDs, err := store.NewIndex(s.KV, store.PersonConversationsIndexKey(personID)).List()
	if err != nil {
		return nil, err
	}
	ticketIDs, err := store.NewIndex(s.KV, store.PersonTicketsIndexKey(personID)).List()
	if err != nil {
		return nil, err
	}
	for _, id := range convIDs {
		conv, err := s.Conversations.Get(id)
		if errors.Is(err, helpdesk.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		msgs, err := s.messages(conv)
		if err != nil {
			return nil, err
		}
		out.Conversations = append(out.Conversations, ConversationExport{Conversation: conv, Messages: msgs})
		if conv.TicketID != "" {
			ticketIDs = append(ticketIDs, conv.TicketID)
		}
	}
	seen := map[string]bool{}
	for _, id := range ticketIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		t, err := s.Tickets.Get(id)
		if errors.Is(err, helpdesk.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		out.Tickets = append(out.Tickets, t)
	}
	return out, nil
}

// messages reads a conversation channel, oldest first.
func (s *Service) messages(conv *helpdesk.Conversation) ([]Message, error) {
	out := []Message{}
	if conv.ChannelID == "" {
		return out, nil
	}
	var posts []*model.Post
	if err := s.posts(conv.ChannelID, func(page []*model.Post) error {
		posts = append(posts, page...)
		return nil
	}); err != nil {
		return nil, errors.Wrap(err, "failed to read a conversation channel")
	}
	names := map[string]string{}
	for i := len(posts) - 1; i >= 0; i-- {
		p := posts[i]
		if p.IsSystemMessage() || p.DeleteAt != 0 {
			continue
		}
		m := Message{PostID: p.Id, At: p.CreateAt, Text: p.Message, Direction: "outbound"}
		c, inbound := wapost.ParseInbound(p)
		switch {
		case inbound:
			m.Direction, m.Author, m.Text = "inbound", c.Author, format.Unescape(c.Text)
		case p.UserId == s.BotUserID && wapost.Bookkeeping(kindOf(p)):
			// The plugin's own notes to agents (closed, joined, previous conversation, opt-out):
			// part of the record, but never sent to the customer.
			m.Author, m.Direction = "WhatsApp Helpdesk", "notice"
		case p.UserId == s.BotUserID:
			m.Author = "WhatsApp Helpdesk"
			if agent, _ := p.GetProp(wapost.PropAgentID).(string); agent != "" {
				m.Author = s.userName(names, agent)
			}
		default:
			m.Author = s.userName(names, p.UserId)
			if p.GetProp(wapost.PropStatus) == nil && p.GetProp(wapost.PropWAMIDs) == nil {
				m.Direction = "note"
			}
		}
		for _, fid := range p.FileIds {
			if info, appErr := s.API.GetFileInfo(fid); appErr == nil {
				m.Files = append(m.Files, info.Name)
			}
		}
		m.Status, _ = p.GetProp(wapost.PropStatus).(string)
		m.Error, _ = p.GetProp(wapost.PropFailure).(string)
		if m.Direction != "inbound" {
			m.WAMIDs = s.postWAMIDs(p)
			for _, w := range m.WAMIDs {
				var raw json.RawMessage
				if found, err := store.GetJSON(s.KV, store.DeliveryKey(w), &raw); err == nil && found {
					if m.Deliveries == nil {
						m.Deliveries = map[string]json.RawMessage{}
					}
					m.Deliveries[w] = raw
				}
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *Service) userName(cache map[string]string, userID string) string {
	if n, ok := cache[userID]; ok {
		return n
	}
	n := userID
	if u, appErr := s.API.GetUser(userID); appErr == nil {
		n = u.Username
	}
	cache[userID] = n
	return n
}

// postWAMIDs lists the WhatsApp message ids a post stands for: its own (inbound), those it was
// sent as (outbound) and those of its send record.
func (s *Service) postWAMIDs(p *model.Post) []string {
	var out []string
	add := func(w string) {
		for _, have := range out {
			if have == w {
				return
			}
		}
		if w != "" {
			out = append(out, w)
		}
	}
	if w, ok := p.GetProp(wapost.PropWAMID).(string); ok {
		add(w)
	}
	switch ws := p.GetProp(wapost.PropWAMIDs).(type) {
	case []any:
		for _, w := range ws {
			if w, ok := w.(string); ok {
				add(w)
			}
		}
	case []string:
		for _, w := range ws {
			add(w)
		}
	case string:
		for _, w := range strings.Split(ws, ",") {
			add(strings.TrimSpace(w))
		}
	}
	var rec struct {
		WAMIDs []string `json:"wamids"`
	}
	if found, err := store.GetJSON(s.KV, store.OutboundRecordKey(p.Id), &rec); err == nil && found {
		for _, w := range rec.WAMIDs {
			add(w)
		}
	}
	return out
}

// ExportJSON renders an export as the indented JSON file an admin receives.
func ExportJSON(e *Export) ([]byte, error) {
	raw, err := json.MarshalIndent(e, "", "  ")
	return raw, errors.Wrap(err, "failed to encode the export")
}

// SendExport exports a person and DMs the JSON file from the bot to the admin. The post is
// listed under the person, so erasing them later removes it too.
func (s *Service) SendExport(actorID, personID string) (*model.Post, error) {
	e, err := s.Export(actorID, personID)
	if err != nil {
		return nil, err
	}
	raw, err := ExportJSON(e)
	if err != nil {
		return nil, err
	}
	dm, appErr := s.API.GetDirectChannel(s.BotUserID, actorID)
	if appErr != nil {
		return nil, errors.Wrap(appErr, "failed to open a direct message with the admin")
	}
	fi, appErr := s.API.UploadFile(raw, dm.Id, "lgpd-export-"+personID+".json")
	if appErr != nil {
		return nil, errors.Wrap(appErr, "failed to upload the export")
	}
	text := s.Texts.T(s.Texts.ForUser(actorID), "privacy.export_dm", map[string]any{
		"Conversations": len(e.Conversations), "Tickets": len(e.Tickets)})
	post, appErr := s.API.CreatePost(&model.Post{UserId: s.BotUserID, ChannelId: dm.Id, Message: text, FileIds: model.StringArray{fi.Id}})
	if appErr != nil {
		return nil, errors.Wrap(appErr, "failed to send the export")
	}
	if err := store.NewIndex(s.KV, store.PersonPostsIndexKey(personID)).Add(post.Id); err != nil {
		return nil, err
	}
	return post, nil
}

func kindOf(p *model.Post) string {
	kind, _ := p.GetProp(wapost.PropKind).(string)
	return kind
}
