package whatsapp

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a manual clock; sleeping records the wait without advancing.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	waits  []time.Duration
	cancel bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	if c.cancel {
		return context.Canceled
	}
	return ctx.Err()
}

func TestRateLimiterPaces(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	l := newRateLimiter(10, 1, clk.Now, clk.Sleep)
	ctx := context.Background()

	require.NoError(t, l.Wait(ctx)) // the burst token
	assert.Empty(t, clk.waits)

	// Concurrent callers at the same instant reserve successive slots.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, l.Wait(ctx))
		}()
	}
	wg.Wait()
	waits := append([]time.Duration(nil), clk.waits...)
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 400 * time.Millisecond}
	require.Len(t, waits, 4)
	for i := range want {
		assert.InDelta(t, float64(want[i]), float64(waits[i]), float64(time.Millisecond))
	}

	// Time passing refills the bucket, up to the burst only.
	clk.Advance(10 * time.Second)
	clk.waits = nil
	require.NoError(t, l.Wait(ctx))
	require.NoError(t, l.Wait(ctx))
	require.Len(t, clk.waits, 1, "burst of 1: the second call waits")
}

func TestRateLimiterBurst(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	l := newRateLimiter(80, 5, clk.Now, clk.Sleep)
	for range 5 {
		require.NoError(t, l.Wait(context.Background()))
	}
	assert.Empty(t, clk.waits)
	require.NoError(t, l.Wait(context.Background()))
	assert.Len(t, clk.waits, 1)
}

func TestRateLimiterCancelRefunds(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	l := newRateLimiter(1, 1, clk.Now, clk.Sleep)
	require.NoError(t, l.Wait(context.Background()))

	clk.cancel = true
	assert.ErrorIs(t, l.Wait(context.Background()), context.Canceled)
	clk.cancel = false

	// The abandoned slot was given back: the next caller waits one interval, not two.
	clk.waits = nil
	require.NoError(t, l.Wait(context.Background()))
	require.Len(t, clk.waits, 1)
	assert.InDelta(t, float64(time.Second), float64(clk.waits[0]), float64(time.Millisecond))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, l.Wait(ctx), context.Canceled, "a done context fails at once")
}

func TestRateLimiterUnlimited(t *testing.T) {
	var nilLimiter *RateLimiter
	assert.NoError(t, nilLimiter.Wait(context.Background()))
	l := NewRateLimiter(0, 1)
	for range 1000 {
		require.NoError(t, l.Wait(context.Background()))
	}
}

func TestRateLimiterRealTime(t *testing.T) {
	l := NewRateLimiter(100, 1)
	start := time.Now()
	for range 6 {
		require.NoError(t, l.Wait(context.Background()))
	}
	assert.GreaterOrEqual(t, time.Since(start), 45*time.Millisecond, "5 intervals of 10 ms")
}
