package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingKV counts the KV calls an index makes.
type countingKV struct {
	KV
	calls atomic.Int64
}

func (c *countingKV) Set(key string, value any, o ...pluginapi.KVSetOption) (bool, error) {
	c.calls.Add(1)
	return c.KV.Set(key, value, o...)
}
func (c *countingKV) Get(key string, o any) error { c.calls.Add(1); return c.KV.Get(key, o) }
func (c *countingKV) Delete(key string) error     { c.calls.Add(1); return c.KV.Delete(key) }

func newCounting() *countingKV { return &countingKV{KV: &pluginapi.MemoryStore{}} }

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("id%05d", i)
	}
	return out
}

func TestIndexKeepsInsertionOrderAndIgnoresRepeats(t *testing.T) {
	ix := NewIndex(newCounting(), "v1/idx/t")
	for _, id := range ids(250) {
		require.NoError(t, ix.Add(id))
	}
	require.NoError(t, ix.Add("id00003"))
	require.NoError(t, ix.Remove("id00001"))
	require.NoError(t, ix.Remove("id00001"))
	require.NoError(t, ix.Remove("never-added"))
	all, err := ix.List()
	require.NoError(t, err)
	want := append([]string{"id00000"}, ids(250)[2:]...)
	assert.Equal(t, want, all)

	page, total, err := ix.Page(98, 5)
	require.NoError(t, err)
	assert.Equal(t, 249, total)
	assert.Equal(t, []string{"id00099", "id00100", "id00101", "id00102", "id00103"}, page, "a page spans two chunks")
	page, _, err = ix.Page(300, 10)
	require.NoError(t, err)
	assert.Empty(t, page)
	n, err := ix.Count()
	require.NoError(t, err)
	assert.Equal(t, 249, n)

	// A removed id can come back, at the end.
	require.NoError(t, ix.Add("id00001"))
	all, _ = ix.List()
	assert.Equal(t, "id00001", all[len(all)-1])
}

func TestIndexEmptiedChunksAreNotRead(t *testing.T) {
	kv := newCounting()
	ix := NewIndex(kv, "v1/idx/t")
	for _, id := range ids(1000) {
		require.NoError(t, ix.Add(id))
	}
	for _, id := range ids(1000)[:995] {
		require.NoError(t, ix.Remove(id))
	}
	kv.calls.Store(0)
	all, err := ix.List()
	require.NoError(t, err)
	assert.Len(t, all, 5)
	assert.LessOrEqual(t, kv.calls.Load(), int64(2), "the head and the one chunk left")
}

func TestIndexConcurrentWritersLoseNothing(t *testing.T) {
	ix := NewIndex(&pluginapi.MemoryStore{}, "v1/idx/t")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				assert.NoError(t, ix.Add(fmt.Sprintf("w%d-%d", w, i)))
				assert.NoError(t, ix.Add("shared")) // every writer adds it; it is listed once
			}
		}()
	}
	wg.Wait()
	all, err := ix.List()
	require.NoError(t, err)
	assert.Len(t, all, 8*40+1)
	n, _ := ix.Count()
	assert.Equal(t, 8*40+1, n)
}

func TestIndexCompletesAnAddWhoseNodeDied(t *testing.T) {
	kv := &pluginapi.MemoryStore{}
	ix := NewIndex(kv, "v1/idx/t")
	require.NoError(t, ix.Add("a"))

	// Died after claiming the entry, before taking a slot: taken over once the lease is over.
	require.NoError(t, SetJSON(kv, IndexEntryKey("v1/idx/t", "b"), indexEntry{Slot: -1, PendingAt: time.Now().Add(-2 * pendingLease).UnixMilli()}))
	require.NoError(t, ix.Add("b"))
	// Died after recording its slot in the head but before writing the chunk.
	require.NoError(t, SetJSON(kv, IndexEntryKey("v1/idx/t", "c"), indexEntry{Slot: 7}))
	require.NoError(t, ix.Add("c"))

	all, err := ix.List()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a", "b", "c"}, all)
}

