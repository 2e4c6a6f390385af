package bridge

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// statusRank orders delivery states; statuses arrive unordered and only ever move forward.
func statusRank(s string) int {
	switch s {
	case "sent":
		return 1
	case "delivered":
		return 2
	case "read", "played":
		return 3
	}
	return 0
}

// deliveryRecord is the forward-only delivery state of one sent message.
type deliveryRecord struct {
	Status string `json:"status"`
	At     int64  `json:"at"`
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// advance applies a status if it moves the message forward: sent < delivered < read; failed
// replaces anything short of read, and a later delivered/read (multi-device) replaces failed.
func (r *deliveryRecord) advance(st whatsapp.Status) bool {
	if st.Status == StatusFailed {
		if r.Status == StatusFailed || statusRank(r.Status) >= 3 {
			return false
		}
		r.Status = StatusFailed
		if len(st.Errors) > 0 {
			r.Code = st.Errors[0].Code
			r.Reason = strings.TrimSpace(st.Errors[0].Title + ". " + st.Errors[0].ErrorData.Details)
		}
		return true
	}
	newRank := statusRank(st.Status)
	if newRank == 0 {
		return false
	}
	if r.Status == StatusFailed {
		if newRank < 2 {
			return false
		}
	} else if newRank <= statusRank(r.Status) {
		return false
	}
	r.Status, r.Code, r.Reason = st.Status, 0, ""
	return true
}

// HandleStatus applies a delivery status to the post it belongs to. Duplicates and stale
// statuses change nothing; a failure adds a thread reply with WhatsApp's code and reason once.
// Only the wamid → post records the plugin wrote when it sent map a status to a post:
// biz_opaque_callback_data is never trusted to name one (another tool on the same number sets
// it as it likes), so a status for a message the plugin did not send touches nothing.
func (o *Outbound) HandleStatus(st whatsapp.Status) error {
	if st.ID == "" {
		return nil
	}
	var postID string
	if _, err := store.GetJSON(o.KV, store.OutboundKey(st.ID), &postID); err != nil {
		return err
	}
	if postID == "" {
		if strings.HasPrefix(st.BizOpaqueCallbackData, BizPostTag) {
			// Possibly ours, arriving before the send recorded its wamid: keep the state, so
			// the send's own refresh of its post finds it. No post is touched from here.
			_, err := store.UpdateJSON(o.KV, store.DeliveryKey(st.ID), func(r *deliveryRecord, _ bool) (bool, error) {
				if !r.advance(st) {
					return false, nil
				}
				r.At = whatsapp.ParseTimestamp(st.Timestamp).UnixMilli()
				return true, nil
			})
			return err
		}
		return nil // not one of ours (sent from another tool on the same number)
	}
	advanced := false
	rec, err := store.UpdateJSON(o.KV, store.DeliveryKey(st.ID), func(r *deliveryRecord, _ bool) (bool, error) {
		advanced = r.advance(st)
		if advanced {
			r.At = whatsapp.ParseTimestamp(st.Timestamp).UnixMilli()
		}
		return advanced, nil
	})
	if err != nil || !advanced {
		return err
	}
	post, err := o.refreshPostDelivery(postID, []string{st.ID}, nil)
	var appErr *model.AppError
	if errors.As(err, &appErr) && permanentRefusal(appErr) {
		// The post is gone (deleted by its agent, erased): the record keeps the state.
		o.API.LogWarn("A WhatsApp status names a post that no longer exists", "wamid", st.ID, "post_id", postID)
		return nil
	}
	if err != nil {
		return err
	}
	if rec.Status == StatusFailed {
		o.replyFailure(post, o.Texts.T(o.Texts.ForServer(), "outbound.status_failed", map[string]any{"Code": rec.Code, "Reason": rec.Reason}))
	}
	return nil
}

// refreshPostDelivery rewrites a post's delivery props from the delivery records, which are the
// truth: concurrent statuses may update the post in any order, so each writer recomputes from
// the records and checks that nothing moved while it wrote.
func (o *Outbound) refreshPostDelivery(postID string, wamids []string, failure error) (*model.Post, error) {
	for attempt := 0; ; attempt++ {
		post, appErr := o.API.GetPost(postID)
		if appErr != nil {
			return nil, errors.Wrap(appErr, "failed to load a post to record its delivery")
		}
		all := stringList(post.GetProp(wapost.PropWAMIDs))
		for _, w := range wamids {
			if !slices.Contains(all, w) {
				all = append(all, w)
			}
		}
		statuses, err := o.deliveryStatuses(all)
		if err != nil {
			return nil, err
		}
		updated := post.Clone()
		if len(all) > 0 {
			list := make([]any, len(all))
			for i, w := range all {
				list[i] = w
			}
			updated.AddProp(wapost.PropWAMIDs, list)
			updated.AddProp(wapost.PropWAMID, all[0])
			updated.AddProp("wa_statuses", statuses)
		}
		summary, reason := summarize(statuses)
		var ps *postState
		if errors.As(failure, &ps) {
			summary, reason = ps.Status, ps.Reason
		} else if failure != nil {
			summary, reason = StatusFailed, failure.Error()
		} else if len(all) == 0 {
			summary = "not_sent"
		}
		updated.AddProp(wapost.PropStatus, summary)
		if reason != "" {
			updated.AddProp(wapost.PropFailure, reason)
		}
		if _, appErr := o.API.UpdatePost(updated); appErr != nil {
			return nil, errors.Wrap(appErr, "failed to record a post's delivery")
		}
		again, err := o.deliveryStatuses(all)
		if err != nil || attempt >= 3 || maps.Equal(again, statuses) {
			return post, err
		}
	}
}

// deliveryStatuses reads the delivery state of each wamid; no record yet means accepted (sent).
func (o *Outbound) deliveryStatuses(wamids []string) (map[string]any, error) {
	out := make(map[string]any, len(wamids))
	for _, w := range wamids {
		var rec deliveryRecord
		if _, err := store.GetJSON(o.KV, store.DeliveryKey(w), &rec); err != nil {
			return nil, err
		}
		switch rec.Status {
		case "":
			out[w] = StatusSent
		case StatusFailed:
			out[w] = fmt.Sprintf("%s:%d:%s", StatusFailed, rec.Code, rec.Reason)
		default:
			out[w] = rec.Status
		}
	}
	return out, nil
}

func stringList(v any) []string {
	var out []string
	switch list := v.(type) {
	case []any:
		for _, x := range list {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = append(out, list...)
	}
	return out
}

// summarize is a post's overall state: failed (with the reason) if any part failed, else its
// least advanced part.
func summarize(statuses map[string]any) (summary, reason string) {
	lowest := 4
	for _, v := range statuses {
		s, _ := v.(string)
		if rest, ok := strings.CutPrefix(s, StatusFailed+":"); ok {
			return StatusFailed, rest
		}
		if r := statusRank(s); r < lowest {
			summary, lowest = s, r
		}
	}
	return summary, ""
}
