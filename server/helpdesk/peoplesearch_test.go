package helpdesk

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// countingKV counts the KV calls made through it.
type countingKV struct {
	store.KV
	calls atomic.Int64
}

func (c *countingKV) Set(key string, value any, o ...pluginapi.KVSetOption) (bool, error) {
	c.calls.Add(1)
	return c.KV.Set(key, value, o...)
}

func (c *countingKV) Get(key string, o any) error { c.calls.Add(1); return c.KV.Get(key, o) }

func (c *countingKV) Delete(key string) error { c.calls.Add(1); return c.KV.Delete(key) }

func names(r SearchResult) []string {
	var out []string
	for _, p := range r.People {
		out = append(out, p.Name)
	}
	return out
}

func TestPeopleSearchByWordPrefixPhoneDigitsAndEmail(t *testing.T) {
	people, _ := newPeople()
	maria, err := people.FromContact("5511987654321", "", "Maria Souza")
	require.NoError(t, err)
	_, err = people.JoinGroups(maria.ID, "support")
	require.NoError(t, err)
	joao, err := people.Create("João Lima", "+55 21 99876-5432", "jl@example.com")
	require.NoError(t, err)
	_, err = people.JoinGroups(joao.ID, "sales")
	require.NoError(t, err)
	all := Scope{All: true}

	for q, want := range map[string][]string{
		"souza":             {"Maria Souza"},
		"MARIA sou":         {"Maria Souza"},
		"joao":              {"João Lima"},
		"Lí":                {"João Lima"},
		"11 98765":          {"Maria Souza"},
		"+55 11 98765-4321": {"Maria Souza"},
		"55 11 8765-4321":   {"Maria Souza"}, // without the ninth digit, as people still write it
		"99876":             {"João Lima"},
		"jl@example.com":    {"João Lima"},
		"exam":              {"João Lima"},
		"ouza":              nil, // words match from their start
		"maria lima":        nil, // every word must match
	} {
		got, err := people.Search(q, 0, 20, all)
		require.NoError(t, err, q)
		assert.Equal(t, want, names(got), q)
		assert.Equal(t, len(want), got.Total, q)
	}

	got, err := people.Search("maria", 0, 20, Scope{Groups: []string{"sales"}})
	require.NoError(t, err)
	assert.Empty(t, got.People, "another group's customer stays hidden")
	_, err = people.Search("m", 0, 20, all)
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestPeopleSearchFollowsRenamesMergesAndErasure(t *testing.T) {
	people, _ := newPeople()
	p, err := people.Create("Ana Paula", "", "")
	require.NoError(t, err)
	_, err = people.FromContact("5511987654321", "", "Maria Souza")
	require.NoError(t, err)
	_, err = people.Rename(p.ID, "Mariana Costa")
	require.NoError(t, err)
	got, err := people.Search("paula", 0, 20, Scope{All: true})
	require.NoError(t, err)
	assert.Empty(t, got.People, "the old name is no longer found")
	got, err = people.Search("costa", 0, 20, Scope{All: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"Mariana Costa"}, names(got))

	// An agent's new person takes the WhatsApp contact over: only the new one is found.
	np, err := people.Create("Mari Costa Nova", "+55 11 98765-4321", "")
	require.NoError(t, err)
	got, err = people.Search("98765", 0, 20, Scope{All: true})
	require.NoError(t, err)
	require.Len(t, got.People, 1)
	assert.Equal(t, np.ID, got.People[0].ID)
	got, err = people.Search("souza", 0, 20, Scope{All: true})
	require.NoError(t, err)
	assert.Empty(t, got.People, "the merged contact is gone from search")

	require.NoError(t, people.Unindex(np.ID))
	for _, q := range []string{"98765", "nova"} {
		got, err = people.Search(q, 0, 20, Scope{All: true})
		require.NoError(t, err)
		assert.Empty(t, got.People, q)
	}
	var entry searchEntry
	found, err := store.GetJSON(people.KV, store.PeopleSearchEntryKey(np.ID), &entry)
	require.NoError(t, err)
	assert.False(t, found, "no entry left behind")
}

func TestPeopleSearchPagesAndCostsOneReadAtThousandsOfPeople(t *testing.T) {
	people, _ := newPeople()
	var batch []*Person
	for i := 0; i < 2000; i++ {
		p := &Person{ID: fmt.Sprintf("p%05d", i), Name: fmt.Sprintf("Cliente %04d Silva", i), Phone: fmt.Sprintf("55119%08d", i), Groups: []string{"support"}}
		require.NoError(t, store.SetJSON(people.KV, store.PersonKey(p.ID), p))
		batch = append(batch, p)
	}
	require.NoError(t, people.IndexAll(batch[:1000]))
	require.NoError(t, people.IndexAll(batch[1000:]))
	counting := &countingKV{KV: people.KV}
	people.KV = counting
	got, err := people.Search("silva", 1, 100, Scope{Groups: []string{"support"}})
	require.NoError(t, err)
	assert.Equal(t, 2000, got.Total)
	require.Len(t, got.People, 100)
	assert.Equal(t, "Cliente 0100 Silva", got.People[0].Name, "ordered by name, second page")
	got, err = people.Search("00001234", 0, 20, Scope{All: true})
	require.NoError(t, err)
	require.Len(t, got.People, 1)
	assert.True(t, strings.HasSuffix(got.People[0].Phone, "1234"))
	assert.Equal(t, int64(2), counting.calls.Load(), "one KV read per search")

	// Re-indexing an unchanged person only reads.
	counting.calls.Store(0)
	require.NoError(t, people.Reindex("p00042"))
	assert.Equal(t, int64(2), counting.calls.Load())
}
