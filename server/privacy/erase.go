package privacy

import (
	"encoding/json"
	"net/http"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
)

// Erasure reasons recorded in the audit.
const (
	ReasonRequest   = "request"   // an admin erased a person
	ReasonRetention = "retention" // the retention job erased old closed conversations
)

// Counts is how much an erasure removed.
type Counts struct {
	Conversations int `json:"conversations"`
	Tickets       int `json:"tickets"`
	Posts         int `json:"posts"`
	Files         int `json:"files"`
	Records       int `json:"records"`
}

func (c *Counts) add(o Counts) {
	c.Conversations += o.Conversations
	c.Tickets += o.Tickets
	c.Posts += o.Posts
	c.Files += o.Files
	c.Records += o.Records
}

// AuditEntry records an erasure without personal data: who, when, why and how much.
type AuditEntry struct {
	ID      string `json:"id"`
	At      int64  `json:"at"`
	ActorID string `json:"actor_id"`
	Reason  string `json:"reason"`
	Counts
}

// erasure is the progress of one person's erasure: ids only, deleted when it completes.
type erasure struct {
	AuditID   string `json:"audit_id"`
	StartedAt int64  `json:"started_at"`
	ActorID   string `json:"actor_id"`
	Counts
}

// Erase removes a person and everything about them (system admins only): conversations with
// their channels' posts and files (the channels renamed and archived), the message, outbound
// and delivery records reachable from those posts, tickets, queue announcements (redacted),
// phone and BSUID keys, and the person; ledger entries stay, unlinked. It is idempotent: an
// erasure that stopped midway is finished by running it again (or by the retention job).
func (s *Service) Erase(actorID, personID string) (Counts, error) {
	if err := s.authorize(actorID); err != nil {
		return Counts{}, err
	}
	return s.erasePerson(actorID, personID)
}

func (s *Service) erasePerson(actorID, personID string) (Counts, error) {
	person, err := s.People.Get(personID)
	if err != nil && !errors.Is(err, helpdesk.ErrNotFound) {
		return Counts{}, err
	}
	var job erasure
	found, err := store.GetJSON(s.KV, store.ErasureKey(personID), &job)
	if err != nil {
		return Counts{}, err
	}
	if person == nil && !found {
		return Counts{}, errors.Wrapf(helpdesk.ErrNotFound, "person %s", personID)
	}
	if !found {
		job = erasure{AuditID: model.NewId(), StartedAt: s.Now().UnixMilli(), ActorID: actorID}
		if _, err := store.Insert(s.KV, store.ErasureKey(personID), job, 0); err != nil {
			return Counts{}, err
		}
		if _, err := store.GetJSON(s.KV, store.ErasureKey(personID), &job); err != nil {
			return Counts{}, err
		}
		if err := store.NewIndex(s.KV, store.ErasuresIndexKey()).Add(personID); err != nil {
			return Counts{}, err
		}
	}
	var total Counts
	if person != nil {
		// Keys first: from now on a message from this phone starts a new person.
		if person.Phone != "" {
			if err := store.DeleteIfHolds(s.KV, s.People.Phones.Key(person.Phone), personID); err != nil {
				return total, err
			}
		}
		if person.BSUID != "" {
			if err := store.DeleteIfHolds(s.KV, store.BSUIDKey(person.BSUID), personID); err != nil {
				return total, err
			}
		}
		if s.Forget != nil {
			s.Forget.PersonForgotten(personID)
		}
		// Twice: a message that resolved the person just before its keys went may have opened one
		// more conversation meanwhile.
		for range 2 {
			n, err := s.eraseConversationsOf(personID)
			total.add(n)
			if err != nil {
				return total, err
			}
		}
		n, err := s.eraseTicketsOf(personID)
		total.add(n)
		if err != nil {
			return total, err
		}
		n, err = s.erasePersonPosts(personID)
		total.add(n)
		if err != nil {
			return total, err
		}
		for _, key := range []string{store.PersonConversationsIndexKey(personID), store.PersonTicketsIndexKey(personID), store.PersonPostsIndexKey(personID)} {
			if err := store.NewIndex(s.KV, key).Drop(); err != nil {
				return total, err
			}
		}
		if err := store.NewIndex(s.KV, store.PeopleIndexKey()).Remove(personID); err != nil {
			return total, err
		}
		if err := s.People.Unindex(personID); err != nil {
			return total, err
		}
		total.Records++
	}
	job.add(total)
	entry := AuditEntry{ID: job.AuditID, At: job.StartedAt, ActorID: job.ActorID, Reason: ReasonRequest, Counts: job.Counts}
	if err := s.audit(entry); err != nil {
		return total, err
	}
	if err := s.KV.Delete(store.PersonKey(personID)); err != nil {
		return total, errors.Wrap(err, "failed to delete the person")
	}
	if err := s.KV.Delete(store.ErasureKey(personID)); err != nil {
		return total, errors.Wrap(err, "failed to delete the erasure record")
	}
	if err := store.NewIndex(s.KV, store.ErasuresIndexKey()).Remove(personID); err != nil {
		return total, err
	}
	if s.Forget != nil {
		s.Forget.PersonForgotten(personID)
	}
	s.API.LogInfo("WhatsApp Helpdesk erased a person (LGPD)", "audit_id", entry.ID, "actor_id", entry.ActorID,
		"conversations", job.Conversations, "tickets", job.Tickets, "posts", job.Posts, "records", job.Records)
	return job.Counts, nil
}

