package helpdesk

import (
	"cmp"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// TicketSearchMigration names the backfill of ticket search in the migration markers.
const TicketSearchMigration = "ticket-search-v1"

// BackfillTicketSearch puts the tickets of earlier versions into search, first giving each the
// chat group (search scopes by it), tags and times of its conversation. Idempotent: a run
// interrupted midway is simply run again.
func BackfillTicketSearch(tickets *Tickets, conversations *Conversations) (int, error) {
	done := 0
	for _, status := range []string{TicketDraft, TicketSaved} {
		ids, err := store.NewIndex(tickets.KV, store.TicketIndexKey(status)).List()
		if err != nil {
			return done, err
		}
		for _, id := range ids {
			t, err := tickets.Get(id)
			if errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return done, err
			}
			if t.Group == "" {
				if err := fillFromConversation(tickets, t, conversations); err != nil {
					return done, err
				}
			}
			if err := tickets.Reindex(id); err != nil {
				return done, err
			}
			done++
		}
	}
	return done, nil
}

func fillFromConversation(tickets *Tickets, t *Ticket, conversations *Conversations) error {
	c, err := conversations.Get(t.ConversationID)
	if errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	_, err = store.UpdateJSON(tickets.KV, store.TicketKey(t.ID), func(rec *Ticket, exists bool) (bool, error) {
		if !exists || rec.Group != "" {
			return false, nil
		}
		rec.Group, rec.ConversationCreatedAt, rec.AttendedAt, rec.ClosedAt = c.Group, c.CreatedAt, c.AttendedAt, c.ClosedAt
		rec.FirstResponseAt = cmp.Or(c.FirstResponseAt, firstResponse(c.AttendedAt, rec.Transcript))
		if rec.Tags == nil {
			rec.Tags = c.Tags
		}
		return true, nil
	})
	return err
}