func TestIndexMigratesTheSingleValueList(t *testing.T) {
	kv := &pluginapi.MemoryStore{}
	legacy := ids(230)
	require.NoError(t, SetJSON(kv, "v1/idx/t", legacy))
	ix := NewIndex(kv, "v1/idx/t")
	require.NoError(t, ix.Migrate())
	require.NoError(t, ix.Migrate(), "a second run finds nothing to do")
	all, err := ix.List()
	require.NoError(t, err)
	assert.Equal(t, legacy, all)
	var raw []byte
	require.NoError(t, kv.Get("v1/idx/t", &raw))
	assert.Nil(t, raw, "the old single value is gone")
	require.NoError(t, ix.Remove("id00005"))
	require.NoError(t, ix.Add("new"))
	all, _ = ix.List()
	assert.Len(t, all, 230)
	assert.Equal(t, "new", all[229])
}

func TestIndexMigrationAfterANewerNodeWrote(t *testing.T) {
	kv := &pluginapi.MemoryStore{}
	require.NoError(t, SetJSON(kv, "v1/idx/t", []string{"old1", "old2"}))
	ix := NewIndex(kv, "v1/idx/t")
	require.NoError(t, ix.Add("fresh")) // a node already running the new version
	require.NoError(t, ix.Migrate())
	all, err := ix.List()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"fresh", "old1", "old2"}, all)
}

// A write costs the same KV calls with 10 or 100,000 entries.
func TestIndexWriteCostDoesNotGrow(t *testing.T) {
	cost := func(n int) (add, remove int64) {
		kv := newCounting()
		ix := NewIndex(kv, "v1/idx/t")
		// Filled in bulk (a migrated list is the same layout as one built by Add), which keeps
		// the test fast under -race.
		require.NoError(t, SetJSON(kv, "v1/idx/t", ids(n)))
		require.NoError(t, ix.Migrate())
		kv.calls.Store(0)
		require.NoError(t, ix.Add("extra"))
		add = kv.calls.Swap(0)
		require.NoError(t, ix.Remove(fmt.Sprintf("id%05d", n/2)))
		return add, kv.calls.Load()
	}
	// Both sizes add into a chunk that already holds ids (100,010 = 1,000 full chunks and 10).
	add10, rm10 := cost(10)
	add100k, rm100k := cost(100_010)
	assert.Equal(t, add10, add100k)
	assert.Equal(t, rm10, rm100k)
	assert.LessOrEqual(t, add10, int64(6))
	assert.LessOrEqual(t, rm10, int64(6))
	// Opening a chunk (one add in 100) checks the head once more, whatever the history.
	open100k, _ := cost(100_000)
	open100, _ := cost(100)
	assert.Equal(t, open100, open100k)
	assert.LessOrEqual(t, open100, int64(7))
	t.Logf("KV calls per write: add %d (%d opening a chunk), remove %d (10 and 100,000 entries alike)", add10, open100, rm10)
}

// The newest pages cost the same whatever the history, and page through every id newest first.
func TestIndexPageNewestReadsOnlyTheChunksItSpans(t *testing.T) {
	cost := func(n int) int64 {
		kv := newCounting()
		ix := NewIndex(kv, "v1/idx/n")
		require.NoError(t, SetJSON(kv, "v1/idx/n", ids(n)))
		require.NoError(t, ix.Migrate())
		kv.calls.Store(0)
		page, total, err := ix.PageNewest(0, 20)
		require.NoError(t, err)
		assert.Equal(t, n, total)
		assert.Equal(t, fmt.Sprintf("id%05d", n-1), page[0], "newest first")
		assert.Len(t, page, min(20, n))
		return kv.calls.Load()
	}
	assert.Equal(t, cost(150), cost(100_000), "the head and the last chunk or two")

	kv := newCounting()
	ix := NewIndex(kv, "v1/idx/m")
	for _, id := range ids(250) {
		require.NoError(t, ix.Add(id))
	}
	require.NoError(t, ix.Remove("id00249"))
	require.NoError(t, ix.Remove("id00150"))
	var all []string
	for p := 0; ; p++ {
		page, total, err := ix.PageNewest(p*30, 30)
		require.NoError(t, err)
		assert.Equal(t, 248, total)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
	}
	want := ids(249)
	want = append(want[:150], want[151:]...)
	for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
		want[i], want[j] = want[j], want[i]
	}
	assert.Equal(t, want, all)
}

