package store

import (
	"slices"
)

// Index is an explicit, complete list of ids kept under one key, so listing never depends on
// scanning and filtering the whole KV store.
type Index struct {
	kv  KV
	key string
}

func NewIndex(kv KV, key string) *Index { return &Index{kv: kv, key: key} }

func (ix *Index) Add(id string) error {
	_, err := UpdateJSON(ix.kv, ix.key, func(ids *[]string, _ bool) (bool, error) {
		if slices.Contains(*ids, id) {
			return false, nil
		}
		*ids = append(*ids, id)
		return true, nil
	})
	return err
}

func (ix *Index) Remove(id string) error {
	_, err := UpdateJSON(ix.kv, ix.key, func(ids *[]string, _ bool) (bool, error) {
		i := slices.Index(*ids, id)
		if i < 0 {
			return false, nil
		}
		*ids = slices.Delete(*ids, i, i+1)
		return true, nil
	})
	return err
}

// List returns the ids in insertion order.
func (ix *Index) List() ([]string, error) {
	var ids []string
	_, err := GetJSON(ix.kv, ix.key, &ids)
	return ids, err
}
