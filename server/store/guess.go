package store

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/mattermost/mattermost/server/public/pluginapi"
)

// Guesses wraps a KV and remembers the last value this node read or wrote of a key that is
// often read, or written, just before Update changes it (index heads and chunks,
// conversation records, open-conversation pointers, the credits, send records). Update then tries its compare-and-set
// against that value first and skips the read when nobody else wrote the key since; a stale
// guess costs one failed compare-and-set, after which Update reads as it always did. A guess is
// never trusted for anything but that attempt: a callback that would change nothing on it is run
// again on the value read.
//
// It also makes a node's own updates of a hot shared record (index heads and chunks, the credit
// counters) wait for each other. A burst of sends registers a hundred in-flight records at once on
// one node; racing each other, they cost O(n²) failed compare-and-sets on the index head (60 KV
// calls a send in BenchmarkOutboundPacedCluster). In turn, each tries against the value the one
// before wrote, so only other nodes still race.
type Guesses struct {
	KV
	mu      sync.Mutex
	entries map[string][]byte
	max     int

	locksMu sync.Mutex
	locks   map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	holders int // those holding or waiting; the lock is dropped at 0
}

// maxGuessBytes leaves large values (long chunks of other lists) to the plain read.
const maxGuessBytes = 16 << 10

// NewGuesses wraps kv, remembering at most size keys.
func NewGuesses(kv KV, size int) *Guesses {
	return &Guesses{KV: kv, entries: map[string][]byte{}, max: size, locks: map[string]*keyLock{}}
}

// serialized reports whether this node's updates of key take turns. Only keys whose update
// callbacks never update another key qualify (store/index.go, helpdesk/credits.go), so a turn
// never waits for another.
func serialized(key string) bool {
	if key == prefix+"credits" {
		return true
	}
	return strings.HasPrefix(key, prefix+"idx/") && (strings.HasSuffix(key, "/h") || strings.Contains(key, "/c/"))
}

// turn waits for this node's other updates of key to finish and returns the function that ends
// this one's turn.
func (g *Guesses) turn(key string) (done func()) {
	if !serialized(key) {
		return func() {}
	}
	g.locksMu.Lock()
	l := g.locks[key]
	if l == nil {
		l = &keyLock{}
		g.locks[key] = l
	}
	l.holders++
	g.locksMu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		g.locksMu.Lock()
		if l.holders--; l.holders == 0 {
			delete(g.locks, key)
		}
		g.locksMu.Unlock()
	}
}

// guessed reports whether key is one whose value is worth remembering.
func guessed(key string) bool {
	if strings.HasPrefix(key, prefix+"conv/") || strings.HasPrefix(key, prefix+"open/") || key == prefix+"credits" ||
		strings.HasPrefix(key, prefix+"outrec/") { // a send's steps update the record it just wrote
		return true
	}
	if strings.HasSuffix(key, "/h") || strings.Contains(key, "/c/") {
		return strings.HasPrefix(key, prefix+"idx/")
	}
	return false
}

func (g *Guesses) guess(key string) ([]byte, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	v, ok := g.entries[key]
	return v, ok
}

func (g *Guesses) remember(key string, value []byte) {
	if !guessed(key) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(value) > maxGuessBytes {
		delete(g.entries, key)
		return
	}
	if _, exists := g.entries[key]; !exists && len(g.entries) >= g.max {
		for k := range g.entries { // bounded memory: drop an arbitrary guess
			delete(g.entries, k)
			break
		}
	}
	g.entries[key] = value
}

func (g *Guesses) forget(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.entries, key)
}

// Set writes through and remembers what a successful write stored (pluginapi encodes a value
// that is not []byte as JSON, and so does this).
func (g *Guesses) Set(key string, value any, options ...pluginapi.KVSetOption) (bool, error) {
	ok, err := g.KV.Set(key, value, options...)
	if !guessed(key) {
		return ok, err
	}
	if err != nil || !ok || value == nil {
		g.forget(key)
		return ok, err
	}
	raw, isBytes := value.([]byte)
	if !isBytes {
		var mErr error
		if raw, mErr = json.Marshal(value); mErr != nil {
			g.forget(key)
			return ok, err
		}
	}
	g.remember(key, raw)
	return ok, err
}

// Get reads through and remembers a raw value read (what GetJSON and Update read).
func (g *Guesses) Get(key string, o any) error {
	err := g.KV.Get(key, o)
	if raw, ok := o.(*[]byte); ok && err == nil && guessed(key) {
		g.remember(key, append([]byte(nil), *raw...))
	}
	return err
}

// Delete deletes through and forgets the key.
func (g *Guesses) Delete(key string) error {
	g.forget(key)
	return g.KV.Delete(key)
}
