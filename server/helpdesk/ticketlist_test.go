package helpdesk

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// ticketFixture makes tickets one second apart, each with its own customer (so no search bucket
// grows with the history and seeding stays fast).
type ticketFixture struct {
	kv      *countingKV
	tickets *Tickets
	clock   int64
	n       int
}

func newTicketFixture() *ticketFixture {
	f := &ticketFixture{kv: &countingKV{KV: &pluginapi.MemoryStore{}}, clock: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixMilli()}
	f.tickets = &Tickets{KV: f.kv, Now: func() time.Time { return time.UnixMilli(f.clock) }}
	return f
}

func (f *ticketFixture) create(t testing.TB, group string, save bool) *Ticket {
	t.Helper()
	f.clock += 1000
	f.n++
	name := fmt.Sprintf("cliente%05d", f.n)
	tk, err := f.tickets.CreateDraft(&Conversation{ID: fmt.Sprintf("conv%05d", f.n), Group: group, PersonID: "p" + name, CustomerName: name}, nil)
	require.NoError(t, err)
	if save {
		tk, err = f.tickets.Save(tk.ID)
		require.NoError(t, err)
	}
	return tk
}

// query answers a page and the KV calls it cost.
func (f *ticketFixture) query(t testing.TB, q TicketQuery, p Page) (TicketResult, int64) {
	t.Helper()
	f.kv.calls.Store(0)
	res, err := f.tickets.Search(q, p)
	require.NoError(t, err)
	return res, f.kv.calls.Load()
}

func cardIDs(cards []TicketCard) []string {
	out := []string{}
	for _, c := range cards {
		out = append(out, c.ID)
	}
	return out
}

// history writes n tickets the way an earlier version left them (the record without a place, the
// status index), in bulk: long histories are seeded in seconds, and BackfillTicketLists lists
// them as it would after an upgrade. group(i) is the i-th ticket's chat group, draft(i) whether
// it was never saved.
func (f *ticketFixture) history(t testing.TB, n int, group func(i int) string, draft func(i int) bool) []*Ticket {
	t.Helper()
	var made []*Ticket
	index := map[string][]string{}
	for i := range n {
		f.clock += 1000
		f.n++
		name := fmt.Sprintf("cliente%05d", f.n)
		tk := &Ticket{ID: fmt.Sprintf("old%05d", f.n), ConversationID: fmt.Sprintf("conv%05d", f.n), Status: TicketSaved,
			Subject: name, CustomerID: "p" + name, CreatedAt: f.clock, SavedAt: f.clock, Group: group(i)}
		if draft != nil && draft(i) {
			tk.Status, tk.SavedAt = TicketDraft, 0
		}
		require.NoError(t, store.SetJSON(f.kv, store.TicketKey(tk.ID), tk))
		index[tk.Status] = append(index[tk.Status], tk.ID)
		made = append(made, tk)
	}
	for status, ids := range index {
		require.NoError(t, store.SetJSON(f.kv, store.TicketIndexKey(status), ids))
		require.NoError(t, store.NewIndex(f.kv, store.TicketIndexKey(status)).Migrate())
	}
	return made
}

var listGroups = []string{"sales", "support", "billing"}

func inTurn(i int) string { return listGroups[i%3] }

// seedTickets makes n tickets in turn across three chat groups: a history from before the
// upgrade, then 30 saved and `drafts` per group left in draft (the work in progress) made by this
// version; then the upgrade's migration runs.
func seedTickets(t testing.TB, n, drafts int) *ticketFixture {
	f := newTicketFixture()
	f.history(t, n-30-3*drafts, inTurn, nil)
	for i := range 30 + 3*drafts {
		f.create(t, inTurn(i), i < 30)
	}
	_, err := BackfillTicketLists(f.tickets)
	require.NoError(t, err)
	return f
}

