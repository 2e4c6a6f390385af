package store

import (
	"encoding/json"
	"slices"
	"sort"
	"time"

	"github.com/pkg/errors"
)

// Index is an explicit, complete list of ids, so listing never depends on scanning the KV store.
// It is kept in chunks so that a write costs the same few KV calls with 10 or 100,000 entries:
//
//   - a head record with the next insertion slot and the size of every chunk still holding ids;
//   - chunks of up to indexChunkSize ids, chunk n holding the slots [n*size, (n+1)*size);
//   - an entry record per id with its slot, which makes Add idempotent and Remove direct.
//
// Add and Remove cost about six KV calls each; Page reads the head and the chunks it spans.
type Index struct {
	kv  KV
	key string
}

// indexChunkSize bounds one chunk's value (26-character ids: about 4 KB).
const indexChunkSize = 100

// pendingLease is how long an Add that claimed an id but did not finish (its node died) keeps
// others from completing it.
const pendingLease = time.Minute

// NewIndex returns the chunked index stored under key.
func NewIndex(kv KV, key string) *Index { return &Index{kv: kv, key: key} }

// indexHead stays a few bytes whatever the history: the next slot, how many ids are listed, and
// the first chunk that may hold any (chunks before it are all empty).
type indexHead struct {
	Next  int64 `json:"next"`
	Total int   `json:"total"`
	First int64 `json:"first"`
}

type indexSlot struct {
	Slot int64  `json:"s"`
	ID   string `json:"id"`
}

// indexEntry is an id's place; Slot < 0 while an Add is in progress (since PendingAt).
type indexEntry struct {
	Slot      int64 `json:"s"`
	PendingAt int64 `json:"p,omitempty"`
}

// lastChunk is the chunk new ids go to.
func (h *indexHead) lastChunk() int64 { return max(h.Next-1, 0) / indexChunkSize }

// Add appends id; adding an id that is already listed changes nothing.
func (ix *Index) Add(id string) error {
	entryKey := IndexEntryKey(ix.key, id)
	now := time.Now().UnixMilli()
	created, err := Insert(ix.kv, entryKey, indexEntry{Slot: -1, PendingAt: now}, 0)
	if err != nil {
		return err
	}
	if !created {
		// Listed already, or another Add is at work: take over only one whose node died.
		takeover := false
		var e indexEntry
		if _, err := UpdateJSON(ix.kv, entryKey, func(cur *indexEntry, exists bool) (bool, error) {
			e, takeover = *cur, false
			if exists && (cur.Slot >= 0 || now-cur.PendingAt < pendingLease.Milliseconds()) {
				return false, nil
			}
			*cur, takeover = indexEntry{Slot: -1, PendingAt: now}, true
			return true, nil
		}); err != nil {
			return err
		}
		if !takeover {
			if e.Slot >= 0 {
				return ix.repair(id, e.Slot)
			}
			return nil
		}
	}

	var slot int64
	if _, err := UpdateJSON(ix.kv, IndexHeadKey(ix.key), func(h *indexHead, _ bool) (bool, error) {
		slot = h.Next
		h.Next++
		h.Total++
		return true, nil
	}); err != nil {
		return err
	}
	if err := ix.appendTo(id, slot); err != nil {
		return err
	}
	return SetJSON(ix.kv, entryKey, indexEntry{Slot: slot})
}

// repair re-appends an id whose entry names a slot its chunk lacks (a node died between the
// two writes); a complete entry costs one read.
func (ix *Index) repair(id string, slot int64) error {
	var chunk []indexSlot
	if _, err := GetJSON(ix.kv, IndexChunkKey(ix.key, slot/indexChunkSize), &chunk); err != nil {
		return err
	}
	if slices.ContainsFunc(chunk, func(s indexSlot) bool { return s.ID == id }) {
		return nil
	}
	if _, err := UpdateJSON(ix.kv, IndexHeadKey(ix.key), func(h *indexHead, _ bool) (bool, error) {
		h.Total++
		h.First = min(h.First, slot/indexChunkSize)
		return true, nil
	}); err != nil {
		return err
	}
	return ix.appendTo(id, slot)
}