// BenchmarkIndexWrite reports the KV calls and time of an Add+Remove pair with 10 and 100,000
// ids listed; the 10-id case is the baseline measured in the same run.
func BenchmarkIndexWrite(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			kv := newCounting()
			ix := NewIndex(kv, "v1/idx/b")
			require.NoError(b, SetJSON(kv, "v1/idx/b", ids(n)))
			require.NoError(b, ix.Migrate())
			kv.calls.Store(0)
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("bench%d", i)
				if err := ix.Add(id); err != nil {
					b.Fatal(err)
				}
				if err := ix.Remove(id); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(kv.calls.Load())/float64(b.N), "kv-calls/op")
		})
	}
}

// A list whose ids mostly left (drafts that were saved) reads only the chunks still holding some,
// however far apart they are.
func TestIndexReadsSkipEmptiedChunks(t *testing.T) {
	kv := newCounting()
	ix := NewIndex(kv, "v1/idx/e")
	all := ids(3_000)
	require.NoError(t, SetJSON(kv, "v1/idx/e", all)) // filled in bulk, as in the tests above
	require.NoError(t, ix.Migrate())
	keep := map[string]bool{"id00005": true, "id01500": true, "id02999": true}
	for _, id := range all {
		if !keep[id] {
			require.NoError(t, ix.Remove(id))
		}
	}
	kv.calls.Store(0)
	page, total, err := ix.PageNewest(0, 100)
	require.NoError(t, err)
	assert.Equal(t, []string{"id02999", "id01500", "id00005"}, page)
	assert.Equal(t, 3, total)
	assert.Equal(t, int64(4), kv.calls.Swap(0), "the head and the three chunks left")
	page, _, err = ix.Page(1, 100)
	require.NoError(t, err)
	assert.Equal(t, []string{"id01500", "id02999"}, page)
	assert.Equal(t, int64(4), kv.calls.Swap(0))

	var h indexHead
	_, err = GetJSON(kv, IndexHeadKey("v1/idx/e"), &h)
	require.NoError(t, err)
	assert.Equal(t, [][2]int64{{0, 0}, {15, 15}, {29, 29}}, h.Runs, "a few numbers, not the history")

	// The emptied newest chunk leaves the map; the next Add opens (and maps) another.
	require.NoError(t, ix.Remove("id02999"))
	require.NoError(t, ix.Add("fresh"))
	page, _, err = ix.PageNewest(0, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"fresh", "id01500"}, page)
}

// Two lists that share one order (a chat group's drafts and saved tickets, in creation order):
// an id moves from one to the other and keeps its place; reads stay a few KV calls though the
// slots are far apart.
func TestIndexPlaceKeepsTheCallersOrder(t *testing.T) {
	kv := newCounting()
	drafts, saved := NewIndex(kv, "v1/idx/d"), NewIndex(kv, "v1/idx/s")
	const base = 1_000_000_000
	// Slots 1..3 were given to tickets of an earlier version, the others count from base.
	for i, slot := range []int64{1, 2, 3, base, base + 1, base + 2, base + 3} {
		require.NoError(t, drafts.Place(fmt.Sprintf("t%d", i), slot, 1000+int64(i)))
	}
	require.NoError(t, drafts.Place("t3", base+40, 99), "placing again changes nothing")
	for _, id := range []string{"t1", "t3", "t5"} {
		require.NoError(t, saved.Place(id, map[string]int64{"t1": 2, "t3": base, "t5": base + 2}[id], 0))
		require.NoError(t, drafts.Remove(id))
	}
	list, err := saved.List()
	require.NoError(t, err)
	assert.Equal(t, []string{"t1", "t3", "t5"}, list, "in creation order, not the order they were saved in")
	list, err = drafts.List()
	require.NoError(t, err)
	assert.Equal(t, []string{"t0", "t2", "t4", "t6"}, list)

	kv.calls.Store(0)
	w, err := drafts.Newest()
	require.NoError(t, err)
	assert.Equal(t, 4, w.Total())
	var walked []Entry
	for {
		e, ok, err := w.Next()
		require.NoError(t, err)
		if !ok {
			break
		}
		walked = append(walked, e)
	}
	assert.Equal(t, []Entry{{"t6", base + 3, 1006}, {"t4", base + 1, 1004}, {"t2", 3, 1002}, {"t0", 1, 1000}}, walked)
	assert.Equal(t, int64(3), kv.calls.Load(), "the head and the two chunks holding ids")

	// An index written by an earlier version cannot be placed into (reading it walks every chunk).
	require.NoError(t, SetJSON(kv, IndexHeadKey("v1/idx/old"), indexHead{Next: 3, Total: 3}))
	assert.Error(t, NewIndex(kv, "v1/idx/old").Place("x", base, 0))
	assert.Error(t, drafts.Place("x", -1, 0))
}

