package helpdesk

import (
	"time"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Message processing states. A wamid is "done" only once its post (and files) are stored; a
// "partial" message has a placeholder post whose media still has to be fetched.
const (
	MessageProcessing = "processing"
	MessagePartial    = "partial"
	MessageDone       = "done"
)

// MessageRecord is the exactly-once bookkeeping of one inbound wamid.
type MessageRecord struct {
	State          string `json:"state"`
	PostID         string `json:"post_id,omitempty"`
	ChannelID      string `json:"channel_id,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
	LeaseUntil     int64  `json:"lease_until,omitempty"`
	ClaimedAt      int64  `json:"claimed_at,omitempty"`
	// RecoveringSince is set (not stored) when this claim took over one whose holder presumably
	// crashed at that time: its post may exist already and must be looked for, not made again.
	RecoveringSince int64 `json:"-"`
}

// ClaimResult is the outcome of a claim.
type ClaimResult int

const (
	// ClaimWon means this caller processes the message (PostID is set when resuming a partial one).
	ClaimWon ClaimResult = iota
	// ClaimDone means the message was already processed; a duplicate delivery.
	ClaimDone
	// ClaimBusy means another delivery is processing it right now.
	ClaimBusy
)

// Messages claims inbound wamids so each is processed exactly once across goroutines and nodes.
type Messages struct {
	KV  store.KV
	Now func() time.Time
	// Lease is how long a claim blocks other deliveries before its holder is presumed crashed;
	// it must outlast the slowest processing (media downloads), so it follows the Graph timeout.
	Lease func() time.Duration
	// Retention keeps done records long enough to absorb Meta's redeliveries (up to 7 days).
	Retention time.Duration
}

// Claim tries to take wamid for processing. A crashed holder's claim expires after Lease, and a
// partial message can be taken over to finish its media. channelID, when known (a known
// customer's open conversation), is where the post will be: a claim that names it needs no done
// mark, because its post, found there, is the proof (see Posted).
func (m *Messages) Claim(wamid, channelID string) (ClaimResult, MessageRecord, error) {
	key := store.MessageKey(wamid)
	now := m.Now()
	lease := now.Add(m.Lease()).UnixMilli()
	// The claim carries the retention expiry from the start, so it can be the only write.
	claim := MessageRecord{State: MessageProcessing, ChannelID: channelID, LeaseUntil: lease, ClaimedAt: now.UnixMilli()}
	won, err := store.Insert(m.KV, key, claim, m.Retention)
	if err != nil || won {
		return ClaimWon, claim, err
	}
	result := ClaimBusy
	recovering := int64(0)
	rec, err := store.UpdateJSON(m.KV, key, func(r *MessageRecord, exists bool) (bool, error) {
		recovering = 0
		switch {
		case !exists:
			// Released between our insert and this read: take it now.
			*r = claim
			result = ClaimWon
			return true, nil
		case r.State == MessageDone:
			result = ClaimDone
			return false, nil
		case r.State == MessagePartial:
			r.State, r.LeaseUntil = MessageProcessing, lease
			result = ClaimWon
			return true, nil
		case r.LeaseUntil < now.UnixMilli():
			recovering = r.ClaimedAt
			if recovering == 0 {
				recovering = r.LeaseUntil - m.Lease().Milliseconds()
			}
			r.State, r.LeaseUntil, r.ClaimedAt = MessageProcessing, lease, now.UnixMilli()
			result = ClaimWon
			return true, nil
		}
		result = ClaimBusy
		return false, nil
	})
	rec.RecoveringSince = recovering
	return result, rec, err
}

// Complete records that the message's post and files are stored.
func (m *Messages) Complete(wamid string, rec MessageRecord) error {
	rec.State, rec.LeaseUntil = MessageDone, 0
	_, err := m.KV.Set(store.MessageKey(wamid), rec, pluginapi.SetExpiry(m.Retention))
	return errors.Wrap(err, "failed to mark message done")
}

// Partial records a placeholder post whose media must still be fetched.
func (m *Messages) Partial(wamid string, rec MessageRecord) error {
	rec.State, rec.LeaseUntil = MessagePartial, 0
	_, err := m.KV.Set(store.MessageKey(wamid), rec, pluginapi.SetExpiry(m.Retention))
	return errors.Wrap(err, "failed to mark message partial")
}

// Release gives a claim back after a failure so Meta's redelivery can process it.
func (m *Messages) Release(wamid string) error {
	return store.Update(m.KV, store.MessageKey(wamid), func(_ []byte) (any, error) {
		return nil, nil
	})
}

// Get returns the record of wamid, if any.
func (m *Messages) Get(wamid string) (MessageRecord, bool, error) {
	var rec MessageRecord
	found, err := store.GetJSON(m.KV, store.MessageKey(wamid), &rec)
	return rec, found, err
}
