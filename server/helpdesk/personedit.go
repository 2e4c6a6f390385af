package helpdesk

import (
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Bounds of what agents write about a customer.
const (
	MaxOrganizationRunes = 128
	MaxNotesRunes        = 4000
)

// PersonPatch is an agent's edit of a person; nil fields are left alone.
type PersonPatch struct {
	Name, Email, Phone, Organization, Notes *string
}

// Edit applies an agent's edit: the name and email validated as on creation, a phone that must be
// a number and belong to nobody else (refused with PhoneTaken naming its owner). The person counts
// as agent-made from then on, so a new person never takes it over.
func (pp *People) Edit(id string, patch PersonPatch) (*Person, error) {
	current, err := pp.Get(id)
	if err != nil {
		return nil, err
	}
	name, email := current.Name, current.Email
	if patch.Name != nil {
		name = *patch.Name
	}
	if patch.Email != nil {
		email = *patch.Email
	}
	if name, email, err = validPerson(name, email); err != nil {
		return nil, err
	}
	org, notes := current.Organization, current.Notes
	if patch.Organization != nil {
		if org = strings.TrimSpace(*patch.Organization); utf8.RuneCountInString(org) > MaxOrganizationRunes {
			return nil, Refuse(ErrInvalid, "error.person_org_long", "Max", MaxOrganizationRunes)
		}
	}
	if patch.Notes != nil {
		if notes = strings.TrimSpace(*patch.Notes); utf8.RuneCountInString(notes) > MaxNotesRunes {
			return nil, Refuse(ErrInvalid, "error.person_notes_long", "Max", MaxNotesRunes)
		}
	}
	phone := current.Phone
	if patch.Phone != nil {
		if phone = CanonicalPhone(*patch.Phone); len(phone) < 8 || len(phone) > 15 {
			return nil, Refuse(ErrInvalid, "error.person_phone")
		}
		if phone != current.Phone {
			if err := pp.claimPhone(id, phone); err != nil {
				return nil, err
			}
		}
	}
	p, err := store.UpdateJSON(pp.KV, store.PersonKey(id), func(p *Person, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "person %s", id)
		}
		p.Name, p.Email, p.Phone, p.Organization, p.Notes = name, email, phone, org, notes
		p.NameEdited, p.UpdatedAt = true, pp.now()
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if current.Phone != "" && current.Phone != phone {
		// The old number is free: its next message starts a new contact.
		if err := store.DeleteIfHolds(pp.KV, pp.Phones.Key(current.Phone), id); err != nil {
			return nil, err
		}
	}
	if pp.Merged != nil && phone != current.Phone {
		pp.Merged(id) // caches keyed by the old number forget the person
	}
	if err := pp.Reindex(id); err != nil {
		return nil, err
	}
	if name != current.Name || phone != current.Phone {
		return &p, pp.reindexTickets(id)
	}
	return &p, nil
}

// reindexTickets brings the search cards of a person's tickets up to date with their name and
// phone (one reindex per ticket of theirs; nothing changes for tickets whose words are the same).
func (pp *People) reindexTickets(id string) error {
	ids, err := store.NewIndex(pp.KV, store.PersonTicketsIndexKey(id)).List()
	if err != nil {
		return err
	}
	ts := &Tickets{KV: pp.KV, Now: pp.Now}
	for _, tid := range ids {
		if err := ts.Reindex(tid); err != nil {
			return err
		}
	}
	return nil
}

// claimPhone points phone at id, unless it belongs to another person who still exists.
func (pp *People) claimPhone(id, phone string) error {
	key := pp.Phones.Key(phone)
	won, err := store.Insert(pp.KV, key, id, 0)
	if err != nil || won {
		return err
	}
	var holder string
	if _, err := store.GetJSON(pp.KV, key, &holder); err != nil {
		return err
	}
	if holder == id {
		return nil
	}
	if _, err := pp.Get(holder); err == nil {
		return phoneTaken(holder, phone)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	// A key left by an interrupted erasure or merge: the phone is free.
	return moveKey(pp.KV, key, holder, id, true)
}

// Merge moves everything of the person fromID (conversations, tickets, phone, WhatsApp identity)
// to intoID and removes fromID. It happens once: the merge is claimed first (insert-if-absent), a
// claim for another target or a target being merged away itself is refused, and every step
// after the claim is idempotent, so a merge interrupted midway is completed by running it again.
func (pp *People) Merge(fromID, intoID string) (*Person, error) {
	if fromID == intoID {
		return nil, Refuse(ErrInvalid, "error.merge_self")
	}
	if _, err := pp.Get(fromID); err != nil {
		return nil, err
	}
	into, err := pp.Get(intoID)
	if err != nil {
		return nil, Refuse(ErrInvalid, "error.merge_no_target")
	}
	if err := pp.bothTalking(fromID, intoID); err != nil {
		return nil, err
	}
	won, err := store.Insert(pp.KV, store.MergeKey(fromID), intoID, 0)
	if err != nil {
		return nil, err
	}
	if !won {
		var target string
		if _, err := store.GetJSON(pp.KV, store.MergeKey(fromID), &target); err != nil {
			return nil, err
		}
		if target != intoID {
			return nil, Refuse(ErrConflict, "error.merge_busy")
		}
	}
	// Of A->B and B->A at once, both see the other's claim and both back off: never both proceed.
	var away string
	if found, err := store.GetJSON(pp.KV, store.MergeKey(intoID), &away); err != nil {
		return nil, err
	} else if found {
		if won {
			_ = store.DeleteIfHolds(pp.KV, store.MergeKey(fromID), intoID)
		}
		return nil, Refuse(ErrConflict, "error.merge_busy")
	}
	return pp.takeOver(fromID, into)
}

// bothTalking refuses a merge of two people who each have an open conversation in the same chat
// group: one person has one open conversation per group, so one of them must be closed first.
func (pp *People) bothTalking(fromID, intoID string) error {
	ids, err := store.NewIndex(pp.KV, store.PersonConversationsIndexKey(fromID)).List()
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := load[Conversation](pp.KV, store.ConversationKey(id), "conversation "+id)
		if errors.Is(err, ErrNotFound) || (err == nil && c.State == StateClosed) {
			continue
		} else if err != nil {
			return err
		}
		var open string
		if _, err := store.GetJSON(pp.KV, store.OpenConversationKey(c.Group, intoID), &open); err != nil {
			return err
		}
		if open != "" {
			return Refuse(ErrConflict, "error.merge_both_open")
		}
	}
	return nil
}
