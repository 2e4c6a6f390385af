package helpdesk

import (
	"cmp"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Ticket statuses: a closed conversation becomes a draft that an agent reviews and saves.
const (
	TicketDraft = "draft"
	TicketSaved = "saved"
)

// TranscriptLine is one message of a closed conversation.
type TranscriptLine struct {
	At          int64    `json:"at"`
	Author      string   `json:"author"`
	Direction   string   `json:"direction"` // inbound, outbound or note
	Text        string   `json:"text"`
	Attachments []string `json:"attachments,omitempty"`
}

// Ticket is the record a conversation leaves behind.
type Ticket struct {
	ID                 string           `json:"id"`
	ConversationID     string           `json:"conversation_id"`
	ChannelID          string           `json:"channel_id"`
	Status             string           `json:"status"`
	Subject            string           `json:"subject"`
	CustomerID         string           `json:"customer_id"`
	ConversationStatus string           `json:"conversation_status,omitempty"`
	AgentID            string           `json:"agent_id,omitempty"`
	Transcript         []TranscriptLine `json:"transcript"`
	CreatedAt          int64            `json:"created_at"`
	SavedAt            int64            `json:"saved_at,omitempty"`
	// Satisfaction survey (csat.go): the customer's answer, when the survey went out, or why not.
	CSAT         *CSAT  `json:"csat,omitempty"`
	SurveySentAt int64  `json:"survey_sent_at,omitempty"`
	CSATSkipped  string `json:"csat_skipped,omitempty"`
	// Group is the conversation's chat group: search scopes tickets by it without reading the
	// conversation.
	Group string   `json:"group_id,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	// Seq is the ticket's place in its chat group's creation order, where its group's ticket
	// lists hold it whatever its status (ticketlist.go); 0 until an earlier version's ticket is
	// given one.
	Seq int64 `json:"seq,omitempty"`
	// The conversation's times, for service levels: wait = created -> attended, first response =
	// attended -> first agent message, handle = attended -> closed (Unix ms, 0 when unknown).
	ConversationCreatedAt int64 `json:"conversation_created_at,omitempty"`
	AttendedAt            int64 `json:"attended_at,omitempty"`
	FirstResponseAt       int64 `json:"first_response_at,omitempty"`
	ClosedAt              int64 `json:"closed_at,omitempty"`
}

// TicketPatch is an agent's edit of a draft; nil fields are left alone.
type TicketPatch struct {
	Subject    *string
	Status     *string
	CustomerID *string
	// Tags replaces the ticket's tags (already cleaned with CleanTags).
	Tags *[]string
}

// Tickets stores tickets with complete per-status indexes.
type Tickets struct {
	KV  store.KV
	Now func() time.Time
}

// CreateDraft turns a closed conversation into a draft ticket whose Customer and Subject default
// to the WhatsApp profile name. A conversation has one ticket however often this runs (a close
// retried or repaired): the first call picks its id, later calls answer that ticket.
func (ts *Tickets) CreateDraft(conv *Conversation, transcript []TranscriptLine) (*Ticket, error) {
	id := model.NewId()
	won, err := store.Insert(ts.KV, store.TicketOfConversationKey(conv.ID), id, 0)
	if err != nil {
		return nil, err
	}
	if !won {
		if _, err := store.GetJSON(ts.KV, store.TicketOfConversationKey(conv.ID), &id); err != nil {
			return nil, err
		}
		if t, err := ts.Get(id); !errors.Is(err, ErrNotFound) {
			return t, err
		}
	}
	seq, err := ts.nextSeq(conv.Group)
	if err != nil {
		return nil, err
	}
	t := &Ticket{
		ID:                 id,
		ConversationID:     conv.ID,
		ChannelID:          conv.ChannelID,
		Status:             TicketDraft,
		Subject:            conv.CustomerName,
		CustomerID:         conv.PersonID,
		ConversationStatus: conv.Status,
		AgentID:            conv.AgentID,
		Transcript:         transcript,
		CreatedAt:          ts.Now().UnixMilli(),
		Group:              conv.Group,
		Tags:               conv.Tags,
		Seq:                seq,

		ConversationCreatedAt: conv.CreatedAt,
		AttendedAt:            conv.AttendedAt,
		FirstResponseAt:       cmp.Or(conv.FirstResponseAt, firstResponse(conv.AttendedAt, transcript)),
		ClosedAt:              conv.ClosedAt,
	}
	created, err := store.Insert(ts.KV, store.TicketKey(t.ID), t, 0)
	if err != nil {
		return nil, err
	}
	if !created {
		return ts.Get(t.ID)
	}
	if err := store.NewIndex(ts.KV, store.PersonTicketsIndexKey(t.CustomerID)).Add(t.ID); err != nil {
		return nil, err
	}
	if err := store.NewIndex(ts.KV, store.TicketIndexKey(TicketDraft)).Add(t.ID); err != nil {
		return nil, err
	}
	return t, ts.Reindex(t.ID)
}

// firstResponse is when an agent first wrote to the customer after attending (automatic
// messages are authored by the bot's name and do not count), 0 if never.
func firstResponse(attendedAt int64, transcript []TranscriptLine) int64 {
	if attendedAt == 0 {
		return 0
	}
	for _, l := range transcript {
		if l.Direction == "outbound" && l.Author != BotAuthor && l.At >= attendedAt {
			return l.At
		}
	}
	return 0
}

// BotAuthor is the author of the plugin's own (automatic) transcript lines.
const BotAuthor = "WhatsApp Helpdesk"

// Get loads a ticket.
func (ts *Tickets) Get(id string) (*Ticket, error) {
	return load[Ticket](ts.KV, store.TicketKey(id), "ticket "+id)
}

// List returns the tickets in a status, oldest first.
func (ts *Tickets) List(status string) ([]*Ticket, error) {
	if status != TicketDraft && status != TicketSaved {
		return nil, errors.Wrapf(ErrInvalid, "unknown ticket status %q", status)
	}
	return loadIndexed(ts.KV, store.TicketIndexKey(status), ts.Get)
}

// Patch edits a draft ticket. A saved ticket is final.
func (ts *Tickets) Patch(id string, p TicketPatch) (*Ticket, error) {
	formerCustomer := ""
	t, err := store.UpdateJSON(ts.KV, store.TicketKey(id), func(t *Ticket, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "ticket %s", id)
		}
		// A saved ticket is final, except for its tags (labels for search and reports).
		if t.Status == TicketSaved && (p.Subject != nil || p.Status != nil || p.CustomerID != nil) {
			return false, Refuse(ErrConflict, "error.ticket_saved")
		}
		if p.Subject != nil {
			subject := strings.TrimSpace(*p.Subject)
			if subject == "" {
				return false, Refuse(ErrInvalid, "error.subject_empty")
			}
			t.Subject = subject
		}
		if p.Status != nil {
			t.ConversationStatus = strings.TrimSpace(*p.Status)
		}
		if p.Tags != nil {
			t.Tags = *p.Tags
		}
		formerCustomer = ""
		if p.CustomerID != nil && *p.CustomerID != t.CustomerID {
			formerCustomer, t.CustomerID = t.CustomerID, *p.CustomerID
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if formerCustomer != "" {
		// The ticket is now listed under its new customer (its transcript stays reachable from the
		// conversation, and so from the person who wrote it).
		if err := store.NewIndex(ts.KV, store.PersonTicketsIndexKey(t.CustomerID)).Add(t.ID); err != nil {
			return nil, err
		}
		if err := store.NewIndex(ts.KV, store.PersonTicketsIndexKey(formerCustomer)).Remove(t.ID); err != nil {
			return nil, err
		}
	}
	return &t, ts.Reindex(id)
}

// Save finalizes a draft ticket.
func (ts *Tickets) Save(id string) (*Ticket, error) {
	t, err := store.UpdateJSON(ts.KV, store.TicketKey(id), func(t *Ticket, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "ticket %s", id)
		}
		if t.Status == TicketSaved {
			return false, nil
		}
		if strings.TrimSpace(t.Subject) == "" || t.CustomerID == "" {
			return false, Refuse(ErrInvalid, "error.ticket_incomplete")
		}
		t.Status, t.SavedAt = TicketSaved, ts.Now().UnixMilli()
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := store.NewIndex(ts.KV, store.TicketIndexKey(TicketSaved)).Add(id); err != nil {
		return nil, err
	}
	if err := store.NewIndex(ts.KV, store.TicketIndexKey(TicketDraft)).Remove(id); err != nil {
		return nil, err
	}
	return &t, ts.Reindex(id)
}
