package helpdesk

import (
	"encoding/json"
	"slices"
	"sort"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Ticket search reads the buckets of the query's terms, never every ticket. Each ticket is listed
// (by id) in the bucket of each of its terms: "w:" and every word (accents folded, lower case, 2
// to maxWordRunes characters) of its subject, customer name and transcript, and its customer's
// phone (whole, and its last 8 to 11 digits); "g:" and each tag; "c:" and its customer's id. Its
// card (what a result row shows, what filters and scoping need) lives once under the ticket's
// entry key with the terms it is listed under.
//
// Cost: writing a ticket costs two reads and a write of its entry plus a compare-and-set per term
// that changed (at most maxTicketTerms: a long transcript's later words are not indexed). A query
// with q, tag or customer_id reads one bucket per term and the cards of the tickets in all of
// them; a bucket holds the ids of the tickets that share a word, so a very common word's bucket
// grows with history (27 bytes a ticket). A query with only status or dates reads the ticket lists
// (ticketlist.go) and the cards of its page; until the tickets of earlier versions are listed
// (BackfillTicketLists, once after the upgrade), it reads the status index and every card in it.

// maxTicketTerms bounds the buckets one ticket is written to.
const maxTicketTerms = 400

// maxWordRunes leaves out what is not a word anyone searches for (links, hashes).
const maxWordRunes = 40

// TicketCard is what search keeps of a ticket: everything a list row and the CSV export show.
type TicketCard struct {
	ID                    string   `json:"id"`
	Status                string   `json:"status"`
	Subject               string   `json:"subject"`
	CustomerID            string   `json:"customer_id"`
	CustomerName          string   `json:"customer_name,omitempty"`
	Phone                 string   `json:"phone,omitempty"`
	AgentID               string   `json:"agent_id,omitempty"`
	Group                 string   `json:"group_id,omitempty"`
	ConversationID        string   `json:"conversation_id"`
	ChannelID             string   `json:"channel_id,omitempty"`
	ConversationStatus    string   `json:"conversation_status,omitempty"`
	Tags                  []string `json:"tags,omitempty"`
	CreatedAt             int64    `json:"created_at"`
	SavedAt               int64    `json:"saved_at,omitempty"`
	ConversationCreatedAt int64    `json:"conversation_created_at,omitempty"`
	AttendedAt            int64    `json:"attended_at,omitempty"`
	FirstResponseAt       int64    `json:"first_response_at,omitempty"`
	ClosedAt              int64    `json:"closed_at,omitempty"`
	// CSAT is the satisfaction score (1 to 3), 0 without an answer.
	CSAT int `json:"csat,omitempty"`
}

type ticketEntry struct {
	Terms []string   `json:"t"`
	Card  TicketCard `json:"c"`
	// Listed and ListedGroup are the list (status, chat group) the ticket was last put in, once
	// done: a change of either moves it, and a move that stopped midway is finished next time.
	Listed      string `json:"l,omitempty"`
	ListedGroup string `json:"lg,omitempty"`
}

func ticketCardOf(t *Ticket, customer *Person) TicketCard {
	c := TicketCard{
		ID: t.ID, Status: t.Status, Subject: t.Subject, CustomerID: t.CustomerID, AgentID: t.AgentID,
		Group: t.Group, ConversationID: t.ConversationID, ChannelID: t.ChannelID,
		ConversationStatus: t.ConversationStatus, Tags: slices.Clone(t.Tags),
		CreatedAt: t.CreatedAt, SavedAt: t.SavedAt, ConversationCreatedAt: t.ConversationCreatedAt,
		AttendedAt: t.AttendedAt, FirstResponseAt: t.FirstResponseAt, ClosedAt: t.ClosedAt,
	}
	if t.CSAT != nil {
		c.CSAT = t.CSAT.Score
	}
	if customer != nil {
		c.CustomerName, c.Phone = customer.Name, customer.Phone
	}
	return c
}

// ticketTerms lists a ticket's terms, each once: customer and tags first, then words of the
// subject, the customer and the transcript in order, up to maxTicketTerms.
func ticketTerms(t *Ticket, c TicketCard) []string {
	terms := []string{}
	seen := map[string]bool{}
	add := func(term string) {
		if !seen[term] && len(terms) < maxTicketTerms {
			seen[term] = true
			terms = append(terms, term)
		}
	}
	if c.CustomerID != "" {
		add("c:" + c.CustomerID)
	}
	for _, tag := range c.Tags {
		add("g:" + tag)
	}
	addWords := func(s string) {
		for _, w := range words(s) {
			if n := len([]rune(w)); n >= 2 && n <= maxWordRunes {
				add("w:" + w)
			}
		}
	}
	addWords(c.Subject)
	addWords(c.CustomerName)
	if c.Phone != "" {
		// The whole number and its last 8 to 11 digits: people type a number without its country
		// or area code.
		add("w:" + c.Phone)
		for n := 8; n <= 11 && n < len(c.Phone); n++ {
			add("w:" + c.Phone[len(c.Phone)-n:])
		}
	}
	for _, l := range t.Transcript {
		addWords(l.Text)
		for _, a := range l.Attachments {
			addWords(a)
		}
	}
	return terms
}

// Reindex brings a ticket's search entry, buckets and list up to date with its record (and its
// customer's name and phone); a ticket that is gone leaves search and its list.
func (ts *Tickets) Reindex(id string) error {
	for attempt := 0; ; attempt++ {
		t, err := ts.Get(id)
		if errors.Is(err, ErrNotFound) {
			return ts.Unindex(id)
		} else if err != nil {
			return err
		}
		moved, err := ts.reindex(t)
		if err != nil || !moved || attempt == 2 {
			return err
		}
		// It was just moved between lists: a save or an erasure that ran meanwhile may have been
		// undone by this move, so the record is read again and followed.
		now, err := ts.Get(id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err == nil && now.Status == t.Status && now.Group == t.Group {
			return nil
		}
	}
}

// reindex writes t's entry, buckets and list, and reports whether it moved t between lists.
func (ts *Tickets) reindex(t *Ticket) (bool, error) {
	id := t.ID
	customer, err := load[Person](ts.KV, store.PersonKey(t.CustomerID), "person "+t.CustomerID)
	if errors.Is(err, ErrNotFound) {
		customer = nil
	} else if err != nil {
		return false, err
	}
	var old ticketEntry
	found, err := store.GetJSON(ts.KV, store.TicketSearchEntryKey(id), &old)
	if err != nil {
		return false, err
	}
	card := ticketCardOf(t, customer)
	terms := ticketTerms(t, card)
	termsSame := slices.Equal(old.Terms, terms)
	// Tickets of earlier versions have no place yet: BackfillTicketLists lists them.
	listed := t.Seq == 0 || (old.Listed == t.Status && old.ListedGroup == t.Group)
	next := ticketEntry{Terms: terms, Card: card, Listed: old.Listed, ListedGroup: old.ListedGroup}
	if termsSame && listed {
		if cardJSON(old.Card) == cardJSON(card) {
			return false, nil
		}
		return false, store.SetJSON(ts.KV, store.TicketSearchEntryKey(id), next)
	}
	// The entry is written first with every term (old and new) and the new group, so a crash
	// midway leaves no bucket or list that an erasure would miss.
	if !found || !termsSame || old.Card.Group != card.Group {
		union := slices.Clone(terms)
		for _, term := range old.Terms {
			if !slices.Contains(union, term) {
				union = append(union, term)
			}
		}
		if err := store.SetJSON(ts.KV, store.TicketSearchEntryKey(id), ticketEntry{Terms: union, Card: card, Listed: old.Listed, ListedGroup: old.ListedGroup}); err != nil {
			return false, err
		}
	}
	for _, term := range old.Terms {
		if !slices.Contains(terms, term) {
			if err := ts.bucketRemove(term, id); err != nil {
				return false, err
			}
		}
	}
	for _, term := range terms {
		if !slices.Contains(old.Terms, term) {
			if err := ts.bucketAdd(term, id); err != nil {
				return false, err
			}
		}
	}
	if !listed {
		if err := ts.relist(t, old.Listed, old.ListedGroup); err != nil {
			return false, err
		}
		next.Listed, next.ListedGroup = t.Status, t.Group
	}
	return !listed, store.SetJSON(ts.KV, store.TicketSearchEntryKey(id), next)
}

func cardJSON(c TicketCard) string {
	b, _ := json.Marshal(c)
	return string(b)
}

// Unindex removes a ticket from search and its list (erasure).
func (ts *Tickets) Unindex(id string) error {
	var old ticketEntry
	found, err := store.GetJSON(ts.KV, store.TicketSearchEntryKey(id), &old)
	if err != nil || !found {
		return err
	}
	groups := []string{old.Card.Group}
	if old.Listed != "" && old.ListedGroup != old.Card.Group {
		groups = append(groups, old.ListedGroup) // a move between groups stopped midway
	}
	if err := ts.unlist(id, groups...); err != nil {
		return err
	}
	for _, term := range old.Terms {
		if err := ts.bucketRemove(term, id); err != nil {
			return err
		}
	}
	return errors.Wrap(ts.KV.Delete(store.TicketSearchEntryKey(id)), "failed to delete a ticket search entry")
}

func (ts *Tickets) bucketAdd(term, id string) error {
	_, err := store.UpdateJSON(ts.KV, store.TicketSearchKey(term), func(ids *[]string, _ bool) (bool, error) {
		if slices.Contains(*ids, id) {
			return false, nil
		}
		*ids = append(*ids, id)
		return true, nil
	})
	return err
}

func (ts *Tickets) bucketRemove(term, id string) error {
	return store.Update(ts.KV, store.TicketSearchKey(term), func(old []byte) (any, error) {
		var ids []string
		if len(old) > 0 {
			if err := json.Unmarshal(old, &ids); err != nil {
				return nil, errors.Wrap(err, "failed to decode a ticket search bucket")
			}
		}
		i := slices.Index(ids, id)
		if i < 0 {
			return nil, store.ErrNoChange
		}
		if ids = slices.Delete(ids, i, i+1); len(ids) == 0 {
			return nil, nil // the bucket's last ticket: no key left behind
		}
		return ids, nil
	})
}

// TicketQuery filters tickets. Q matches whole words of the subject, customer name, phone and
// transcript (every word must match); zero From/To are open ends (Unix ms, on created_at).
type TicketQuery struct {
	Q, Tag, Status, CustomerID string
	From, To                   int64
	// Scope is whose tickets the asking user may see: those of their chat groups, or all.
	Scope Scope
}

// TicketResult is the matching cards, newest first (created_at, in the order tickets were made
// when they share a millisecond), and how many there are.
type TicketResult struct {
	Cards []TicketCard
	Total int
}

// Search answers page p of the tickets matching q (all of them when p.PerPage is 0).
func (ts *Tickets) Search(q TicketQuery, p Page) (TicketResult, error) {
	if q.Status != "" && q.Status != TicketDraft && q.Status != TicketSaved {
		return TicketResult{}, Refuse(ErrInvalid, "error.bad_ticket_status", "Status", q.Status)
	}
	var terms []string
	if q.CustomerID != "" {
		terms = append(terms, "c:"+q.CustomerID)
	}
	if q.Tag != "" {
		tags, err := CleanTags([]string{q.Tag})
		if err != nil {
			return TicketResult{}, err
		}
		for _, t := range tags {
			terms = append(terms, "g:"+t)
		}
	}
	if isPhoneQuery(q.Q) {
		terms = append(terms, "w:"+CanonicalPhone(q.Q)) // a whole number or its last digits
	} else {
		for _, w := range words(q.Q) {
			terms = append(terms, "w:"+w)
		}
	}
	if len(terms) == 0 {
		lists, err := ts.lists()
		if err != nil {
			return TicketResult{}, err
		}
		if lists.Ready {
			return ts.listed(q, p, lists.Groups)
		}
	}
	ids, err := ts.candidates(terms, q.Status)
	if err != nil {
		return TicketResult{}, err
	}
	var hits []TicketCard
	for _, id := range ids {
		var e ticketEntry
		found, err := store.GetJSON(ts.KV, store.TicketSearchEntryKey(id), &e)
		if err != nil {
			return TicketResult{}, err
		}
		c := e.Card
		if !found || (q.Status != "" && c.Status != q.Status) || (q.From != 0 && c.CreatedAt < q.From) ||
			(q.To != 0 && c.CreatedAt > q.To) || !q.Scope.SeesGroup(c.Group) {
			continue
		}
		hits = append(hits, c)
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].CreatedAt != hits[j].CreatedAt {
			return hits[i].CreatedAt > hits[j].CreatedAt
		}
		return hits[i].ID < hits[j].ID
	})
	out := TicketResult{Cards: []TicketCard{}, Total: len(hits)}
	if p.PerPage == 0 {
		out.Cards = append(out.Cards, hits...)
		return out, nil
	}
	out.Cards = append(out.Cards, pageOf(hits, p.Page, p.PerPage)...)
	return out, nil
}

