package helpdesk

import (
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Page returns one page of the conversations in a state and how many there are, reading only
// the index chunks the page spans and the page's records. Waiting and active conversations come
// in queue order (oldest first); closed ones most recently closed first, since that is what an
// agent looks for.
func (cs *Conversations) Page(state string, p Page) ([]*Conversation, int, error) {
	ix := store.NewIndex(cs.KV, store.ConversationIndexKey(state))
	var ids []string
	var total int
	var err error
	if state == StateClosed {
		if ids, total, err = ix.PageNewest(p.Offset(), p.PerPage); err != nil {
			return nil, 0, err
		}
	} else if ids, total, err = ix.Page(p.Offset(), p.PerPage); err != nil {
		return nil, 0, err
	}
	out := make([]*Conversation, 0, len(ids))
	for _, id := range ids {
		c, err := cs.Get(id)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, nil
}
