package webhook

import (
	"sync"
	"time"
)

// drain lets in-flight webhooks finish when the plugin is deactivated, so no message is left
// claimed by a process that is going away; requests arriving meanwhile get 503 and Meta retries.
type drain struct {
	mu       sync.Mutex
	stopping bool
	inflight int
	idle     chan struct{}
}

// enter admits a request unless the plugin is stopping.
func (d *drain) enter() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return false
	}
	d.inflight++
	return true
}

func (d *drain) leave() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.inflight--
	if d.inflight == 0 && d.idle != nil {
		close(d.idle)
		d.idle = nil
	}
}

// stop refuses new requests and waits, at most timeout, for the running ones.
func (d *drain) stop(timeout time.Duration) {
	d.mu.Lock()
	d.stopping = true
	if d.inflight == 0 {
		d.mu.Unlock()
		return
	}
	idle := make(chan struct{})
	d.idle = idle
	d.mu.Unlock()
	select {
	case <-idle:
	case <-time.After(timeout):
	}
}
