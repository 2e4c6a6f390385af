package whatsapp

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/pkg/errors"
)

// RateLimiter is a token bucket that paces calls to at most perSecond, with
// bursts of up to burst calls. A nil limiter, or one with a non-positive rate,
// never waits. It is safe for concurrent use.
type RateLimiter struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time

	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// NewRateLimiter returns a limiter at perSecond (0 = unlimited) allowing
// bursts of burst calls (at least 1).
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	return newRateLimiter(perSecond, burst, time.Now, sleepContext)
}

func newRateLimiter(perSecond float64, burst int, now func() time.Time, sleep func(context.Context, time.Duration) error) *RateLimiter {
	if burst < 1 {
		burst = 1
	}
	return &RateLimiter{
		rate:   perSecond,
		burst:  float64(burst),
		tokens: float64(burst),
		last:   now(),
		now:    now,
		sleep:  sleep,
	}
}

// Wait blocks until the caller may proceed or ctx ends. Each caller reserves
// its slot before sleeping, so concurrent waiters are spread out rather than
// released together.
func (l *RateLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return errors.Wrap(err, "rate limiter")
	}
	if l == nil || l.rate <= 0 || math.IsInf(l.rate, 1) {
		return nil
	}

	l.mu.Lock()
	now := l.now()
	if elapsed := now.Sub(l.last).Seconds(); elapsed > 0 {
		l.tokens = math.Min(l.burst, l.tokens+elapsed*l.rate)
	}
	l.last = now
	l.tokens--
	deficit := -l.tokens
	l.mu.Unlock()

	if deficit <= 0 {
		return nil
	}
	wait := time.Duration(deficit / l.rate * float64(time.Second))
	if err := l.sleep(ctx, wait); err != nil {
		// Give the reserved slot back: this caller will not use it.
		l.mu.Lock()
		l.tokens = math.Min(l.burst, l.tokens+1)
		l.mu.Unlock()
		return errors.Wrap(err, "rate limiter")
	}
	return nil
}

// sleepContext sleeps for d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
