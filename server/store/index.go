package store

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/pkg/errors"
)

// Index is an explicit, complete list of ids, so listing never depends on scanning the KV store.
// It is kept in chunks so that a write costs the same few KV calls with 10 or 100,000 entries:
//
//   - a head record with the next insertion slot, the number of ids, and which chunks may hold
//     any (Runs);
//   - chunks of up to indexChunkSize ids, chunk n holding the slots [n*size, (n+1)*size);
//   - an entry record per id with its slot, which makes Add idempotent and Remove direct.
//
// Add and Remove cost about six KV calls each (one more when a chunk is opened or emptied); Page
// reads the head and the chunks it spans, skipping the emptied ones. Add appends; Place puts an id
// at a slot the caller chooses, so that several indexes share one order (a ticket's creation).
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

// indexHead holds the next slot, how many ids are listed, and which chunks may hold any. Heads
// written before Runs existed are not Mapped: every chunk from First (chunks before it are all
// empty) to the last may hold ids. A Mapped head lists in Runs, as ascending [from, to] ranges,
// every chunk that may hold ids, so that reads skip the emptied ones: a list whose entries mostly
// left (drafts that were saved) or were placed far apart reads only the chunks that still hold
// some. Runs stay a few numbers where a list is dense; a list emptied here and there takes a range
// per stretch of chunks still holding ids.
type indexHead struct {
	Next   int64      `json:"next"`
	Total  int        `json:"total"`
	First  int64      `json:"first"`
	Mapped bool       `json:"mapped,omitempty"`
	Runs   [][2]int64 `json:"runs,omitempty"`
}

// indexSlot is one listed id; At is the time it was placed with (0 when added with Add).
type indexSlot struct {
	Slot int64  `json:"s"`
	ID   string `json:"id"`
	At   int64  `json:"at,omitempty"`
}

// Entry is one listed id with its slot and the time it was placed with.
type Entry struct {
	ID   string
	Slot int64
	At   int64
}

// indexEntry is an id's place; Slot < 0 while an Add is in progress (since PendingAt).
type indexEntry struct {
	Slot      int64 `json:"s"`
	PendingAt int64 `json:"p,omitempty"`
}

// lastChunk is the chunk new ids go to.
func (h *indexHead) lastChunk() int64 { return max(h.Next-1, 0) / indexChunkSize }

// below is the newest chunk under chunk n that may hold ids (math.MaxInt64 for the newest of all).
func (h *indexHead) below(n int64) (int64, bool) {
	if !h.Mapped {
		if h.Next == 0 {
			return 0, false
		}
		n = min(n-1, h.lastChunk())
		return n, n >= h.First
	}
	for i := len(h.Runs) - 1; i >= 0; i-- {
		if r := h.Runs[i]; r[0] < n {
			return min(r[1], n-1), true
		}
	}
	return 0, false
}

// above is the oldest chunk over chunk n that may hold ids (-1 for the oldest of all).
func (h *indexHead) above(n int64) (int64, bool) {
	if !h.Mapped {
		n = max(n+1, h.First)
		return n, h.Next > 0 && n <= h.lastChunk()
	}
	for _, r := range h.Runs {
		if r[1] > n {
			return max(r[0], n+1), true
		}
	}
	return 0, false
}

// mark records that chunk n may hold ids and reports whether the head changed.
func (h *indexHead) mark(n int64) bool {
	if !h.Mapped {
		return false
	}
	i := sort.Search(len(h.Runs), func(i int) bool { return h.Runs[i][1] >= n })
	if i < len(h.Runs) && h.Runs[i][0] <= n {
		return false // marked already
	}
	joinsPrev := i > 0 && h.Runs[i-1][1] == n-1
	joinsNext := i < len(h.Runs) && h.Runs[i][0] == n+1
	switch {
	case joinsPrev && joinsNext:
		h.Runs[i-1][1] = h.Runs[i][1]
		h.Runs = slices.Delete(h.Runs, i, i+1)
	case joinsPrev:
		h.Runs[i-1][1] = n
	case joinsNext:
		h.Runs[i][0] = n
	default:
		h.Runs = slices.Insert(h.Runs, i, [2]int64{n, n})
	}
	h.syncFirst()
	return true
}

// syncFirst keeps First at the first mapped chunk: a node of an earlier version that rewrites the
// head (without Runs) then walks from there, as it always did.
func (h *indexHead) syncFirst() {
	if len(h.Runs) > 0 {
		h.First = h.Runs[0][0]
	}
}

