package helpdesk

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Ticket lists answer the queries without words, tag or customer: what the panel's Tickets and
// Draft tabs open with. Each chat group has one list per status (store.TicketListKey) in which a
// ticket sits at its Seq, its place in the group's creation order, with its created_at. A draft
// saved moves to the saved list and keeps its place, so the order stays the API's: created_at,
// newest first, whatever the status (saved tickets are not reordered by when they were saved).
// A query merges the lists of the asking user's groups (an admin's, of every group in the
// register) by created_at, then place: a first page reads the head and the newest chunk or two
// of each list and the cards of the page, whatever the history (KV calls: 1 + about 2 per list +
// 1 per ticket shown). Within one list, tickets made in the same moment on two nodes come in the
// order they took their place, which may differ from their created_at by the nodes' clock
// difference.
//
// Later pages read the chunks down to them (a chunk is 100 tickets). With from/to, the chunks
// after `to` are skipped by halving (a few reads whatever the history), then the chunks down to
// the oldest ticket of the range are read, since the total counts the tickets in it: a range
// costs a read per 100 tickets in it, and no card but the page's.

// newSeqBase is the first Seq of a group's tickets created by this version; the tickets of
// earlier versions take the places below it (1, 2, … in creation order), which
// BackfillTicketLists gives them once new tickets may exist already.
const newSeqBase = 1_000_000_000

// clockSkew is how far created_at may run against the creation order of a list (the order in
// which tickets took their place, on nodes whose clocks differ a little): a date range's walk
// starts this much after its end and goes this much before its start.
const clockSkew = time.Minute

// ticketLists is the register of chat groups with ticket lists (an admin's query merges them
// all). Ready is set once the tickets of earlier versions are listed; until then, queries read
// the status indexes as earlier versions did.
type ticketLists struct {
	Groups []string `json:"groups"`
	Ready  bool     `json:"ready,omitempty"`
}

// nextSeq takes the next place in a chat group's creation order.
func (ts *Tickets) nextSeq(group string) (int64, error) {
	var seq int64
	_, err := store.UpdateJSON(ts.KV, store.TicketSeqKey(group), func(n *int64, exists bool) (bool, error) {
		if !exists {
			*n = newSeqBase
		}
		seq = *n
		*n++
		return true, nil
	})
	return seq, err
}

func (ts *Tickets) lists() (ticketLists, error) {
	var l ticketLists
	_, err := store.GetJSON(ts.KV, store.TicketListsKey(), &l)
	return l, err
}

// registerGroup puts a chat group in the register before its first list is written.
func (ts *Tickets) registerGroup(group string) error {
	l, err := ts.lists()
	if err != nil || slices.Contains(l.Groups, group) {
		return err
	}
	_, err = store.UpdateJSON(ts.KV, store.TicketListsKey(), func(l *ticketLists, _ bool) (bool, error) {
		if slices.Contains(l.Groups, group) {
			return false, nil
		}
		l.Groups = append(l.Groups, group)
		return true, nil
	})
	return err
}

// listsReady marks the tickets of earlier versions listed: queries use the lists from now on.
func (ts *Tickets) listsReady() error {
	_, err := store.UpdateJSON(ts.KV, store.TicketListsKey(), func(l *ticketLists, _ bool) (bool, error) {
		if l.Ready {
			return false, nil
		}
		l.Ready = true
		return true, nil
	})
	return err
}

var ticketStatuses = []string{TicketDraft, TicketSaved}

// relist puts a ticket in its status's list of its group, then takes it out of the other status's
// list and, when it was listed elsewhere before (fromStatus of fromGroup), out of that one. Placed
// first: a ticket moving is briefly in two lists, never in none.
func (ts *Tickets) relist(t *Ticket, fromStatus, fromGroup string) error {
	if err := ts.registerGroup(t.Group); err != nil {
		return err
	}
	if err := store.NewIndex(ts.KV, store.TicketListKey(t.Status, t.Group)).Place(t.ID, t.Seq, t.CreatedAt); err != nil {
		return err
	}
	for _, s := range ticketStatuses {
		if s != t.Status {
			if err := store.NewIndex(ts.KV, store.TicketListKey(s, t.Group)).Remove(t.ID); err != nil {
				return err
			}
		}
	}
	if fromStatus != "" && fromGroup != t.Group {
		return store.NewIndex(ts.KV, store.TicketListKey(fromStatus, fromGroup)).Remove(t.ID)
	}
	return nil
}

