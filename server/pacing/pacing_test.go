package pacing

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Three nodes sharing one store, sending 30 messages each at once at 50/s: no 100 ms window
// holds more than 5 sends, and together they are booked over 1.8 s, as 90 sends at 50/s must be.
func TestThreeNodesShareTheRate(t *testing.T) {
	kv := &pluginapi.MemoryStore{}
	t0 := time.Unix(1_800_000_000, 0)
	var mu sync.Mutex
	perWindow := map[time.Duration]int{}
	nodes := make([]*Cluster, 3)
	for i := range nodes {
		nodes[i] = &Cluster{KV: kv, Name: "phone-1", Rate: 50,
			Now: func() time.Time { return t0 },
			Sleep: func(_ context.Context, d time.Duration) error {
				mu.Lock()
				perWindow[d.Truncate(100*time.Millisecond)]++
				mu.Unlock()
				return nil
			}}
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		for j := 0; j < 30; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, n.Wait(context.Background()))
			}()
		}
	}
	wg.Wait()
	total, latest := 0, time.Duration(0)
	for start, n := range perWindow {
		assert.LessOrEqual(t, n, 5, "window at %v", start)
		total += n
		latest = max(latest, start)
	}
	// The first window (the current one) needs no sleep, so it is not in perWindow.
	assert.Equal(t, 90-5, total)
	assert.Equal(t, 1700*time.Millisecond, latest)
}

// A lone sender costs one KV call per send: it knows the count it wrote last.
func TestALoneSenderWritesOncePerSend(t *testing.T) {
	counting := &countingKV{MemoryStore: &pluginapi.MemoryStore{}}
	now := time.Unix(1_800_000_000, 0)
	p := &Cluster{KV: counting, Name: "phone-1", Rate: 20, Now: func() time.Time { return now },
		Sleep: func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }}
	for i := 0; i < 40; i++ {
		require.NoError(t, p.Wait(context.Background()))
	}
	assert.Equal(t, 40, counting.sets)
	assert.Equal(t, 0, counting.gets)
	assert.Equal(t, time.Unix(1_800_000_001, 900_000_000), now, "40 sends at 20/s span 1.9 s")
}

func TestUnlimitedAndCancelled(t *testing.T) {
	p := &Cluster{KV: &pluginapi.MemoryStore{}, Name: "x"}
	require.NoError(t, p.Wait(context.Background()), "rate 0 is unlimited")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Rate = 1
	assert.Error(t, p.Wait(ctx))
}

type countingKV struct {
	*pluginapi.MemoryStore
	sets, gets int
}

func (c *countingKV) Set(key string, value any, options ...pluginapi.KVSetOption) (bool, error) {
	c.sets++
	return c.MemoryStore.Set(key, value, options...)
}

func (c *countingKV) Get(key string, o any) error {
	c.gets++
	return c.MemoryStore.Get(key, o)
}