// unmark records that chunk n holds no ids.
func (h *indexHead) unmark(n int64) {
	i := sort.Search(len(h.Runs), func(i int) bool { return h.Runs[i][1] >= n })
	if i == len(h.Runs) || h.Runs[i][0] > n {
		return
	}
	r := h.Runs[i]
	var parts [][2]int64
	if r[0] < n {
		parts = append(parts, [2]int64{r[0], n - 1})
	}
	if n < r[1] {
		parts = append(parts, [2]int64{n + 1, r[1]})
	}
	h.Runs = slices.Replace(h.Runs, i, i+1, parts...)
	h.syncFirst()
}

// chunks is how many chunks may hold ids.
func (h *indexHead) chunks() int64 {
	if !h.Mapped {
		if h.Next == 0 {
			return 0
		}
		return h.lastChunk() - h.First + 1
	}
	var n int64
	for _, r := range h.Runs {
		n += r[1] - r[0] + 1
	}
	return n
}

// chunkAt is the p-th (from 0, oldest first) of the chunks that may hold ids.
func (h *indexHead) chunkAt(p int64) int64 {
	if !h.Mapped {
		return h.First + p
	}
	for _, r := range h.Runs {
		if size := r[1] - r[0] + 1; p >= size {
			p -= size
		} else {
			return r[0] + p
		}
	}
	return h.lastChunk()
}

// marked reports whether chunk n may hold ids.
func (h *indexHead) marked(n int64) bool {
	if !h.Mapped {
		return n >= h.First && n <= h.lastChunk()
	}
	i := sort.Search(len(h.Runs), func(i int) bool { return h.Runs[i][1] >= n })
	return i < len(h.Runs) && h.Runs[i][0] <= n
}

// Add appends id; adding an id that is already listed changes nothing.
func (ix *Index) Add(id string) error { return ix.add(id, -1, 0) }

// Place lists id at slot, with the time at (which Newest hands back, for merging several
// indexes): for lists that share one order, such as a chat group's tickets in creation order
// whatever their status. Placing an id that is listed already changes nothing. Only indexes
// created by this version may be placed into (their heads are mapped), since reading an older
// one walks every chunk up to the highest slot.
func (ix *Index) Place(id string, slot, at int64) error {
	if slot < 0 {
		return errors.Errorf("cannot place %s at a negative slot in %s", id, ix.key)
	}
	return ix.add(id, slot, at)
}

// add lists id at slot, or at the next one when slot < 0.
func (ix *Index) add(id string, slot, at int64) error {
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
				return ix.repair(id, e.Slot, at)
			}
			return nil
		}
	}

	placed := slot >= 0
	if _, err := UpdateJSON(ix.kv, IndexHeadKey(ix.key), func(h *indexHead, exists bool) (bool, error) {
		if !exists {
			h.Mapped = true // a new index: its chunks are mapped from the start
		}
		if !placed {
			slot = h.Next
		} else if !h.Mapped {
			return false, errors.Errorf("cannot place ids in %s, an index of an earlier version", ix.key)
		}
		h.Next = max(h.Next, slot+1)
		h.Total++
		h.mark(slot / indexChunkSize)
		return true, nil
	}); err != nil {
		return err
	}
	if err := ix.appendTo(id, slot, at); err != nil {
		return err
	}
	return SetJSON(ix.kv, entryKey, indexEntry{Slot: slot})
}

// repair re-appends an id whose entry names a slot its chunk lacks (a node died between the
// two writes); a complete entry costs one read.
func (ix *Index) repair(id string, slot, at int64) error {
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
		h.mark(slot / indexChunkSize)
		return true, nil
	}); err != nil {
		return err
	}
	return ix.appendTo(id, slot, at)
}

// appendTo writes id into its slot's chunk. A chunk it brings back from empty is marked again
// afterwards: a Remove that emptied the chunk may have unmarked it after this Add marked it.
func (ix *Index) appendTo(id string, slot, at int64) error {
	n := slot / indexChunkSize
	opened := false
	if _, err := UpdateJSON(ix.kv, IndexChunkKey(ix.key, n), func(c *[]indexSlot, _ bool) (bool, error) {
		opened = false // run again when a guessed value was stale (store.Guesses)
		if slices.ContainsFunc(*c, func(s indexSlot) bool { return s.ID == id }) {
			return false, nil
		}
		opened = len(*c) == 0
		*c = append(*c, indexSlot{Slot: slot, ID: id, At: at})
		sort.SliceStable(*c, func(i, j int) bool { return (*c)[i].Slot < (*c)[j].Slot })
		return true, nil
	}); err != nil {
		return err
	}
	if opened {
		return ix.ensureMarked(n)
	}
	return nil
}

