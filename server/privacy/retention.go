package privacy

import (
	"context"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// retentionPage is how many closed conversations one look reads.
const retentionPage = 100

// ActorSystem is the audit's actor for what the plugin erased by itself.
const ActorSystem = "system"

// EnforceRetention erases the closed conversations that closed more than days ago, the way an
// erasure does (their channels' posts and files, their records), keeping their tickets without
// the transcript; it also finishes erasures that stopped midway. The closed list is in closing
// order, so it reads only as far as the old conversations go. days <= 0 keeps everything.
func (s *Service) EnforceRetention(ctx context.Context, days int) (Counts, error) {
	var total Counts
	if err := s.finishErasures(ctx); err != nil {
		return total, err
	}
	if days <= 0 {
		return total, nil
	}
	cutoff := s.Now().Add(-time.Duration(days) * 24 * time.Hour).UnixMilli()
	ix := store.NewIndex(s.KV, store.ConversationIndexKey(helpdesk.StateClosed))
	offset := 0
	for ctx.Err() == nil {
		ids, _, err := ix.Page(offset, retentionPage)
		if err != nil {
			return total, err
		}
		if len(ids) == 0 {
			break
		}
		expired := 0
		for _, id := range ids {
			conv, err := s.Conversations.Get(id)
			if errors.Is(err, helpdesk.ErrNotFound) {
				offset++ // listed without a record: nothing to erase, left to the index
				continue
			} else if err != nil {
				return total, err
			}
			closedAt := conv.ClosedAt
			if closedAt == 0 {
				closedAt = conv.CreatedAt
			}
			if conv.State != helpdesk.StateClosed || closedAt >= cutoff {
				offset++
				continue
			}
			n, err := s.eraseConversation(id, true)
			total.add(n)
			if err != nil {
				return total, err
			}
			expired++
		}
		if expired == 0 {
			break // the rest closed later
		}
	}
	if total.Conversations > 0 {
		now := s.Now().UnixMilli()
		entry := AuditEntry{ID: model.NewId(), At: now, ActorID: ActorSystem, Reason: ReasonRetention, Counts: total}
		if err := s.audit(entry); err != nil {
			return total, err
		}
		s.API.LogInfo("WhatsApp Helpdesk erased closed conversations past the retention period (LGPD)",
			"audit_id", entry.ID, "days", days, "conversations", total.Conversations, "posts", total.Posts)
	}
	return total, nil
}

// finishErasures completes the erasures that a stopped node left midway.
func (s *Service) finishErasures(ctx context.Context) error {
	ids, err := store.NewIndex(s.KV, store.ErasuresIndexKey()).List()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return nil //nolint:nilerr // out of time: the next round goes on
		}
		var job erasure
		found, err := store.GetJSON(s.KV, store.ErasureKey(id), &job)
		if err != nil {
			return err
		}
		// A fresh erasure is still running on some node; only a stalled one is taken over.
		if found && s.Now().UnixMilli()-job.StartedAt < stalledErasure.Milliseconds() {
			continue
		}
		if !found {
			if err := store.NewIndex(s.KV, store.ErasuresIndexKey()).Remove(id); err != nil {
				return err
			}
			continue
		}
		if _, err := s.erasePerson(job.ActorID, id); err != nil && !errors.Is(err, helpdesk.ErrNotFound) {
			return err
		}
	}
	return nil
}

// stalledErasure is how long an erasure may run before the job presumes its node died.
const stalledErasure = 10 * time.Minute
