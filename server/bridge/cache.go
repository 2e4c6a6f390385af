package bridge

import (
	"sync"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// customerCache remembers, per node, the person and open conversation behind a WhatsApp sender,
// so a known customer's message costs only the exactly-once claim and the post.
// An entry's conversation is dropped when it closes (on every node, through a cluster event);
// entries are dropped when WhatsApp reports a different profile name or id, when the person is
// merged or erased, and after a TTL as a safety net.
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
	// closed is the conversation of the person that this node saw close last (State closed), so
	// the next one is opened without reading the pointer and it again (helpdesk.Conversations.Open).
	closed *helpdesk.Conversation
	at     time.Time
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
	if !ok || now.Sub(e.at) > c.ttl {
		return cachedCustomer{}, false
	}
	if e.conv.State == helpdesk.StateClosed {
		closed := e.conv
		e.conv, e.closed = helpdesk.Conversation{}, &closed
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

// forgetConversation drops a conversation from every entry pointing at it; the person stays, so
// the customer's next message opens their next conversation without reading them again.
// closed tells whether the conversation is known closed (a close never reverts), which the
// entry keeps for opening the next one.
func (c *customerCache) forgetConversation(convID string, closed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.conv.ID == convID {
			e.closed = nil
			if closed {
				was := e.conv
				was.State = helpdesk.StateClosed
				e.closed = &was
			}
			e.conv, e.leaseUntil = helpdesk.Conversation{}, time.Time{}
			c.entries[k] = e
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
