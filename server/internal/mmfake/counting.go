package mmfake

import (
	"sort"
	"sync"

	"github.com/mattermost/mattermost/server/public/plugin"
)

// callCounter counts plugin.API calls by method.
type callCounter struct {
	mu     sync.Mutex
	counts map[string]int64
}

func (c *Counting) count(method string) {
	c.calls.mu.Lock()
	c.calls.counts[method]++
	c.calls.mu.Unlock()
}

// NewCounting wraps api so every call the plugin makes is counted.
func NewCounting(api plugin.API) *Counting {
	return &Counting{api: api, calls: &callCounter{counts: map[string]int64{}}}
}

// Wrap points the counter at api (a plugin's new API after a restart) and returns it, keeping
// the counts.
func (c *Counting) Wrap(api plugin.API) *Counting {
	c.api = api
	return c
}

// Calls returns the calls counted so far, by method.
func (c *Counting) Calls() map[string]int64 {
	c.calls.mu.Lock()
	defer c.calls.mu.Unlock()
	out := make(map[string]int64, len(c.calls.counts))
	for k, v := range c.calls.counts {
		out[k] = v
	}
	return out
}

// Total is the number of calls counted so far.
func (c *Counting) Total() int64 {
	var n int64
	for _, v := range c.Calls() {
		n += v
	}
	return n
}

// Reset forgets the calls counted so far.
func (c *Counting) Reset() {
	c.calls.mu.Lock()
	c.calls.counts = map[string]int64{}
	c.calls.mu.Unlock()
}

// Methods lists the counted methods, most called first.
func (c *Counting) Methods() []string {
	calls := c.Calls()
	names := make([]string, 0, len(calls))
	for k := range calls {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return calls[names[i]] > calls[names[j]] })
	return names
}
