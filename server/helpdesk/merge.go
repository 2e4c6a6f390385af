package helpdesk

import (
	"encoding/json"
	"slices"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// PhoneTaken refuses a new person whose phone belongs to a person agents created or edited:
// PersonID names that person, so the panel can offer it instead.
type PhoneTaken struct {
	*Problem
	PersonID string
}

// Unwrap exposes the Problem (message and kind) behind the refusal.
func (e *PhoneTaken) Unwrap() error { return e.Problem }

func phoneTaken(personID, phone string) error {
	problem := &Problem{Kind: ErrConflict, ID: "error.phone_taken", Data: map[string]any{"Phone": FormatPhone(phone)}}
	return &PhoneTaken{Problem: problem, PersonID: personID}
}

// AgentMade reports whether agents created or edited the person; such a person is never taken
// over by a new one (a contact WhatsApp created and nobody touched is).
func (p *Person) AgentMade() bool { return p.NameEdited }

// takeOver moves everything of the person fromID to the person into: its WhatsApp identity, phone and BSUID keys, open-conversation pointers,
// conversations and tickets; then fromID is removed. Every step is idempotent and ordered so
// that a message arriving meanwhile finds its open conversation through either person.
func (pp *People) takeOver(fromID string, into *Person) (*Person, error) {
	from, err := pp.Get(fromID)
	if err != nil {
		return nil, err
	}
	convIDs, err := store.NewIndex(pp.KV, store.PersonConversationsIndexKey(fromID)).List()
	if err != nil {
		return nil, err
	}
	var convs []*Conversation
	for _, id := range convIDs {
		c, err := load[Conversation](pp.KV, store.ConversationKey(id), "conversation "+id)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		convs = append(convs, c)
	}
	fromTalking := false
	for _, c := range convs {
		if c.State != StateClosed {
			fromTalking = true
		}
	}
	// 1. The new person gets the contact's identity and groups, and the open conversations.
	updated, err := store.UpdateJSON(pp.KV, store.PersonKey(into.ID), func(p *Person, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "person %s", into.ID)
		}
		// The survivor keeps its own WhatsApp identity; one it lacks, or the number of a customer
		// talking right now, comes from the contact.
		if p.WaID == "" || (fromTalking && from.WaID != "") {
			p.WaID = from.WaID
		}
		if p.BSUID == "" {
			p.BSUID = from.BSUID
		}
		// One human asked to stop from one of their numbers: the survivor respects it.
		p.OptedOut = p.OptedOut || from.OptedOut
		if p.Phone == "" {
			p.Phone = from.Phone
		}
		for _, g := range from.Groups {
			if !slices.Contains(p.Groups, g) {
				p.Groups = append(p.Groups, g)
			}
		}
		p.UpdatedAt = pp.now()
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range convs {
		var open string
		if _, err := store.GetJSON(pp.KV, store.OpenConversationKey(c.Group, fromID), &open); err != nil {
			return nil, err
		}
		if open == c.ID {
			if _, err := store.Insert(pp.KV, store.OpenConversationKey(c.Group, into.ID), c.ID, 0); err != nil {
				return nil, err
			}
		}
	}
	// 2. WhatsApp's next message now finds the new person.
	if err := moveKey(pp.KV, pp.Phones.Key(from.Phone), fromID, into.ID, from.Phone != ""); err != nil {
		return nil, err
	}
	if err := moveKey(pp.KV, store.BSUIDKey(from.BSUID), fromID, into.ID, from.BSUID != ""); err != nil {
		return nil, err
	}
	// 3. Conversations and tickets change hands.
	toConvs := store.NewIndex(pp.KV, store.PersonConversationsIndexKey(into.ID))
	for _, c := range convs {
		if _, err := store.UpdateJSON(pp.KV, store.ConversationKey(c.ID), func(rec *Conversation, exists bool) (bool, error) {
			if !exists || rec.PersonID != fromID {
				return false, nil
			}
			rec.PersonID = into.ID
			return true, nil
		}); err != nil {
			return nil, err
		}
		if err := toConvs.Add(c.ID); err != nil {
			return nil, err
		}
		if err := store.DeleteIfHolds(pp.KV, store.OpenConversationKey(c.Group, fromID), c.ID); err != nil {
			return nil, err
		}
	}
	ticketIDs, err := store.NewIndex(pp.KV, store.PersonTicketsIndexKey(fromID)).List()
	if err != nil {
		return nil, err
	}
	toTickets := store.NewIndex(pp.KV, store.PersonTicketsIndexKey(into.ID))
	for _, id := range ticketIDs {
		if _, err := store.UpdateJSON(pp.KV, store.TicketKey(id), func(t *Ticket, exists bool) (bool, error) {
			if !exists || t.CustomerID != fromID {
				return false, nil
			}
			t.CustomerID = into.ID
			return true, nil
		}); err != nil {
			return nil, err
		}
		if err := toTickets.Add(id); err != nil {
			return nil, err
		}
		// Its search card names the new customer.
		if err := (&Tickets{KV: pp.KV, Now: pp.Now}).Reindex(id); err != nil {
			return nil, err
		}
	}
	// 4. The contact is gone.
	if err := pp.remove(fromID); err != nil {
		return nil, err
	}
	if pp.Merged != nil {
		pp.Merged(fromID)
	}
	return &updated, pp.Reindex(updated.ID)
}

// remove deletes a person's record, its listing and its own indexes (not what they list).
func (pp *People) remove(id string) error {
	for _, key := range []string{store.PersonConversationsIndexKey(id), store.PersonTicketsIndexKey(id)} {
		if err := store.NewIndex(pp.KV, key).Drop(); err != nil {
			return err
		}
	}
	if err := store.NewIndex(pp.KV, store.PeopleIndexKey()).Remove(id); err != nil {
		return err
	}
	if err := pp.Unindex(id); err != nil {
		return err
	}
	return errors.Wrap(pp.KV.Delete(store.PersonKey(id)), "failed to delete a person")
}

// moveKey points key at to when it points at from or at nothing (compare-and-set); without do
// nothing happens.
func moveKey(kv store.KV, key, from, to string, do bool) error {
	if !do {
		return nil
	}
	return store.Update(kv, key, func(old []byte) (any, error) {
		var current string
		if len(old) > 0 {
			_ = json.Unmarshal(old, &current)
		}
		if current != from && current != "" {
			return nil, store.ErrNoChange
		}
		return to, nil
	})
}