func (ix *Index) appendTo(id string, slot int64) error {
	_, err := UpdateJSON(ix.kv, IndexChunkKey(ix.key, slot/indexChunkSize), func(c *[]indexSlot, _ bool) (bool, error) {
		if slices.ContainsFunc(*c, func(s indexSlot) bool { return s.ID == id }) {
			return false, nil
		}
		*c = append(*c, indexSlot{Slot: slot, ID: id})
		sort.Slice(*c, func(i, j int) bool { return (*c)[i].Slot < (*c)[j].Slot })
		return true, nil
	})
	return err
}

// Remove drops id; removing an id that is not listed changes nothing.
func (ix *Index) Remove(id string) error {
	entryKey := IndexEntryKey(ix.key, id)
	var e indexEntry
	found, err := GetJSON(ix.kv, entryKey, &e)
	if err != nil || !found || e.Slot < 0 {
		return err
	}
	n := e.Slot / indexChunkSize
	removed, emptied := false, false
	// The chunk is deleted (atomically) when its last id goes, so a racing Add is never undone.
	if err := Update(ix.kv, IndexChunkKey(ix.key, n), func(old []byte) (any, error) {
		var c []indexSlot
		if len(old) > 0 {
			if err := json.Unmarshal(old, &c); err != nil {
				return nil, errors.Wrap(err, "failed to decode an index chunk")
			}
		}
		i := slices.IndexFunc(c, func(s indexSlot) bool { return s.ID == id })
		if removed = i >= 0; !removed {
			return nil, ErrNoChange
		}
		c = slices.Delete(c, i, i+1)
		if emptied = len(c) == 0; emptied {
			return nil, nil
		}
		return c, nil
	}); err != nil {
		return err
	}
	if removed {
		if _, err := UpdateJSON(ix.kv, IndexHeadKey(ix.key), func(h *indexHead, _ bool) (bool, error) {
			h.Total = max(h.Total-1, 0)
			return true, nil
		}); err != nil {
			return err
		}
	}
	if err := ix.kv.Delete(entryKey); err != nil {
		return errors.Wrap(err, "failed to delete an index entry")
	}
	if emptied {
		return ix.advanceFirst(n)
	}
	return nil
}

// advanceFirst moves the head's first chunk past the empty ones when chunk n, the first, has just
// been emptied, so listing a queue that churns never reads its history. It reads one chunk per
// empty one skipped, each at most once over the index's life.
func (ix *Index) advanceFirst(n int64) error {
	var h indexHead
	if _, err := GetJSON(ix.kv, IndexHeadKey(ix.key), &h); err != nil || h.First != n {
		return err
	}
	next := n
	for next < h.lastChunk() {
		var c []indexSlot
		if _, err := GetJSON(ix.kv, IndexChunkKey(ix.key, next), &c); err != nil {
			return err
		}
		if len(c) > 0 {
			break
		}
		next++
	}
	_, err := UpdateJSON(ix.kv, IndexHeadKey(ix.key), func(cur *indexHead, _ bool) (bool, error) {
		if cur.First != n || next == n {
			return false, nil
		}
		cur.First = next
		return true, nil
	})
	return err
}

// List returns every id in insertion order. Its cost grows with the ids listed, not with how
// many were ever added; lists that may be long should use Page.
func (ix *Index) List() ([]string, error) {
	ids, _, err := ix.Page(0, -1)
	return ids, err
}