// The panel's first pages (the Tickets tab: every ticket; the Draft tab: drafts, 100 a page; a
// status; one or several groups; an admin) cost the same KV calls with 150 tickets or 10,050, and
// count them right.
func TestTicketListFirstPageCostDoesNotGrow(t *testing.T) {
	queries := []struct {
		name   string
		q      TicketQuery
		p      Page
		total  func(n int) int
		length int
	}{
		{"admin, every ticket", TicketQuery{Scope: Scope{All: true}}, Page{PerPage: 20}, func(n int) int { return n }, 20},
		{"admin, drafts (Draft tab)", TicketQuery{Status: TicketDraft, Scope: Scope{All: true}}, Page{PerPage: 100}, func(int) int { return 15 }, 15},
		{"agent of one group, saved", TicketQuery{Status: TicketSaved, Scope: Scope{Groups: []string{"sales"}}}, Page{PerPage: 20}, func(n int) int { return n/3 - 5 }, 20},
		{"agent of two groups, every ticket", TicketQuery{Scope: Scope{Groups: []string{"sales", "support"}}}, Page{PerPage: 20}, func(n int) int { return 2 * n / 3 }, 20},
		{"agent of two groups, drafts", TicketQuery{Status: TicketDraft, Scope: Scope{Groups: []string{"support", "billing"}}}, Page{PerPage: 20}, func(int) int { return 10 }, 10},
		{"agent of no group with tickets", TicketQuery{Scope: Scope{Groups: []string{"other"}}}, Page{PerPage: 20}, func(int) int { return 0 }, 0},
	}
	costs := map[int][]int64{}
	for _, n := range []int{150, 10_050} {
		f := seedTickets(t, n, 5)
		for _, c := range queries {
			res, calls := f.query(t, c.q, c.p)
			assert.Equal(t, c.total(n), res.Total, "%s at %d", c.name, n)
			assert.Len(t, res.Cards, c.length, "%s at %d", c.name, n)
			assert.True(t, slices.IsSortedFunc(res.Cards, func(a, b TicketCard) int { return cmp.Compare(b.CreatedAt, a.CreatedAt) }), "%s: newest first", c.name)
			for _, card := range res.Cards {
				assert.True(t, c.q.Scope.SeesGroup(card.Group), "%s: only the groups' tickets", c.name)
				if c.q.Status != "" {
					assert.Equal(t, c.q.Status, card.Status)
				}
			}
			costs[n] = append(costs[n], calls)
		}
	}
	for i, c := range queries {
		assert.Equal(t, costs[150][i], costs[10_050][i], "%s: KV calls at 150 and 10,050 tickets", c.name)
		t.Logf("%-36s %3d KV calls at 150 and at 10,050 tickets", c.name, costs[10_050][i])
	}
	assert.LessOrEqual(t, costs[10_050][0], int64(1+6*2+20), "the register, each list's head and newest chunk, the cards")
}

// Drafts nobody saved stay listed among thousands of saved tickets: reading them costs a chunk
// per stretch of drafts, not one per 100 tickets since.
func TestTicketListOldDraftsCostTheSameWhateverCameAfter(t *testing.T) {
	cost := func(after int) (TicketResult, int64) {
		f := newTicketFixture()
		old := f.history(t, after+1, func(int) string { return "sales" }, func(i int) bool { return i == 0 })[0]
		recent := f.create(t, "sales", false)
		_, err := BackfillTicketLists(f.tickets)
		require.NoError(t, err)
		res, calls := f.query(t, TicketQuery{Status: TicketDraft, Scope: Scope{All: true}}, Page{PerPage: 100})
		assert.Equal(t, []string{recent.ID, old.ID}, cardIDs(res.Cards))
		return res, calls
	}
	_, near := cost(500)
	res, far := cost(5_000)
	assert.Equal(t, 2, res.Total)
	assert.Equal(t, near, far)
	assert.LessOrEqual(t, far, int64(1+1+2+2), "the register, the head, two chunks, two cards")
}

