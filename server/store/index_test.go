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
	add10, rm10 := cost(10)
	add100k, rm100k := cost(100_000)
	assert.Equal(t, add10, add100k)
	assert.Equal(t, rm10, rm100k)
	assert.LessOrEqual(t, add10, int64(6))
	assert.LessOrEqual(t, rm10, int64(6))
	t.Logf("KV calls per write: add %d, remove %d (10 and 100,000 entries alike)", add10, rm10)
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
