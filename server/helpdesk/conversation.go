package helpdesk

import (
	"encoding/json"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Conversation states.
const (
	StateWaiting = "waiting"
	StateActive  = "active"
	// StateClosing is claimed before anything of a close happens (end message, ticket): of two
	// clicks exactly one closes, and a close interrupted midway is completed by the repair job.
	StateClosing = "closing"
	StateClosed  = "closed"
)

// Window is WhatsApp's customer-service window: free-form messages only within 24 hours of the
// customer's last message.
const Window = 24 * time.Hour

// Conversation is one WhatsApp conversation, attended in its own private channel.
type Conversation struct {
	ID            string `json:"id"`
	Group         string `json:"group_id"`
	PersonID      string `json:"person_id"`
	CustomerName  string `json:"customer_name"`
	ChannelID     string `json:"channel_id,omitempty"`
	QueuePostID   string `json:"queue_post_id,omitempty"`
	State         string `json:"state"`
	AgentID       string `json:"agent_id,omitempty"`
	Status        string `json:"status,omitempty"`
	TicketID      string `json:"ticket_id,omitempty"`
	CreatedAt     int64  `json:"created_at"`
	AttendedAt    int64  `json:"attended_at,omitempty"`
	ClosedAt      int64  `json:"closed_at,omitempty"`
	LastInboundAt int64  `json:"last_inbound_at,omitempty"`
	// FirstResponseAt is when the first message an agent wrote (a post, macro or HSM) reached
	// WhatsApp, for the first-response indicator.
	FirstResponseAt int64 `json:"first_response_at,omitempty"`
	// ClosedBy and ClosingAt record the close claim; EndAttempted is set just before the end
	// message goes out, so a repaired close never sends it twice.
	ClosedBy     string `json:"closed_by,omitempty"`
	ClosingAt    int64  `json:"closing_at,omitempty"`
	EndAttempted bool   `json:"end_attempted,omitempty"`
	// SetupPending is set with the channel and cleared once the new conversation's automatic
	// messages ran, so they still run when the delivery that created it failed.
	SetupPending bool `json:"setup_pending,omitempty"`
	// Tags are the agents' labels; the ticket carries them on close.
	Tags []string `json:"tags,omitempty"`
}

// WindowExpiresAt is when free-form messages stop being allowed (Unix ms), 0 if never opened.
func (c *Conversation) WindowExpiresAt() int64 {
	if c.LastInboundAt == 0 {
		return 0
	}
	return c.LastInboundAt + Window.Milliseconds()
}

// Conversations stores conversations and keeps at most one open conversation per person and group.
type Conversations struct {
	KV  store.KV
	Now func() time.Time
}

// Get loads a conversation by id.
func (cs *Conversations) Get(id string) (*Conversation, error) {
	return load[Conversation](cs.KV, store.ConversationKey(id), "conversation "+id)
}

// ByChannel finds the conversation a channel belongs to.
func (cs *Conversations) ByChannel(channelID string) (*Conversation, error) {
	var id string
	found, err := store.GetJSON(cs.KV, store.ChannelConversationKey(channelID), &id)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errors.Wrapf(ErrNotFound, "no conversation in channel %s", channelID)
	}
	return cs.Get(id)
}

// Opened is what Open found or made.
type Opened struct {
	Conv    *Conversation
	Created bool
	// Previous is the person's closed conversation the new one follows, when Open read it.
	Previous *Conversation
}

