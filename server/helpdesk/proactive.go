package helpdesk

import (
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// ForPhone finds the person with a canonical phone, creating one an agent is about to write to
// (named after the number, until WhatsApp reports their profile name).
func (pp *People) ForPhone(phone string) (*Person, error) {
	id, err := pp.lookup(phone, "")
	if err != nil {
		return nil, err
	}
	if id != "" {
		p, err := pp.Get(id)
		if err == nil {
			return p, nil
		}
		if !isNotFound(err) {
			return nil, err
		}
		// A key left by an interrupted erasure: the phone is free again.
		_ = pp.KV.Delete(pp.Phones.Key(phone))
	}
	if id, err = pp.create(phone, phone, "", ""); err != nil {
		return nil, err
	}
	if err := pp.Reindex(id); err != nil {
		return nil, err
	}
	return pp.Get(id)
}

// OpenOf returns the person's open conversation in a chat group, or nil when there is none.
func (cs *Conversations) OpenOf(group, personID string) (*Conversation, error) {
	var id string
	if _, err := store.GetJSON(cs.KV, store.OpenConversationKey(group, personID), &id); err != nil || id == "" {
		return nil, err
	}
	c, err := cs.Get(id)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil || c.State == StateClosed {
		return nil, err
	}
	return c, nil
}

// OfPerson returns up to limit of a person's most recent conversations, newest first. It reads
// the tail of the person's index only, whatever their history.
func (cs *Conversations) OfPerson(personID string, limit int) ([]*Conversation, error) {
	return newestIndexed(cs.KV, store.PersonConversationsIndexKey(personID), limit, cs.Get)
}

// Previous is the person's conversation before convID (nil for their first).
func (cs *Conversations) Previous(personID, convID string) (*Conversation, error) {
	recent, err := cs.OfPerson(personID, 3)
	if err != nil {
		return nil, err
	}
	for i, c := range recent {
		if c.ID == convID {
			if i+1 < len(recent) {
				return recent[i+1], nil
			}
			return nil, nil
		}
	}
	if len(recent) > 0 && recent[0].ID != convID {
		return recent[0], nil
	}
	return nil, nil
}

// OfPerson returns up to limit of the tickets whose customer is personID, newest first.
func (ts *Tickets) OfPerson(personID string, limit int) ([]*Ticket, error) {
	return newestIndexed(ts.KV, store.PersonTicketsIndexKey(personID), limit, ts.Get)
}

// newestIndexed reads the last limit ids of an index (newest first) and their records.
func newestIndexed[T any](kv store.KV, key string, limit int, get func(id string) (*T, error)) ([]*T, error) {
	ix := store.NewIndex(kv, key)
	total, err := ix.Count()
	if err != nil {
		return nil, err
	}
	ids, _, err := ix.Page(max(total-limit, 0), limit)
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		rec, err := get(ids[i])
		if isNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
