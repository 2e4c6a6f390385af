package helpdesk

import (
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// load reads one record, answering ErrNotFound (naming what) when it does not exist.
func load[T any](kv store.KV, key, what string) (*T, error) {
	var rec T
	found, err := store.GetJSON(kv, key, &rec)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errors.Wrap(ErrNotFound, what)
	}
	return &rec, nil
}

// loadIndexed reads the records an index lists, in its order, skipping ids whose record is gone.
func loadIndexed[T any](kv store.KV, indexKey string, get func(id string) (*T, error)) ([]*T, error) {
	ids, err := store.NewIndex(kv, indexKey).List()
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(ids))
	for _, id := range ids {
		rec, err := get(id)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