// unlist takes a ticket out of every list of the groups it may be listed in.
func (ts *Tickets) unlist(id string, groups ...string) error {
	for i, g := range groups {
		if slices.Index(groups, g) < i {
			continue
		}
		for _, s := range ticketStatuses {
			if err := store.NewIndex(ts.KV, store.TicketListKey(s, g)).Remove(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// listWalk is one list being merged.
type listWalk struct {
	key    string
	status string
	w      *store.Walker
}

// listedPick is a ticket a merged walk handed out, with the list it came from.
type listedPick struct {
	store.Entry
	walk *listWalk
}

// listed answers a query without terms from the ticket lists of the groups q may see.
func (ts *Tickets) listed(q TicketQuery, p Page, registered []string) (TicketResult, error) {
	statuses := ticketStatuses
	if q.Status != "" {
		statuses = []string{q.Status}
	}
	var walks []*listWalk
	for _, g := range registered {
		if !q.Scope.SeesGroup(g) {
			continue
		}
		for _, s := range statuses {
			key := store.TicketListKey(s, g)
			w, err := store.NewIndex(ts.KV, key).Newest()
			if err != nil {
				return TicketResult{}, err
			}
			if w.Total() == 0 {
				continue
			}
			if q.To != 0 {
				if err := w.SkipAfter(q.To + clockSkew.Milliseconds()); err != nil {
					return TicketResult{}, err
				}
			}
			walks = append(walks, &listWalk{key: key, status: s, w: w})
		}
	}
	dated := q.From != 0 || q.To != 0
	inRange := func(at int64) bool { return (q.From == 0 || at >= q.From) && (q.To == 0 || at <= q.To) }
	offset, limit := p.Offset(), p.PerPage
	if limit == 0 {
		offset, limit = 0, -1 // every match (the CSV export)
	}

	var picks []listedPick
	seen := map[string]bool{}
	matched := 0
	for limit < 0 || len(picks) < limit || dated {
		pick, ok, err := nextNewest(walks, q.From)
		if err != nil {
			return TicketResult{}, err
		}
		if !ok {
			break
		}
		// A ticket moving between its group's lists is briefly in both, at the same place.
		if seen[pick.ID] || !inRange(pick.At) {
			continue
		}
		seen[pick.ID] = true
		if matched >= offset && (limit < 0 || len(picks) < limit) {
			picks = append(picks, pick)
		}
		matched++
	}
	out := TicketResult{Cards: []TicketCard{}, Total: matched}
	if !dated {
		out.Total = 0
		for _, w := range walks {
			out.Total += w.w.Total()
		}
	}
	for _, pick := range picks {
		c, ok, err := ts.listedCard(pick)
		if err != nil {
			return TicketResult{}, err
		}
		if ok && (q.Status == "" || c.Status == q.Status) {
			out.Cards = append(out.Cards, c)
		}
	}
	return out, nil
}

// nextNewest takes the newest ticket of the merged walks: by created_at, then place, then list
// order, so that every page of a query sees the same sequence. A walk stops once it is older
// than from (less clockSkew), the start of the date range.
func nextNewest(walks []*listWalk, from int64) (listedPick, bool, error) {
	var best listedPick
	found := false
	for _, lw := range walks {
		e, ok, err := lw.w.Peek()
		if err != nil {
			return listedPick{}, false, err
		}
		if !ok || (from != 0 && e.At < from-clockSkew.Milliseconds()) {
			continue
		}
		if !found || e.At > best.At || (e.At == best.At && e.Slot > best.Slot) {
			best, found = listedPick{Entry: e, walk: lw}, true
		}
	}
	if found {
		if _, _, err := best.walk.w.Next(); err != nil {
			return listedPick{}, false, err
		}
	}
	return best, found, nil
}

// listedCard reads a listed ticket's card. A ticket listed without a card is repaired: put back
// in search if it exists (a write that stopped midway), taken out of the list if it is gone.
func (ts *Tickets) listedCard(pick listedPick) (TicketCard, bool, error) {
	var e ticketEntry
	found, err := store.GetJSON(ts.KV, store.TicketSearchEntryKey(pick.ID), &e)
	if err != nil || found {
		return e.Card, found, err
	}
	if _, err := ts.Get(pick.ID); errors.Is(err, ErrNotFound) {
		return TicketCard{}, false, store.NewIndex(ts.KV, pick.walk.key).Remove(pick.ID)
	} else if err != nil {
		return TicketCard{}, false, err
	}
	if err := ts.Reindex(pick.ID); err != nil {
		return TicketCard{}, false, err
	}
	found, err = store.GetJSON(ts.KV, store.TicketSearchEntryKey(pick.ID), &e)
	return e.Card, found, err
}

// TicketListsMigration names the listing of earlier versions' tickets in the migration markers.
const TicketListsMigration = "ticket-lists-v1"

// BackfillTicketLists gives every ticket of an earlier version its place in its chat group's
// creation order (1, 2, … by created_at, below the places of tickets created since the upgrade)
// and lists it, then lets queries use the lists. A run interrupted midway is run again: tickets
// placed keep their place, the others follow them, in order.
func BackfillTicketLists(ts *Tickets) (int, error) {
	var ids []string
	for _, status := range ticketStatuses {
		list, err := store.NewIndex(ts.KV, store.TicketIndexKey(status)).List()
		if err != nil {
			return 0, err
		}
		ids = append(ids, list...)
	}
	byGroup := map[string][]*Ticket{}
	var groups []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue // read from the draft index, then saved there while this ran
		}
		seen[id] = true
		t, err := ts.Get(id)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return 0, err
		}
		if _, ok := byGroup[t.Group]; !ok {
			groups = append(groups, t.Group)
		}
		byGroup[t.Group] = append(byGroup[t.Group], t)
	}
	done := 0
	for _, g := range groups {
		tickets := byGroup[g]
		slices.SortStableFunc(tickets, func(a, b *Ticket) int {
			return cmp.Or(cmp.Compare(a.CreatedAt, b.CreatedAt), strings.Compare(a.ID, b.ID))
		})
		next := int64(1)
		for _, t := range tickets {
			if t.Seq > 0 && t.Seq < newSeqBase {
				next = max(next, t.Seq+1)
			}
		}
		for _, t := range tickets {
			if t.Seq == 0 {
				seq := next
				if _, err := store.UpdateJSON(ts.KV, store.TicketKey(t.ID), func(rec *Ticket, exists bool) (bool, error) {
					if !exists || rec.Seq != 0 {
						return false, nil
					}
					rec.Seq = seq
					return true, nil
				}); err != nil {
					return done, err
				}
				next++
			}
			if err := ts.Reindex(t.ID); err != nil {
				return done, err
			}
			done++
		}
	}
	return done, ts.listsReady()
}