// Paging through any scope hands out every ticket it may see exactly once, newest first; a
// draft saved moves to the saved list at its place; an erased ticket leaves its list.
func TestTicketListPagesEveryTicketOnce(t *testing.T) {
	f := newTicketFixture()
	var made []*Ticket
	for i := range 250 {
		made = append(made, f.create(t, listGroups[(i*7)%3], i%4 != 0))
	}
	_, err := BackfillTicketLists(f.tickets)
	require.NoError(t, err)

	want := func(scope Scope, status string) []string {
		var out []*Ticket
		for _, tk := range made {
			cur, err := f.tickets.Get(tk.ID)
			if err != nil {
				continue
			}
			if scope.SeesGroup(cur.Group) && (status == "" || cur.Status == status) {
				out = append(out, cur)
			}
		}
		slices.SortFunc(out, func(a, b *Ticket) int { return cmp.Compare(b.CreatedAt, a.CreatedAt) })
		ids := []string{}
		for _, tk := range out {
			ids = append(ids, tk.ID)
		}
		return ids
	}
	pages := func(q TicketQuery, perPage, total int) []string {
		t.Helper()
		all := []string{}
		for p := 0; ; p++ {
			res, _ := f.query(t, q, Page{Page: p, PerPage: perPage})
			if len(res.Cards) == 0 {
				return all
			}
			assert.Equal(t, total, res.Total)
			all = append(all, cardIDs(res.Cards)...)
		}
	}
	check := func(stage string) {
		t.Helper()
		for _, scope := range []Scope{{All: true}, {Groups: []string{"support"}}, {Groups: []string{"billing", "sales"}}} {
			for _, status := range []string{"", TicketDraft, TicketSaved} {
				w := want(scope, status)
				got := pages(TicketQuery{Status: status, Scope: scope}, 7, len(w))
				assert.Equal(t, w, got, "%s: %+v %q", stage, scope, status)
			}
		}
		res, _ := f.query(t, TicketQuery{Scope: Scope{All: true}}, Page{})
		assert.Equal(t, want(Scope{All: true}, ""), cardIDs(res.Cards), "%s: every ticket at once (the CSV export)", stage)
	}
	check("as made")

	// Drafts saved: each moves between lists and keeps its place among the others.
	for _, tk := range made[:40] {
		if tk.Status == TicketDraft {
			_, err := f.tickets.Save(tk.ID)
			require.NoError(t, err)
		}
	}
	check("after saves")

	// Erased (search first, the record, search again: privacy.deleteTicket's order), and one whose
	// record went without its list entry (an erasure cut short): both gone from every page.
	require.NoError(t, f.tickets.Unindex(made[10].ID))
	require.NoError(t, f.kv.Delete(store.TicketKey(made[10].ID)))
	require.NoError(t, f.tickets.Unindex(made[10].ID))
	require.NoError(t, f.kv.Delete(store.TicketKey(made[249].ID)))
	require.NoError(t, f.kv.Delete(store.TicketSearchEntryKey(made[249].ID)))
	res, _ := f.query(t, TicketQuery{Scope: Scope{All: true}}, Page{PerPage: 5})
	assert.NotContains(t, cardIDs(res.Cards), made[249].ID, "a listed ticket that is gone is not shown")
	check("after erasures")
	for _, s := range ticketStatuses {
		for _, g := range listGroups {
			ids, err := store.NewIndex(f.kv, store.TicketListKey(s, g)).List()
			require.NoError(t, err)
			assert.NotContains(t, ids, made[10].ID)
			assert.NotContains(t, ids, made[249].ID, "taken out when a page met it")
		}
	}
}

// Date ranges read the lists' chunks, not the tickets' cards: only the page's cards are read.
func TestTicketListDateRangeReadsOnlyThePagesCards(t *testing.T) {
	f := seedTickets(t, 600, 5)
	all, _ := f.query(t, TicketQuery{Scope: Scope{All: true}}, Page{})
	require.Len(t, all.Cards, 600)
	from, to := all.Cards[400].CreatedAt, all.Cards[100].CreatedAt // 301 tickets, newest first
	res, calls := f.query(t, TicketQuery{From: from, To: to, Scope: Scope{All: true}}, Page{Page: 1, PerPage: 20})
	assert.Equal(t, 301, res.Total)
	assert.Equal(t, cardIDs(all.Cards[120:140]), cardIDs(res.Cards))
	assert.LessOrEqual(t, calls, int64(1+6+6*3+20), "the register, six heads, their chunks down to the range's start, 20 cards")

	res, _ = f.query(t, TicketQuery{From: from, To: to, Status: TicketDraft, Scope: Scope{Groups: []string{"sales"}}}, Page{PerPage: 20})
	assert.Zero(t, res.Total, "the drafts are all newer than the range")
	res, _ = f.query(t, TicketQuery{From: all.Cards[5].CreatedAt, Status: TicketDraft, Scope: Scope{All: true}}, Page{PerPage: 20})
	assert.Equal(t, 6, res.Total)

	// A range long past: the 3,000 tickets since are skipped by halving, not read down to.
	f = newTicketFixture()
	old := f.history(t, 3_200, func(int) string { return "sales" }, nil)
	_, err := BackfillTicketLists(f.tickets)
	require.NoError(t, err)
	res, calls = f.query(t, TicketQuery{From: old[0].CreatedAt, To: old[199].CreatedAt, Scope: Scope{All: true}}, Page{PerPage: 20})
	assert.Equal(t, 200, res.Total)
	assert.Equal(t, old[199].ID, res.Cards[0].ID)
	assert.LessOrEqual(t, calls, int64(1+2+6+3+20), "the register, two heads, five halvings of 32 chunks, the range's chunks, 20 cards")
	t.Logf("a page of a range 3,000 tickets back: %d KV calls", calls)
}

