package bridge

import (
	"context"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// MediaRetry is what a later attempt needs to fetch a message's media without Meta redelivering.
type MediaRetry struct {
	PhoneNumberID string           `json:"phone_number_id"`
	Contact       whatsapp.Contact `json:"contact"`
	Message       whatsapp.Message `json:"message"`
}

func (in *Inbound) scheduleMediaRetry(route Route, contact whatsapp.Contact, msg *whatsapp.Message) error {
	job := MediaRetry{PhoneNumberID: route.Group.PhoneNumberID, Contact: contact, Message: *msg}
	if err := store.SetJSON(in.KV, store.MediaRetryKey(msg.ID), job); err != nil {
		return err
	}
	return store.NewIndex(in.KV, store.MediaRetryIndexKey()).Add(msg.ID)
}

func (in *Inbound) dropMediaRetry(wamid string) error {
	if err := in.KV.Delete(store.MediaRetryKey(wamid)); err != nil {
		return errors.Wrap(err, "failed to drop a media retry")
	}
	return store.NewIndex(in.KV, store.MediaRetryIndexKey()).Remove(wamid)
}

// RetryMedia makes one more attempt at every message whose media is still missing. It runs from
// a cluster-wide job, so one node works through the list at a time.
func (in *Inbound) RetryMedia(ctx context.Context, routeFor func(phoneNumberID string) (Route, error)) (done int, err error) {
	ids, err := store.NewIndex(in.KV, store.MediaRetryIndexKey()).List()
	if err != nil {
		return 0, err
	}
	for _, wamid := range ids {
		if ctx.Err() != nil {
			return done, ctx.Err()
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
		route, err := routeFor(job.PhoneNumberID)
		if err != nil {
			in.API.LogWarn("Cannot retry WhatsApp media: its chat group is gone", "wamid", wamid, "error", err.Error())
			continue
		}
		if err := in.HandleMessage(ctx, route, job.Contact, &job.Message); err != nil {
			in.API.LogWarn("WhatsApp media retry failed", "wamid", wamid, "error", err.Error())
			continue
		}
		if rec, _, _ := in.Messages.Get(wamid); rec.State == helpdesk.MessageDone {
			done++
		}
	}
	return done, nil
}
