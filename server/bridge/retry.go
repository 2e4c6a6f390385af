package bridge

import (
	"context"
	"sync"
	"time"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// MediaRetry is what a later attempt needs to fetch a message's media without Meta redelivering,
// and where its tries stand: a transient failure backs off until NextAttemptAt, and the tries end
// a day after FirstFailedAt (a fixed point: later failures never move it).
type MediaRetry struct {
	PhoneNumberID string           `json:"phone_number_id"`
	Contact       whatsapp.Contact `json:"contact"`
	Message       whatsapp.Message `json:"message"`
	FirstFailedAt int64            `json:"first_failed_at,omitempty"`
	NextAttemptAt int64            `json:"next_attempt_at,omitempty"`
	Attempts      int              `json:"attempts,omitempty"`
	LastError     string           `json:"last_error,omitempty"`
}

// MediaRetryItemTimeout bounds one retry attempt, so a slow transfer cannot hold a whole round.
var MediaRetryItemTimeout = 2 * time.Minute

func (in *Inbound) scheduleMediaRetry(route Route, contact whatsapp.Contact, msg *whatsapp.Message) error {
	now := in.now()
	job := MediaRetry{PhoneNumberID: route.Group.PhoneNumberID, Contact: contact, Message: *msg,
		FirstFailedAt: now.UnixMilli(), NextAttemptAt: now.Add(mediaBackoff(1)).UnixMilli(), Attempts: 1}
	if err := store.SetJSON(in.KV, store.MediaRetryKey(msg.ID), job); err != nil {
		return err
	}
	return store.NewIndex(in.KV, store.MediaRetryIndexKey()).Add(msg.ID)
}

// mediaJob loads the retry record of a message, or starts one (a record from before the tries
// were counted starts its day now).
func (in *Inbound) mediaJob(route Route, contact whatsapp.Contact, msg *whatsapp.Message) (MediaRetry, bool) {
	var job MediaRetry
	found, err := store.GetJSON(in.KV, store.MediaRetryKey(msg.ID), &job)
	if err != nil || !found {
		job = MediaRetry{PhoneNumberID: route.Group.PhoneNumberID, Contact: contact, Message: *msg}
	}
	if job.FirstFailedAt == 0 {
		job.FirstFailedAt = in.now().UnixMilli()
	}
	return job, found
}

func (in *Inbound) dropMediaRetry(wamid string) error {
	if err := in.KV.Delete(store.MediaRetryKey(wamid)); err != nil {
		return errors.Wrap(err, "failed to drop a media retry")
	}
	return store.NewIndex(in.KV, store.MediaRetryIndexKey()).Remove(wamid)
}

// RetryMedia makes one more attempt at every message whose media is still missing and whose
// backoff has passed. It runs from a cluster-wide job, so one node works through the list at a
// time; the attempts run side by side (bounded by the media transfer slots), each under its
// own timeout, so one slow transfer does not starve the rest of the round.
func (in *Inbound) RetryMedia(ctx context.Context) (done int, err error) {
	ids, err := store.NewIndex(in.KV, store.MediaRetryIndexKey()).List()
	if err != nil {
		return 0, err
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		first error
	)
	workers := make(chan struct{}, cap(in.mediaSlots()))
	now := in.now().UnixMilli()
	for _, wamid := range ids {
		if ctx.Err() != nil {
			break
		}
		var job MediaRetry
		found, err := store.GetJSON(in.KV, store.MediaRetryKey(wamid), &job)
		if err != nil {
			return done, err
		}
		rec, recFound, err := in.Messages.Get(wamid)
		if err != nil {
			return done, err
		}
		if !found || !recFound || rec.State == helpdesk.MessageDone {
			if err := in.dropMediaRetry(wamid); err != nil {
				return done, err
			}
			continue
		}
		if job.NextAttemptAt > now {
			continue // backing off
		}
		route, err := in.Routes.ForNumber(job.PhoneNumberID)
		if err != nil {
			in.API.LogWarn("Cannot retry WhatsApp media: its chat group is gone", "wamid", wamid, "error", err.Error())
			continue
		}
		select {
		case workers <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(wamid string, job MediaRetry) {
			defer wg.Done()
			defer func() { <-workers }()
			itemCtx, cancel := context.WithTimeout(ctx, MediaRetryItemTimeout)
			defer cancel()
			if err := in.HandleMessage(itemCtx, route, job.Contact, &job.Message); err != nil {
				in.API.LogWarn("WhatsApp media retry failed", "wamid", wamid, "error", err.Error())
				return
			}
			rec, _, err := in.Messages.Get(wamid)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			if rec.State == helpdesk.MessageDone {
				done++
			}
		}(wamid, job)
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return done, first
}