// ensureMarked marks chunk n in a mapped head that lacks it (one read when it is marked).
func (ix *Index) ensureMarked(n int64) error {
	var h indexHead
	if _, err := GetJSON(ix.kv, IndexHeadKey(ix.key), &h); err != nil || !h.Mapped || h.marked(n) {
		return err
	}
	_, err := UpdateJSON(ix.kv, IndexHeadKey(ix.key), func(h *indexHead, _ bool) (bool, error) {
		return h.mark(n), nil
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
	mapped := false
	if removed {
		if _, err := UpdateJSON(ix.kv, IndexHeadKey(ix.key), func(h *indexHead, _ bool) (bool, error) {
			h.Total = max(h.Total-1, 0)
			if mapped = h.Mapped; mapped && emptied {
				h.unmark(n)
			}
			return true, nil
		}); err != nil {
			return err
		}
	}
	if err := ix.kv.Delete(entryKey); err != nil {
		return errors.Wrap(err, "failed to delete an index entry")
	}
	switch {
	case !emptied:
		return nil
	case mapped:
		// An Add may have written into the chunk since it was emptied: read it again, and mark it
		// again if it holds ids (its own check may have run before the unmark above).
		var c []indexSlot
		if _, err := GetJSON(ix.kv, IndexChunkKey(ix.key, n), &c); err != nil || len(c) == 0 {
			return err
		}
		return ix.ensureMarked(n)
	default:
		return ix.advanceFirst(n)
	}
}

// advanceFirst moves an unmapped head's first chunk past the empty ones when chunk n, the first,
// has just been emptied, so listing a queue that churns never reads its history. It reads one chunk per
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
	for n, ok := h.above(-1); ok; n, ok = h.above(n) {
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
	for n, ok := h.below(math.MaxInt64); ok && (limit < 0 || len(out) < limit); n, ok = h.below(n) {
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

// Walker reads an index from its newest id back, one chunk at a time as it is asked for more: the
// merge of several indexes (Newest) reads of each only what the page takes.
type Walker struct {
	ix    *Index
	head  indexHead
	chunk int64
	more  bool
	buf   []indexSlot // the current chunk's ids not yet handed out, oldest first
}

// Newest starts a Walker (one KV read: the head).
func (ix *Index) Newest() (*Walker, error) {
	w := &Walker{ix: ix, chunk: math.MaxInt64, more: true}
	if _, err := GetJSON(ix.kv, IndexHeadKey(ix.key), &w.head); err != nil {
		return nil, err
	}
	return w, nil
}

// Total is the number of ids listed when the walk started.
func (w *Walker) Total() int { return w.head.Total }

// SkipAfter moves a walk not started yet past the newest chunks that hold only ids placed after
// at, finding them by halving (a KV read each) instead of reading down to them. It relies on the
// ids' times rising with their slots; a caller whose times may run back by a margin (clocks of
// several nodes) adds it to at. A chunk found to hold an id at or before at is where the walk
// starts, so nothing at or before at is skipped even where times do not rise.
func (w *Walker) SkipAfter(at int64) error {
	// Positions 0..count-1 are the chunks that may hold ids, oldest first. lo ends at a chunk not
	// wholly after at (or -1), hi at the lowest found wholly after it (or count): every chunk over
	// hi holds only later ids, since their slots follow hi's.
	lo, hi := int64(-1), w.head.chunks()
	var loChunk []indexSlot
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		var chunk []indexSlot
		if _, err := GetJSON(w.ix.kv, IndexChunkKey(w.ix.key, w.head.chunkAt(mid)), &chunk); err != nil {
			return err
		}
		after := len(chunk) > 0
		for _, s := range chunk {
			after = after && s.At > at
		}
		if after {
			hi = mid
		} else {
			lo, loChunk = mid, chunk
		}
	}
	switch {
	case loChunk != nil:
		w.chunk, w.buf = w.head.chunkAt(lo), loChunk // read already: the walk starts in it
	case hi < w.head.chunks():
		w.chunk = w.head.chunkAt(hi)
	}
	return nil
}

// Peek answers the next id without taking it; false when the walk is over.
func (w *Walker) Peek() (Entry, bool, error) {
	for len(w.buf) == 0 {
		if !w.more {
			return Entry{}, false, nil
		}
		if w.chunk, w.more = w.head.below(w.chunk); !w.more {
			return Entry{}, false, nil
		}
		w.buf = nil
		if _, err := GetJSON(w.ix.kv, IndexChunkKey(w.ix.key, w.chunk), &w.buf); err != nil {
			return Entry{}, false, err
		}
	}
	s := w.buf[len(w.buf)-1]
	return Entry{ID: s.ID, Slot: s.Slot, At: s.At}, true, nil
}

// Next answers the next id and takes it; false when the walk is over.
func (w *Walker) Next() (Entry, bool, error) {
	e, ok, err := w.Peek()
	if ok {
		w.buf = w.buf[:len(w.buf)-1]
	}
	return e, ok, err
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
	h := indexHead{Mapped: true}
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
	if h.Next > 0 {
		h.Runs = [][2]int64{{0, h.lastChunk()}}
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