// An upgrade: tickets of an earlier version (no place, no lists) are found the old way until the
// once-per-cluster migration lists them, below the tickets made since, in creation order; a run
// cut short is finished by running it again, and a second run changes nothing.
func TestBackfillTicketListsListsTicketsOfEarlierVersions(t *testing.T) {
	f := newTicketFixture()
	var legacy []*Ticket
	for i := range 130 {
		// What the earlier version left: the record without a place, the status index and search.
		f.clock += 1000
		tk := &Ticket{ID: fmt.Sprintf("legacy%03d", i), ConversationID: fmt.Sprintf("c%03d", i), Status: TicketSaved,
			Subject: fmt.Sprintf("antigo%03d", i), CustomerID: fmt.Sprintf("p%03d", i), CreatedAt: f.clock, Group: listGroups[i%2]}
		if i%5 == 0 {
			tk.Status = TicketDraft
		}
		if i == 7 {
			tk.Group = "" // its conversation was gone: only admins see it
		}
		require.NoError(t, store.SetJSON(f.kv, store.TicketKey(tk.ID), tk))
		require.NoError(t, store.NewIndex(f.kv, store.TicketIndexKey(tk.Status)).Add(tk.ID))
		require.NoError(t, f.tickets.Reindex(tk.ID))
		legacy = append(legacy, tk)
	}
	// Made by the new version before the migration ran.
	fresh := []*Ticket{f.create(t, "sales", true), f.create(t, "sales", false)}
	everything := func() []string {
		res, _ := f.query(t, TicketQuery{Scope: Scope{All: true}}, Page{})
		return cardIDs(res.Cards)
	}
	var want []string
	for i := len(fresh) - 1; i >= 0; i-- {
		want = append(want, fresh[i].ID)
	}
	for i := len(legacy) - 1; i >= 0; i-- {
		want = append(want, legacy[i].ID)
	}
	assert.Equal(t, want, everything(), "before the migration: read the old way, complete")

	// A run cut short: the oldest third got their places, nothing listed them yet.
	for i, tk := range legacy[:43] {
		_, err := store.UpdateJSON(f.kv, store.TicketKey(tk.ID), func(rec *Ticket, _ bool) (bool, error) {
			rec.Seq = int64(1 + i/2) // each group counts from 1
			return true, nil
		})
		require.NoError(t, err)
	}
	n, err := BackfillTicketLists(f.tickets)
	require.NoError(t, err)
	assert.Equal(t, 132, n)
	lists, err := f.tickets.lists()
	require.NoError(t, err)
	require.True(t, lists.Ready)
	assert.ElementsMatch(t, []string{"sales", "support", ""}, lists.Groups)
	_, err = BackfillTicketLists(f.tickets)
	require.NoError(t, err, "a second run")

	assert.Equal(t, want, everything(), "after: the same tickets, in the same order, from the lists")
	res, calls := f.query(t, TicketQuery{Scope: Scope{All: true}}, Page{PerPage: 20})
	assert.Equal(t, 132, res.Total)
	assert.Equal(t, want[:20], cardIDs(res.Cards))
	assert.LessOrEqual(t, calls, int64(1+6+8+20), "the register, six heads, old and new places' chunks, the cards")
	res, _ = f.query(t, TicketQuery{Status: TicketDraft, Scope: Scope{Groups: []string{"sales", "support"}}}, Page{PerPage: 100})
	assert.Equal(t, 27, res.Total, "the earlier version's drafts and the new one")
	assert.Equal(t, fresh[1].ID, res.Cards[0].ID)
	res, _ = f.query(t, TicketQuery{Scope: Scope{Groups: []string{"sales", "support"}}}, Page{PerPage: 200})
	assert.NotContains(t, cardIDs(res.Cards), legacy[7].ID, "a ticket of no known group is an admin's")
	places := map[string]bool{}
	for _, tk := range legacy {
		cur, err := f.tickets.Get(tk.ID)
		require.NoError(t, err)
		assert.True(t, cur.Seq > 0 && cur.Seq < newSeqBase, "%s has an earlier version's place", tk.ID)
		place := fmt.Sprintf("%s/%d", cur.Group, cur.Seq)
		assert.False(t, places[place], "one place per ticket in its group")
		places[place] = true
	}
	for _, tk := range fresh {
		cur, _ := f.tickets.Get(tk.ID)
		assert.GreaterOrEqual(t, cur.Seq, int64(newSeqBase))
	}
	assert.False(t, strings.Contains(store.TicketListKey(TicketDraft, "sales"), "sales"), "group names stay out of keys")
}
