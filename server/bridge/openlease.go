package bridge

import (
	"cmp"
	"slices"
	"time"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// OpenLease is how long a node trusts, without reading it again, that a conversation it read as
// waiting or active is still open. A close on any node waits this long after it claims the close
// before it takes the transcript (workflow's Desk), so a message posted under a lease that was
// still running when its post returned is always in the ticket. A post whose lease ran out on
// the way is confirmed by a read afterwards (confirmOpen). The cluster event of a close only
// makes nodes forget sooner; safety does not depend on when it arrives.
const OpenLease = 500 * time.Millisecond

// minLeaseLeft is the least lease worth posting under: with less left, the read is made now,
// alongside the claim, rather than after the post.
const minLeaseLeft = OpenLease / 4

// openCheck is how a message learns that its sender's cached conversation is still open: from
// the node's lease when one is running (no call), else from a KV read started alongside the
// message's claim, costing no extra latency.
type openCheck struct {
	convID    string
	channelID string
	done      chan struct{}
	conv      *helpdesk.Conversation
	err       error
	// readAt is when the read began; a lease runs OpenLease from it.
	readAt time.Time
	// until is the running lease the check relies on instead of a read (zero when it reads).
	until time.Time
}

// channel is the cached conversation's channel, where the message will most likely be posted.
func (c *openCheck) channel() string {
	if c == nil {
		return ""
	}
	return c.channelID
}

func (in *Inbound) startOpenCheck(route Route, contact whatsapp.Contact, msg *whatsapp.Message) *openCheck {
	waID := cmp.Or(contact.WaID, msg.From)
	if !validWaID(waID) {
		return nil
	}
	c, ok := in.cached(route, contact, waID)
	if !ok || c.conv.ID == "" {
		return nil
	}
	check := &openCheck{convID: c.conv.ID, channelID: c.conv.ChannelID, done: make(chan struct{})}
	if time.Until(c.leaseUntil) > minLeaseLeft {
		conv := c.conv
		check.conv, check.until = &conv, c.leaseUntil
		close(check.done)
		return check
	}
	check.readAt = time.Now()
	go func() {
		defer close(check.done)
		check.conv, check.err = in.Conversations.Get(check.convID)
	}()
	return check
}

// resolved is who a message is from and where it goes.
type resolved struct {
	person *helpdesk.Person
	conv   *helpdesk.Conversation
	isNew  bool
	// leaseUntil is when this node stops trusting that conv is open (zero: it was closing, so
	// the post is confirmed by a read afterwards).
	leaseUntil time.Time
}

// leaseFrom is the lease a read begun at readAt gives on conv: none while it is closing.
func leaseFrom(conv *helpdesk.Conversation, readAt time.Time) time.Time {
	if conv.State != helpdesk.StateWaiting && conv.State != helpdesk.StateActive {
		return time.Time{}
	}
	return readAt.Add(OpenLease)
}

// customerFor resolves the sender's person and open conversation (with its channel), the person
// from this node's cache when WhatsApp reports nothing new about them, the conversation's being
// open from the node's lease or a KV read (check, when given, is that read, or lease, already
// under way).
func (in *Inbound) customerFor(route Route, contact whatsapp.Contact, waID string, sentAt time.Time, check *openCheck) (resolved, error) {
	var person *helpdesk.Person
	c, ok := in.cached(route, contact, waID)
	if ok {
		cached := c.person
		person = &cached
	}
	if ok && c.conv.ID != "" {
		if check == nil || check.convID != c.conv.ID {
			check = &openCheck{convID: c.conv.ID, readAt: time.Now()}
			check.conv, check.err = in.Conversations.Get(c.conv.ID)
		} else {
			<-check.done
		}
		if conv := check.conv; check.err == nil && conv.State != helpdesk.StateClosed && conv.ChannelID != "" {
			r := resolved{person: person, conv: conv, leaseUntil: check.until}
			if check.until.IsZero() {
				r.leaseUntil = leaseFrom(conv, check.readAt)
				in.remember(route, contact, waID, r)
			}
			return r, nil
		}
		in.customers().forgetConversation(c.conv.ID, check.err == nil && check.conv.State == helpdesk.StateClosed)
		c.closed = nil
		if check.err == nil && check.conv.State == helpdesk.StateClosed {
			c.closed = check.conv
		}
	} else if !ok {
		var err error
		if person, err = in.People.FromContact(waID, contact.UserID, contact.Profile.Name); err != nil {
			return resolved{}, errors.Wrap(err, "failed to resolve the customer")
		}
	}
	if !slices.Contains(person.Groups, route.Group.Name) {
		// Agents see the people of their chat groups: this one now wrote to this group.
		var err error
		if person, err = in.People.JoinGroups(person.ID, route.Group.Name); err != nil {
			return resolved{}, errors.Wrap(err, "failed to record the customer's chat group")
		}
	}
	readAt := time.Now()
	conv, isNew, err := in.conversationFor(route, person, sentAt, c.closed)
	if err != nil {
		return resolved{}, err
	}
	r := resolved{person: person, conv: conv, isNew: isNew, leaseUntil: leaseFrom(conv, readAt)}
	in.remember(route, contact, waID, r)
	return r, nil
}

// remember caches the sender's person and conversation, with the lease on its being open.
func (in *Inbound) remember(route Route, contact whatsapp.Contact, waID string, r resolved) {
	in.customers().put(cacheKey(route.Group.Name, waID, contact.UserID), cachedCustomer{
		profileName: contact.Profile.Name, person: *r.person, conv: *r.conv, at: in.now(), leaseUntil: r.leaseUntil})
}

// confirmOpen tells whether a post made in r's conversation is in it for good: yes when the
// lease was still running as the post returned (a close waits the lease out before taking its
// transcript), else when a read after the post finds the conversation not closed yet (its
// transcript is taken after it closes). A running conversation read here renews the lease.
func (in *Inbound) confirmOpen(route Route, contact whatsapp.Contact, r resolved) (bool, error) {
	if time.Now().Before(r.leaseUntil) {
		return true, nil
	}
	readAt := time.Now()
	conv, err := in.Conversations.Get(r.conv.ID)
	if errors.Is(err, helpdesk.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if conv.State == helpdesk.StateClosed {
		in.customers().forgetConversation(conv.ID, true)
		return false, nil
	}
	r.conv, r.leaseUntil = conv, leaseFrom(conv, readAt)
	in.remember(route, contact, contact.WaID, r)
	return true, nil
}