// Open returns the open conversation of person in group, creating a waiting one when there is
// none (a closed conversation is never reopened: the customer starts a new one); Created tells the
// caller it must set the conversation up (channel, announcement). inboundAt is when the customer's
// message was sent (zero for a conversation an agent starts, which must not open the 24-hour
// window): a new conversation records it at once. closed,
// when the caller knows it, is the person's conversation in group that closed last: the new one
// is then made without reading the open pointer and that conversation, and the pointer's
// compare-and-set tells whether the caller was right (else Open starts over with the reads).
func (cs *Conversations) Open(group string, person *Person, inboundAt time.Time, closed *Conversation) (Opened, error) {
	openKey := store.OpenConversationKey(group, person.ID)
	var id string
	var previous *Conversation
	if closed != nil && closed.State == StateClosed && closed.Group == group && closed.PersonID == person.ID {
		id, previous = closed.ID, closed
	} else if _, err := store.GetJSON(cs.KV, openKey, &id); err != nil {
		return Opened{}, err
	}
	if id != "" && previous == nil {
		conv, err := cs.Get(id)
		if err != nil {
			return Opened{}, err
		}
		if conv.State != StateClosed {
			return Opened{Conv: conv}, nil
		}
		previous = conv
	}

	c := &Conversation{ID: model.NewId(), Group: group, PersonID: person.ID, CustomerName: person.Name, State: StateWaiting, CreatedAt: cs.Now().UnixMilli()}
	if !inboundAt.IsZero() {
		c.LastInboundAt = inboundAt.UnixMilli()
	}
	if err := store.SetJSON(cs.KV, store.ConversationKey(c.ID), c); err != nil {
		return Opened{}, err
	}
	// Swap the open pointer from what we read (absent or the closed conversation) to ours; losing
	// means a concurrent delivery created the conversation first.
	won := false
	pointer, _ := json.Marshal(id)
	if id == "" {
		pointer = nil
	}
	err := store.UpdateFrom(cs.KV, openKey, pointer, func(old []byte) (any, error) {
		var current string
		if len(old) > 0 {
			_ = json.Unmarshal(old, &current)
		}
		if current != id {
			won = false
			return nil, store.ErrNoChange
		}
		won = true
		return c.ID, nil
	})
	if err != nil {
		return Opened{}, err
	}
	if !won {
		_ = cs.KV.Delete(store.ConversationKey(c.ID))
		return cs.Open(group, person, inboundAt, nil)
	}
	if err := store.NewIndex(cs.KV, store.PersonConversationsIndexKey(person.ID)).Add(c.ID); err != nil {
		return Opened{}, err
	}
	return Opened{Conv: c, Created: true, Previous: previous}, store.NewIndex(cs.KV, store.ConversationIndexKey(StateWaiting)).Add(c.ID)
}