// audit writes (or, for an erasure run again, completes) an audit entry.
func (s *Service) audit(entry AuditEntry) error {
	key := store.AuditKey(entry.At, entry.ID)
	if err := store.SetJSON(s.KV, key, entry); err != nil {
		return err
	}
	return store.NewIndex(s.KV, store.AuditIndexKey()).Add(key)
}

// Audit lists the privacy audit entries, oldest first (system admins only).
func (s *Service) Audit(actorID string) ([]AuditEntry, error) {
	if err := s.authorize(actorID); err != nil {
		return nil, err
	}
	keys, err := store.NewIndex(s.KV, store.AuditIndexKey()).List()
	if err != nil {
		return nil, err
	}
	out := []AuditEntry{}
	for _, k := range keys {
		var e AuditEntry
		if found, err := store.GetJSON(s.KV, k, &e); err != nil {
			return nil, err
		} else if found {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *Service) eraseConversationsOf(personID string) (Counts, error) {
	var total Counts
	ids, err := store.NewIndex(s.KV, store.PersonConversationsIndexKey(personID)).List()
	if err != nil {
		return total, err
	}
	for _, id := range ids {
		n, err := s.eraseConversation(id, false)
		total.add(n)
		if err != nil {
			return total, err
		}
		if err := store.NewIndex(s.KV, store.PersonConversationsIndexKey(personID)).Remove(id); err != nil {
			return total, err
		}
	}
	if err := s.bump(personID, total); err != nil {
		return total, err
	}
	return total, nil
}

// bump adds counts to a running erasure's record, so a resumed run reports the whole.
func (s *Service) bump(personID string, n Counts) error {
	_, err := store.UpdateJSON(s.KV, store.ErasureKey(personID), func(job *erasure, exists bool) (bool, error) {
		if !exists {
			return false, nil
		}
		job.add(n)
		return true, nil
	})
	return err
}

func (s *Service) eraseTicketsOf(personID string) (Counts, error) {
	var total Counts
	ids, err := store.NewIndex(s.KV, store.PersonTicketsIndexKey(personID)).List()
	if err != nil {
		return total, err
	}
	for _, id := range ids {
		n, err := s.deleteTicket(id)
		total.add(n)
		if err != nil {
			return total, err
		}
	}
	return total, s.bump(personID, total)
}

func (s *Service) erasePersonPosts(personID string) (Counts, error) {
	var total Counts
	ids, err := store.NewIndex(s.KV, store.PersonPostsIndexKey(personID)).List()
	if err != nil {
		return total, err
	}
	for _, id := range ids {
		n, err := s.deletePost(id)
		total.add(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// deletePost deletes one post (its files' infos go with it); one already gone is fine.
func (s *Service) deletePost(postID string) (Counts, error) {
	p, appErr := s.API.GetPost(postID)
	if appErr != nil {
		if appErr.StatusCode == http.StatusNotFound {
			return Counts{}, nil
		}
		return Counts{}, errors.Wrap(appErr, "failed to read a post to erase")
	}
	if appErr := s.API.DeletePost(postID); appErr != nil && appErr.StatusCode != http.StatusNotFound {
		return Counts{}, errors.Wrap(appErr, "failed to delete a post")
	}
	return Counts{Posts: 1, Files: len(p.FileIds)}, nil
}

// deleteTicket removes a ticket with its index entries.
func (s *Service) deleteTicket(id string) (Counts, error) {
	// Search first: its entry lists the buckets, and it holds words of the transcript.
	if err := s.Tickets.Unindex(id); err != nil {
		return Counts{}, err
	}
	var t helpdesk.Ticket
	found, err := store.GetJSON(s.KV, store.TicketKey(id), &t)
	if err != nil || !found {
		return Counts{}, err
	}
	for _, key := range []string{store.TicketIndexKey(helpdesk.TicketDraft), store.TicketIndexKey(helpdesk.TicketSaved), store.PersonTicketsIndexKey(t.CustomerID)} {
		if err := store.NewIndex(s.KV, key).Remove(id); err != nil {
			return Counts{}, err
		}
	}
	if err := s.KV.Delete(store.TicketKey(id)); err != nil {
		return Counts{}, errors.Wrap(err, "failed to delete a ticket")
	}
	// Again once the record is gone: a save that ran meanwhile may have put it back in its list
	// (a Reindex from now on finds no record and unindexes it itself).
	if err := s.Tickets.Unindex(id); err != nil {
		return Counts{}, err
	}
	return Counts{Tickets: 1, Records: 1}, nil
}

// eraseConversation removes a conversation and everything it left: its channel's posts and
// files and the records reachable from them, its queue announcement's customer details, its
// channel's name, its ledger links, and its ticket (or, with keepTicket, for retention: only
// the ticket's transcript, and the conversation stays as a stub without the customer's name). Each step is idempotent; the conversation record goes last, so a run that
// stopped midway is finished by running it again.
func (s *Service) eraseConversation(convID string, keepTicket bool) (Counts, error) {
	var n Counts
	conv, err := s.Conversations.Get(convID)
	if errors.Is(err, helpdesk.ErrNotFound) {
		return n, nil
	} else if err != nil {
		return n, err
	}
	// Unmapped first: the plugin's hooks then leave the deletions below alone.
	if conv.ChannelID != "" {
		if err := store.DeleteIfHolds(s.KV, store.ChannelConversationKey(conv.ChannelID), conv.ID); err != nil {
			return n, err
		}
	}
	if s.Forget != nil {
		s.Forget.ConversationClosed(conv.ID)
	}
	if conv.ChannelID != "" {
		c, err := s.eraseChannelPosts(conv.ChannelID)
		n.add(c)
		if err != nil {
			return n, err
		}
	}
	ids, err := store.NewIndex(s.KV, store.ConversationPostsIndexKey(conv.ID)).List()
	if err != nil {
		return n, err
	}
	for _, id := range ids {
		c, err := s.deletePost(id)
		n.add(c)
		if err != nil {
			return n, err
		}
	}
	if err := store.NewIndex(s.KV, store.ConversationPostsIndexKey(conv.ID)).Drop(); err != nil {
		return n, err
	}
	if conv.QueuePostID != "" {
		if err := s.redactAnnouncement(conv.QueuePostID); err != nil {
			return n, err
		}
	}
	if conv.ChannelID != "" {
		if err := s.retireChannel(conv.ChannelID, conv.ID); err != nil {
			return n, err
		}
	}
	c, err := s.unlinkLedger(conv.ID)
	n.add(c)
	if err != nil {
		return n, err
	}
	c, err = s.eraseTicketOf(conv, keepTicket)
	n.add(c)
	if err != nil {
		return n, err
	}
	if err := store.DeleteIfHolds(s.KV, store.OpenConversationKey(conv.Group, conv.PersonID), conv.ID); err != nil {
		return n, err
	}
	if err := s.Conversations.ReleaseLoad(conv); err != nil {
		return n, err
	}
	for _, state := range []string{helpdesk.StateWaiting, helpdesk.StateActive, helpdesk.StateClosing, helpdesk.StateClosed} {
		if err := store.NewIndex(s.KV, store.ConversationIndexKey(state)).Remove(conv.ID); err != nil {
			return n, err
		}
	}
	n.Conversations++
	n.Records++
	if keepTicket {
		// Retention keeps the ticket, which is reached (and authorized) through its conversation:
		// a stub stays, without the customer's name, listed only under the person (whose own
		// erasure removes it).
		_, err := s.Conversations.Update(conv.ID, func(c *helpdesk.Conversation) (bool, error) {
			if c.CustomerName == "" && c.QueuePostID == "" {
				return false, nil
			}
			c.CustomerName, c.QueuePostID = "", ""
			return true, nil
		})
		return n, err
	}
	if err := store.NewIndex(s.KV, store.PersonConversationsIndexKey(conv.PersonID)).Remove(conv.ID); err != nil {
		return n, err
	}
	if err := s.KV.Delete(store.ConversationKey(conv.ID)); err != nil {
		return n, errors.Wrap(err, "failed to delete a conversation")
	}
	return n, nil
}

// eraseChannelPosts deletes every post of a channel with the records each one leads to. Posts
// are always read from the first page, since deleting them moves the rest up.
func (s *Service) eraseChannelPosts(channelID string) (Counts, error) {
	var n Counts
	for round := 0; round < 10000; round++ {
		list, appErr := s.API.GetPostsForChannel(channelID, 0, 200)
		if appErr != nil {
			return n, errors.Wrap(appErr, "failed to read a channel to erase")
		}
		if len(list.Order) == 0 {
			return n, nil
		}
		// Records first for the whole page (replies come before their roots, newest first), then
		// the posts: deleting a root also deletes its replies.
		for _, id := range list.Order {
			n.Records += s.erasePostRecords(list.Posts[id])
		}
		for _, id := range list.Order {
			if appErr := s.API.DeletePost(id); appErr != nil && appErr.StatusCode != http.StatusNotFound {
				return n, errors.Wrap(appErr, "failed to delete a post")
			}
			n.Posts++
			n.Files += len(list.Posts[id].FileIds)
		}
	}
	return n, errors.New("a channel kept returning posts to erase")
}

// erasePostRecords deletes the plugin's records about one post: the inbound message's claim and
// media retry, the outbound send claim and record, and per WhatsApp message id the outbound
// mapping and delivery state. It returns how many keys it deleted (or tried to).
func (s *Service) erasePostRecords(p *model.Post) int {
	n := 0
	del := func(key string) {
		var raw json.RawMessage
		if found, err := store.GetJSON(s.KV, key, &raw); err == nil && found {
			if s.KV.Delete(key) == nil {
				n++
			}
		}
	}
	for _, w := range s.postWAMIDs(p) {
		del(store.MessageKey(w))
		del(store.MediaRetryKey(w))
		_ = store.NewIndex(s.KV, store.MediaRetryIndexKey()).Remove(w)
		del(store.OutboundKey(w))
		del(store.DeliveryKey(w))
	}
	del(store.OutboundPostKey(p.Id))
	del(store.OutboundRecordKey(p.Id))
	_ = store.NewIndex(s.KV, store.OutboundSendingIndexKey()).Remove(p.Id)
	return n
}

// redactAnnouncement keeps the queue post (the queue's history stays readable) without the
// customer's name and phone, and without its Attend button.
func (s *Service) redactAnnouncement(postID string) error {
	p, appErr := s.API.GetPost(postID)
	if appErr != nil {
		if appErr.StatusCode == http.StatusNotFound {
			return nil
		}
		return errors.Wrap(appErr, "failed to read a queue announcement")
	}
	if p.GetProp(propErased) != nil {
		return nil
	}
	redacted := p.Clone()
	redacted.Message = s.Texts.T(s.Texts.ForServer(), "privacy.erased_announcement", nil)
	redacted.SetProps(model.StringInterface{
		wapost.PropOrigin: wapost.OriginWhatsApp,
		propErased:        true,
	})
	if _, appErr := s.API.UpdatePost(redacted); appErr != nil {
		return errors.Wrap(appErr, "failed to redact a queue announcement")
	}
	return nil
}

// propErased marks a post the erasure redacted.
const propErased = "wa_erased"

// ErasedChannelName is the URL name an erased conversation's channel gets.
func ErasedChannelName(conversationID string) string { return "erased-" + conversationID }

// retireChannel renames a conversation channel so that neither name nor phone remains, then
// archives it (an archived channel takes no new posts). An archived channel not yet renamed is
// restored for the rename first.
func (s *Service) retireChannel(channelID, convID string) error {
	ch, appErr := s.API.GetChannel(channelID)
	if appErr != nil {
		if appErr.StatusCode == http.StatusNotFound {
			return nil
		}
		return errors.Wrap(appErr, "failed to read a conversation channel")
	}
	if ch.Name == ErasedChannelName(convID) && ch.DeleteAt != 0 {
		return nil
	}
	if ch.DeleteAt != 0 {
		if appErr := s.API.RestoreChannel(channelID); appErr != nil {
			return errors.Wrap(appErr, "failed to restore a channel to rename it")
		}
		ch.DeleteAt = 0
	}
	if ch.Name != ErasedChannelName(convID) {
		ch.Name = ErasedChannelName(convID)
		ch.DisplayName = s.Texts.T(s.Texts.ForServer(), "privacy.erased_channel", nil)
		ch.Header, ch.Purpose = "", ""
		if _, appErr := s.API.UpdateChannel(ch); appErr != nil {
			return errors.Wrap(appErr, "failed to rename an erased channel")
		}
	}
	if appErr := s.API.DeleteChannel(channelID); appErr != nil {
		return errors.Wrap(appErr, "failed to archive an erased channel")
	}
	return nil
}

// unlinkLedger keeps the conversation's ledger entries (credits were spent) without what links
// them to the person: the conversation and the WhatsApp message id.
func (s *Service) unlinkLedger(convID string) (Counts, error) {
	var n Counts
	ix := store.NewIndex(s.KV, store.ConversationLedgerIndexKey(convID))
	keys, err := ix.List()
	if err != nil {
		return n, err
	}
	for _, key := range keys {
		if _, err := store.UpdateJSON(s.KV, key, func(e *helpdesk.LedgerEntry, exists bool) (bool, error) {
			if !exists || (e.ConversationID == "" && e.WAMID == "") {
				return false, nil
			}
			e.ConversationID, e.WAMID = "", ""
			return true, nil
		}); err != nil {
			return n, err
		}
		n.Records++
	}
	return n, ix.Drop()
}

// eraseTicketOf removes the conversation's ticket, or with keep (retention) only its transcript.
func (s *Service) eraseTicketOf(conv *helpdesk.Conversation, keep bool) (Counts, error) {
	var id string
	if _, err := store.GetJSON(s.KV, store.TicketOfConversationKey(conv.ID), &id); err != nil {
		return Counts{}, err
	}
	if id == "" {
		id = conv.TicketID
	}
	var n Counts
	if id != "" {
		if keep {
			if _, err := store.UpdateJSON(s.KV, store.TicketKey(id), func(t *helpdesk.Ticket, exists bool) (bool, error) {
				if !exists || t.Transcript == nil {
					return false, nil
				}
				t.Transcript = nil
				return true, nil
			}); err != nil {
				return n, err
			}
			// The transcript's words leave search with it.
			if err := s.Tickets.Reindex(id); err != nil {
				return n, err
			}
			n.Records++
		} else {
			c, err := s.deleteTicket(id)
			n.add(c)
			if err != nil {
				return n, err
			}
		}
	}
	if keep {
		return n, nil // the conversation stub keeps its ticket link
	}
	if err := s.KV.Delete(store.TicketOfConversationKey(conv.ID)); err != nil {
		return n, errors.Wrap(err, "failed to delete a conversation's ticket link")
	}
	return n, nil
}
