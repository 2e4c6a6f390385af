package bridge

import (
	"sync"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// customerCache remembers, per node, the person and open conversation behind a WhatsApp sender,
// so a known customer's message costs only the exactly-once claim and the post.
// Entries are dropped when their conversation closes (on every node, through a cluster event),
// when WhatsApp reports a different profile name or id, and after a TTL as a safety net.
type customerCache struct {
	mu      sync.Mutex
	entries map[string]cachedCustomer
	max     int
	ttl     time.Duration
}

type cachedCustomer struct {
	profileName string
	person      helpdesk.Person
	conv        helpdesk.Conversation
	at          time.Time
	// leaseUntil is when the node stops trusting that conv is open without a read (openlease.go).
	leaseUntil time.Time
}

func newCustomerCache(size int, ttl time.Duration) *customerCache {
	return &customerCache{entries: map[string]cachedCustomer{}, max: size, ttl: ttl}
}

func cacheKey(group, waID, bsuid string) string {
	if phone := helpdesk.CanonicalPhone(waID); phone != "" {
		return group + "\x00" + phone
	}
	return group + "\x00bsuid:" + bsuid
}

func (c *customerCache) get(key string, now time.Time) (cachedCustomer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.Sub(e.at) > c.ttl || e.conv.State == helpdesk.StateClosed {
		return cachedCustomer{}, false
	}
	return e, true
}

func (c *customerCache) put(key string, e cachedCustomer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.entries[key]; !exists && len(c.entries) >= c.max {
		// Bounded memory: drop an arbitrary entry; it is only a cache.
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = e
}

// forgetConversation drops every entry pointing at a conversation.
func (c *customerCache) forgetConversation(convID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.conv.ID == convID {
			delete(c.entries, k)
		}
	}
}

// forgetPerson drops every entry of a person (merged into another, or erased).
func (c *customerCache) forgetPerson(personID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.person.ID == personID {
			delete(c.entries, k)
		}
	}
}
