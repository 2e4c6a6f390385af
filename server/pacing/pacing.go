// Package pacing holds the send-rate setting for the whole cluster. Time is cut into short
// windows, each with room for a few sends; every node takes its sends from one counter per phone
// number and window in the KV store, so three nodes together send at the configured rate, not
// three times it.
package pacing

import (
	"context"
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// targetWindow is the preferred window length: short enough that a run of sends is spread
// evenly, long enough that a window holds several sends at usual rates.
const targetWindow = 100 * time.Millisecond

// maxTakeAttempts bounds the compare-and-set loop on one window's counter.
const maxTakeAttempts = 20

// Cluster is a cluster-wide pacer for one phone number. It is safe for concurrent use; a node's
// senders take their windows one at a time, so they do not race each other for the same counter.
type Cluster struct {
	KV store.KV
	// Name identifies the paced resource (the phone number id) in the KV keys.
	Name string
	Rate float64 // sends per second for the whole cluster; <= 0 means unlimited
	// Now and Sleep are the wall clock and its wait (nil: the real ones), injectable for tests.
	// Windows are aligned to the wall clock, which the nodes of a cluster share closely enough.
	Now   func() time.Time
	Sleep func(context.Context, time.Duration) error

	mu sync.Mutex
	// seen is the count this node last read or wrote for window seenAt: the next take in that
	// window tries it without reading first, so a lone sender costs one KV call per send.
	seenAt int64
	seen   int
	// fullUpTo is the last window this node found full; later takes start after it.
	fullUpTo int64
}

// window is the length of a window and how many sends it holds at Rate.
func (p *Cluster) window() (time.Duration, int) {
	capacity := max(1, int(math.Round(p.Rate*targetWindow.Seconds())))
	return time.Duration(float64(capacity) / p.Rate * float64(time.Second)), capacity
}

// Wait blocks until the caller may send or ctx ends.
func (p *Cluster) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return errors.Wrap(err, "pacing")
	}
	if p == nil || p.Rate <= 0 {
		return nil
	}
	width, capacity := p.window()
	start, err := p.reserve(ctx, width, capacity)
	if err != nil {
		return err
	}
	if wait := start.Sub(p.now()); wait > 0 {
		if p.Sleep != nil {
			return errors.Wrap(p.Sleep(ctx, wait), "pacing")
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return errors.Wrap(ctx.Err(), "pacing")
		case <-t.C:
		}
	}
	return nil
}

func (p *Cluster) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// reserve takes a send in the first window, from now on, that has room, and returns when that
// window starts.
func (p *Cluster) reserve(ctx context.Context, width time.Duration, capacity int) (time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.now().UnixNano() / int64(width)
	w = max(w, p.fullUpTo+1)
	// A far-future window means the cluster is already booked far ahead; the bound keeps a
	// broken store from spinning here, and the caller's context bounds the wait.
	for probes := 0; probes < 10_000; probes++ {
		if err := ctx.Err(); err != nil {
			return time.Time{}, errors.Wrap(err, "pacing")
		}
		took, err := p.take(w, capacity, width)
		if err != nil {
			return time.Time{}, err
		}
		if took {
			return time.Unix(0, w*int64(width)), nil
		}
		p.fullUpTo = w
		w++
	}
	return time.Time{}, errors.New("pacing: no free send window found")
}

// take adds one send to window w's counter if it has room.
func (p *Cluster) take(w int64, capacity int, width time.Duration) (bool, error) {
	key := store.PaceKey(p.Name, w)
	// Keys outlive their window only long enough for slow nodes to see them full.
	expiry := pluginapi.SetExpiry(max(time.Minute, 10*width))
	guess := 0
	if p.seenAt == w {
		guess = p.seen
	}
	for attempt := 0; attempt < maxTakeAttempts; attempt++ {
		if guess >= capacity {
			return false, nil
		}
		var old any // nil: the key must be absent
		if guess > 0 {
			old = guess
		}
		ok, err := p.KV.Set(key, guess+1, pluginapi.SetAtomic(old), expiry)
		if err != nil {
			return false, errors.Wrap(err, "failed to take a send window")
		}
		if ok {
			p.seenAt, p.seen = w, guess+1
			return true, nil
		}
		var raw []byte
		if err := p.KV.Get(key, &raw); err != nil {
			return false, errors.Wrap(err, "failed to read a send window")
		}
		guess = 0
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &guess); err != nil {
				return false, errors.Wrap(err, "failed to decode a send window")
			}
		}
		p.seenAt, p.seen = w, guess
	}
	return false, store.ErrConflict
}
