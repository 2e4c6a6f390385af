package helpdesk

import (
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// PersonIndexesMigration names the backfill of per-person indexes in the migration markers.
const PersonIndexesMigration = "person-indexes-v1"

// BackfillPersonIndexes lists every existing conversation and ticket under its person and gives
// people created before chat groups existed the groups they wrote to (otherwise no agent would
// see them). Everything it does is idempotent, so a run interrupted midway is simply run again;
// the caller runs it once per cluster and marks it done.
func BackfillPersonIndexes(kv store.KV, people *People, conversations *Conversations) (int, error) {
	done := 0
	for _, state := range []string{StateWaiting, StateActive, StateClosing, StateClosed} {
		ids, err := store.NewIndex(kv, store.ConversationIndexKey(state)).List()
		if err != nil {
			return done, err
		}
		for _, id := range ids {
			c, err := conversations.Get(id)
			if errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return done, err
			}
			if err := store.NewIndex(kv, store.PersonConversationsIndexKey(c.PersonID)).Add(c.ID); err != nil {
				return done, err
			}
			if _, err := people.JoinGroups(c.PersonID, c.Group); err != nil && !errors.Is(err, ErrNotFound) {
				return done, err
			}
			done++
		}
	}
	for _, status := range []string{TicketDraft, TicketSaved} {
		ids, err := store.NewIndex(kv, store.TicketIndexKey(status)).List()
		if err != nil {
			return done, err
		}
		for _, id := range ids {
			var t Ticket
			found, err := store.GetJSON(kv, store.TicketKey(id), &t)
			if err != nil {
				return done, err
			}
			if !found || t.CustomerID == "" {
				continue
			}
			if err := store.NewIndex(kv, store.PersonTicketsIndexKey(t.CustomerID)).Add(t.ID); err != nil {
				return done, err
			}
			done++
		}
	}
	return done, nil
}

// PeopleSearchMigration indexes the people of earlier versions for search.
const PeopleSearchMigration = "people-search-v1"

// BackfillPeopleSearch puts every listed person into the search index, a batch at a time
// (People.IndexAll, which is idempotent, so a rerun after a crash only finishes the job).
func BackfillPeopleSearch(kv store.KV, people *People) (int, error) {
	ids, err := store.NewIndex(kv, store.PeopleIndexKey()).List()
	if err != nil {
		return 0, err
	}
	const batch = 500
	done := 0
	for from := 0; from < len(ids); from += batch {
		var persons []*Person
		for _, id := range ids[from:min(from+batch, len(ids))] {
			p, err := people.Get(id)
			if errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return done, err
			}
			persons = append(persons, p)
		}
		if err := people.IndexAll(persons); err != nil {
			return done, err
		}
		done += len(persons)
	}
	return done, nil
}