// Page returns up to limit ids (all when limit < 0) from offset, in insertion order, and the
// number of ids listed. It reads the head and only the chunks the page spans.
func (ix *Index) Page(offset, limit int) ([]string, int, error) {
	var h indexHead
	if _, err := GetJSON(ix.kv, IndexHeadKey(ix.key), &h); err != nil {
		return nil, 0, err
	}
	var out []string
	skip := max(offset, 0)
	if skip >= h.Total || h.Next == 0 {
		return out, h.Total, nil
	}
	for n := h.First; n <= h.lastChunk(); n++ {
		if limit >= 0 && len(out) >= limit {
			break
		}
		var chunk []indexSlot
		if _, err := GetJSON(ix.kv, IndexChunkKey(ix.key, n), &chunk); err != nil {
			return nil, 0, err
		}
		for _, s := range chunk {
			if skip > 0 {
				skip--
				continue
			}
			if limit >= 0 && len(out) >= limit {
				break
			}
			out = append(out, s.ID)
		}
	}
	return out, h.Total, nil
}

// PageNewest is Page counted from the newest id backwards: it reads the head and the chunks from
// the last one down to those the page spans, so the first pages cost the same few KV calls with
// 10 or 100,000 ids listed (Page from the start would read every chunk before the page).
func (ix *Index) PageNewest(offset, limit int) ([]string, int, error) {
	var h indexHead
	if _, err := GetJSON(ix.kv, IndexHeadKey(ix.key), &h); err != nil {
		return nil, 0, err
	}
	out := []string{}
	skip := max(offset, 0)
	if skip >= h.Total || h.Next == 0 || limit == 0 {
		return out, h.Total, nil
	}
	for n := h.lastChunk(); n >= h.First && (limit < 0 || len(out) < limit); n-- {
		var chunk []indexSlot
		if _, err := GetJSON(ix.kv, IndexChunkKey(ix.key, n), &chunk); err != nil {
			return nil, 0, err
		}
		if skip >= len(chunk) {
			skip -= len(chunk)
			continue
		}
		for i := len(chunk) - 1 - skip; i >= 0 && (limit < 0 || len(out) < limit); i-- {
			out = append(out, chunk[i].ID)
		}
		skip = 0
	}
	return out, h.Total, nil
}

// Count is the number of ids listed (one KV read).
func (ix *Index) Count() (int, error) {
	var h indexHead
	_, err := GetJSON(ix.kv, IndexHeadKey(ix.key), &h)
	return h.Total, err
}

// Migrate converts a list written by earlier versions (one JSON array under the index key) to
// chunks; the plugin runs it on activation. The head is inserted last and only if absent; when
// another node got there first, each id is added the ordinary (idempotent) way.
func (ix *Index) Migrate() error {
	var legacy []string
	found, err := GetJSON(ix.kv, ix.key, &legacy)
	if err != nil || !found {
		return err
	}
	var h indexHead
	var chunk []indexSlot
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		n := chunk[0].Slot / indexChunkSize
		h.Total += len(chunk)
		_, err := Insert(ix.kv, IndexChunkKey(ix.key, n), chunk, 0)
		chunk = nil
		return err
	}
	seen := map[string]bool{}
	for _, id := range legacy {
		if seen[id] {
			continue
		}
		seen[id] = true
		slot := h.Next
		h.Next++
		if err := SetJSON(ix.kv, IndexEntryKey(ix.key, id), indexEntry{Slot: slot}); err != nil {
			return err
		}
		if chunk = append(chunk, indexSlot{Slot: slot, ID: id}); len(chunk) == indexChunkSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	created, err := Insert(ix.kv, IndexHeadKey(ix.key), h, 0)
	if err != nil {
		return err
	}
	if !created {
		for _, id := range legacy {
			if err := ix.Add(id); err != nil {
				return err
			}
		}
	}
	return errors.Wrap(ix.kv.Delete(ix.key), "failed to delete a migrated index")
}

// Drop removes every id and then the index's head, leaving no key behind (for an index that
// belongs to a record being deleted). Dropping again, or an index that never existed, is a no-op.
func (ix *Index) Drop() error {
	ids, err := ix.List()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := ix.Remove(id); err != nil {
			return err
		}
	}
	return errors.Wrap(ix.kv.Delete(IndexHeadKey(ix.key)), "failed to delete an index head")
}
