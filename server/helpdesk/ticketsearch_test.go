package helpdesk

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCleanTags(t *testing.T) {
	tags, err := CleanTags([]string{" Entrega", "#VIP", "entrega", ""})
	require.NoError(t, err)
	assert.Equal(t, []string{"entrega", "vip"}, tags)
	_, err = CleanTags([]string{strings.Repeat("a", 33)})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = CleanTags([]string{"two words"})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = AddTags([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, []string{"k"})
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, []string{"b"}, RemoveTags([]string{"a", "b"}, []string{"a"}))
}

func TestTicketSearchFollowsEveryChange(t *testing.T) {
	people, kv := newPeople()
	tickets := &Tickets{KV: kv, Now: time.Now}
	maria, err := people.FromContact("5511987654321", "", "Maria Souza")
	require.NoError(t, err)
	conv := &Conversation{ID: "conv1", Group: "sales", PersonID: maria.ID, CustomerName: "Maria Souza", CreatedAt: 1000, AttendedAt: 61_000, ClosedAt: 181_000, Tags: []string{"entrega"}}
	tk, err := tickets.CreateDraft(conv, []TranscriptLine{
		{At: 2000, Direction: "inbound", Author: "Maria Souza", Text: "O pedido chegou QUEBRADO"},
		{At: 62_000, Direction: "outbound", Author: BotAuthor, Text: "Olá"},
		{At: 91_000, Direction: "outbound", Author: "Ana", Text: "Vamos trocar"},
	})
	require.NoError(t, err)
	find := func(q TicketQuery) []string {
		t.Helper()
		if len(q.Scope.Groups) == 0 {
			q.Scope.All = true // an admin's query
		}
		res, err := tickets.Search(q, Page{PerPage: 20})
		require.NoError(t, err)
		ids := []string{}
		for _, c := range res.Cards {
			ids = append(ids, c.ID)
		}
		assert.Equal(t, len(ids), res.Total)
		return ids
	}
	assert.Equal(t, []string{tk.ID}, find(TicketQuery{Q: "quebrado"}))
	assert.Equal(t, []string{tk.ID}, find(TicketQuery{Q: "+55 11 98765-4321"}))
	assert.Equal(t, []string{tk.ID}, find(TicketQuery{Tag: "Entrega", Status: TicketDraft}))
	assert.Empty(t, find(TicketQuery{Tag: "entrega", Status: TicketSaved}))
	assert.Empty(t, find(TicketQuery{Q: "quebrado", Scope: Scope{Groups: []string{"support"}}}), "scoped by chat group")

	res, err := tickets.Search(TicketQuery{Q: "trocar", Scope: Scope{All: true}}, Page{PerPage: 20})
	require.NoError(t, err)
	require.Len(t, res.Cards, 1)
	c := res.Cards[0]
	assert.EqualValues(t, 60, c.WaitSeconds())
	assert.EqualValues(t, 30, c.FirstResponseSeconds(), "the bot's automatic message is no response")
	assert.EqualValues(t, 120, c.HandleSeconds())

	// Tags replaced: the old tag's bucket forgets the ticket.
	tags := []string{"troca"}
	_, err = tickets.Patch(tk.ID, TicketPatch{Tags: &tags})
	require.NoError(t, err)
	assert.Empty(t, find(TicketQuery{Tag: "entrega"}))
	assert.Equal(t, []string{tk.ID}, find(TicketQuery{Tag: "troca"}))

	// A rename reaches the ticket's card; saving moves it to saved.
	_, err = people.Rename(maria.ID, "Maria Lima")
	require.NoError(t, err)
	assert.Equal(t, []string{tk.ID}, find(TicketQuery{Q: "lima"}))
	_, err = tickets.Save(tk.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{tk.ID}, find(TicketQuery{Q: "lima", Status: TicketSaved}))

	// Unindexed, no bucket keeps it.
	require.NoError(t, tickets.Unindex(tk.ID))
	keys, err := kv.ListKeys(0, 1000)
	require.NoError(t, err)
	for _, k := range keys {
		assert.False(t, strings.HasPrefix(k, "v1/tsearch/"), "left behind: %s", k)
	}
}