// candidates is the ids in every term's bucket, or in the status indexes without terms (before
// the ticket lists are ready).
func (ts *Tickets) candidates(terms []string, status string) ([]string, error) {
	if len(terms) == 0 {
		statuses := []string{TicketDraft, TicketSaved}
		if status != "" {
			statuses = []string{status}
		}
		var ids []string
		for _, s := range statuses {
			list, err := store.NewIndex(ts.KV, store.TicketIndexKey(s)).List()
			if err != nil {
				return nil, err
			}
			ids = append(ids, list...)
		}
		return ids, nil
	}
	var ids []string
	for i, term := range terms {
		var bucket []string
		if _, err := store.GetJSON(ts.KV, store.TicketSearchKey(term), &bucket); err != nil {
			return nil, err
		}
		if i == 0 {
			ids = bucket
		} else {
			in := make(map[string]bool, len(bucket))
			for _, id := range bucket {
				in[id] = true
			}
			ids = slices.DeleteFunc(ids, func(id string) bool { return !in[id] })
		}
		if len(ids) == 0 {
			return nil, nil
		}
	}
	return ids, nil
}

// WaitSeconds is created -> attended, -1 when unknown.
func (c TicketCard) WaitSeconds() int64 { return span(c.ConversationCreatedAt, c.AttendedAt) }

// FirstResponseSeconds is attended -> first agent message, -1 when unknown.
func (c TicketCard) FirstResponseSeconds() int64 { return span(c.AttendedAt, c.FirstResponseAt) }

// HandleSeconds is attended -> closed, -1 when unknown.
func (c TicketCard) HandleSeconds() int64 { return span(c.AttendedAt, c.ClosedAt) }

func span(from, to int64) int64 {
	if from == 0 || to == 0 || to < from {
		return -1
	}
	return (to - from) / 1000
}