// Ids added and removed at once in the same chunks, from several writers: whatever the
// interleaving, every id left is read back, and no emptied chunk hides one.
func TestIndexChurnLeavesEveryIDVisible(t *testing.T) {
	ix := NewIndex(&pluginapi.MemoryStore{}, "v1/idx/c")
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				id := fmt.Sprintf("w%d-%d", w, i)
				assert.NoError(t, ix.Add(id))
				if i%3 != 0 {
					assert.NoError(t, ix.Remove(id))
				}
			}
		}()
	}
	wg.Wait()
	all, err := ix.List()
	require.NoError(t, err)
	var want []string
	for w := range 6 {
		for i := 0; i < 60; i += 3 {
			want = append(want, fmt.Sprintf("w%d-%d", w, i))
		}
	}
	assert.ElementsMatch(t, want, all)
	newest, total, err := ix.PageNewest(0, -1)
	require.NoError(t, err)
	assert.ElementsMatch(t, want, newest)
	assert.Equal(t, len(want), total)
}

// A head written by an earlier version (no chunk map) still reads and writes as before.
func TestIndexOfAnEarlierVersionStillWorks(t *testing.T) {
	kv := newCounting()
	const key = "v1/idx/legacy"
	var chunk0, chunk1 []indexSlot
	for i, id := range ids(150) {
		if i < 100 {
			chunk0 = append(chunk0, indexSlot{Slot: int64(i), ID: id})
		} else {
			chunk1 = append(chunk1, indexSlot{Slot: int64(i), ID: id})
		}
		require.NoError(t, SetJSON(kv, IndexEntryKey(key, id), indexEntry{Slot: int64(i)}))
	}
	require.NoError(t, SetJSON(kv, IndexChunkKey(key, 0), chunk0))
	require.NoError(t, SetJSON(kv, IndexChunkKey(key, 1), chunk1))
	require.NoError(t, SetJSON(kv, IndexHeadKey(key), map[string]any{"next": 150, "total": 150, "first": 0}))
	ix := NewIndex(kv, key)
	require.NoError(t, ix.Add("new"))
	for _, id := range ids(100) {
		require.NoError(t, ix.Remove(id))
	}
	all, err := ix.List()
	require.NoError(t, err)
	assert.Equal(t, append(ids(150)[100:], "new"), all)
	page, total, err := ix.PageNewest(0, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"new", "id00149"}, page)
	assert.Equal(t, 51, total)
}

// A walk that starts at a time skips the chunks after it by halving, and misses nothing at or
// before it though times run back a little against the slots (clocks of several nodes).
func TestWalkerSkipAfterHalvesDownToTheTime(t *testing.T) {
	kv := newCounting()
	ix := NewIndex(kv, "v1/idx/w")
	at := func(slot int) int64 { return int64(slot*10 + []int{0, 4, -4, 2}[slot%4]) } // runs back up to 8
	for slot := range 2_000 {
		require.NoError(t, ix.Place(fmt.Sprintf("id%05d", slot), int64(slot), at(slot)))
	}
	for _, until := range []int64{-1, 5, 4_321, 12_345, 19_990, 25_000} {
		kv.calls.Store(0)
		w, err := ix.Newest()
		require.NoError(t, err)
		require.NoError(t, w.SkipAfter(until+8))
		seek := kv.calls.Load()
		var got []string
		for {
			e, ok, err := w.Next()
			require.NoError(t, err)
			if !ok || e.At < until-8 {
				break
			}
			if e.At <= until {
				got = append(got, e.ID)
			}
		}
		var want []string
		for slot := 1_999; slot >= 0 && at(slot) >= until-8; slot-- {
			if at(slot) <= until {
				want = append(want, fmt.Sprintf("id%05d", slot))
			}
		}
		assert.Equal(t, want, got, "until %d", until)
		assert.LessOrEqual(t, seek, int64(1+5), "the head and a read per halving of 20 chunks (until %d)", until)
	}
}