// Update applies fn to the conversation with compare-and-set and returns the result.
func (cs *Conversations) Update(id string, fn func(c *Conversation) (bool, error)) (*Conversation, error) {
	c, err := store.UpdateJSON(cs.KV, store.ConversationKey(id), func(c *Conversation, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "conversation %s", id)
		}
		return fn(c)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// AttachChannel records the conversation's channel once; it reports whether this call set it.
func (cs *Conversations) AttachChannel(id, channelID string) (*Conversation, bool, error) {
	set := false
	c, err := cs.Update(id, func(c *Conversation) (bool, error) {
		if c.ChannelID != "" {
			set = false
			return false, nil
		}
		c.ChannelID, set = channelID, true
		c.SetupPending = true
		return true, nil
	})
	if err != nil || !set {
		return c, set, err
	}
	_, err = store.Insert(cs.KV, store.ChannelConversationKey(channelID), id, 0)
	return c, set, err
}

// TouchInbound moves the customer's last-message time forward (never back: deliveries are
// unordered). Small steps are skipped to save a write per message; the window then looks at
// most a minute shorter than it is, never longer.
func (cs *Conversations) TouchInbound(c *Conversation, at time.Time) (*Conversation, error) {
	ms := at.UnixMilli()
	if ms <= c.LastInboundAt+time.Minute.Milliseconds() && c.LastInboundAt != 0 {
		return c, nil
	}
	return cs.Update(c.ID, func(c *Conversation) (bool, error) {
		if ms <= c.LastInboundAt {
			return false, nil
		}
		c.LastInboundAt = ms
		return true, nil
	})
}

// List returns the conversations in a state, oldest first.
func (cs *Conversations) List(state string) ([]*Conversation, error) {
	return loadIndexed(cs.KV, store.ConversationIndexKey(state), cs.Get)
}

// Attend makes agentID the owner of a waiting conversation. Of concurrent attempts exactly one
// wins; the others get ErrConflict naming the agent who did.
func (cs *Conversations) Attend(id, agentID string) (*Conversation, error) {
	c, err := cs.Update(id, func(c *Conversation) (bool, error) {
		switch c.State {
		case StateWaiting:
			c.State, c.AgentID, c.AttendedAt = StateActive, agentID, cs.Now().UnixMilli()
			return true, nil
		case StateActive:
			return false, Refuse(ErrConflict, "error.already_attended", "AgentID", c.AgentID)
		}
		return false, Refuse(ErrConflict, "error.conversation_closed")
	})
	if err != nil {
		return nil, err
	}
	if err := cs.addLoad(agentID, id); err != nil {
		return nil, err
	}
	return c, cs.move(id, StateWaiting, StateActive)
}

// BeginClose claims the close of a waiting or active conversation; only one concurrent caller
// gets it, the others are told it is already closed. The conversation stays listed as closing
// until its ticket is linked.
func (cs *Conversations) BeginClose(id, userID string) (*Conversation, error) {
	var from string
	c, err := cs.Update(id, func(c *Conversation) (bool, error) {
		if c.State == StateClosed || c.State == StateClosing {
			return false, Refuse(ErrConflict, "error.already_closed")
		}
		from = c.State
		c.State, c.ClosedBy, c.ClosingAt = StateClosing, userID, cs.Now().UnixMilli()
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if from == StateActive {
		if err := cs.removeLoad(c.AgentID, id); err != nil {
			return nil, err
		}
	}
	return c, cs.move(id, from, StateClosing)
}

// MarkEndAttempted records that the end message is about to be sent.
func (cs *Conversations) MarkEndAttempted(id string) (*Conversation, error) {
	return cs.Update(id, func(c *Conversation) (bool, error) {
		if c.EndAttempted {
			return false, nil
		}
		c.EndAttempted = true
		return true, nil
	})
}

// Close moves a closing conversation to closed (again is a no-op): from now on the customer's
// next message starts a new conversation.
func (cs *Conversations) Close(id string) (*Conversation, error) {
	return cs.Update(id, func(c *Conversation) (bool, error) {
		switch c.State {
		case StateClosed:
			return false, nil
		case StateClosing:
			c.State, c.ClosedAt = StateClosed, cs.Now().UnixMilli()
			return true, nil
		}
		return false, errors.Wrapf(ErrConflict, "conversation %s is %s, not closing", id, c.State)
	})
}

// ClaimSetup clears SetupPending and reports whether this caller cleared it, so a new
// conversation's automatic messages run once.
func (cs *Conversations) ClaimSetup(id string) (bool, error) {
	won := false
	_, err := cs.Update(id, func(c *Conversation) (bool, error) {
		won = c.SetupPending
		c.SetupPending = false
		return won, nil
	})
	return won, err
}

// SetStatus records the agent-facing status of a conversation (free text such as "pending").
func (cs *Conversations) SetStatus(id, status string) (*Conversation, error) {
	return cs.Update(id, func(c *Conversation) (bool, error) {
		if c.State == StateClosed {
			return false, Refuse(ErrConflict, "error.conversation_closed")
		}
		c.Status = status
		return true, nil
	})
}

// SetTags replaces an open conversation's tags with what edit makes of them.
func (cs *Conversations) SetTags(id string, edit func(tags []string) ([]string, error)) (*Conversation, error) {
	return cs.Update(id, func(c *Conversation) (bool, error) {
		if c.State == StateClosed || c.State == StateClosing {
			return false, Refuse(ErrConflict, "error.conversation_closed")
		}
		tags, err := edit(c.Tags)
		if err != nil {
			return false, err
		}
		c.Tags = tags
		return true, nil
	})
}

// SetTicket links the draft ticket a closed conversation became, which completes its close.
func (cs *Conversations) SetTicket(id, ticketID string) (*Conversation, error) {
	c, err := cs.Update(id, func(c *Conversation) (bool, error) {
		c.TicketID = ticketID
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return c, cs.move(id, StateClosing, StateClosed)
}

func (cs *Conversations) move(id, from, to string) error {
	if err := store.NewIndex(cs.KV, store.ConversationIndexKey(to)).Add(id); err != nil {
		return err
	}
	return store.NewIndex(cs.KV, store.ConversationIndexKey(from)).Remove(id)
}

// WindowOpen reports whether free-form messages may be sent now.
func (c *Conversation) WindowOpen(now time.Time) bool {
	return c.LastInboundAt != 0 && now.UnixMilli() < c.WindowExpiresAt()
}

// MarkFirstResponse records when an agent's first message was sent, if none was recorded yet.
func (cs *Conversations) MarkFirstResponse(id string, at time.Time) error {
	_, err := cs.Update(id, func(c *Conversation) (bool, error) {
		if c.FirstResponseAt != 0 {
			return false, nil
		}
		c.FirstResponseAt = at.UnixMilli()
		return true, nil
	})
	return err
}
