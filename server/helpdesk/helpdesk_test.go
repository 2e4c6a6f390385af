package helpdesk

import (
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

func newPeople() (*People, *pluginapi.MemoryStore) {
	kv := &pluginapi.MemoryStore{}
	phones, err := store.NewPhones([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	return &People{KV: kv, Phones: phones, Now: time.Now}, kv
}

func TestPeopleNinthDigitVariantsAreOnePerson(t *testing.T) {
	people, _ := newPeople()
	a, err := people.FromContact("551187654321", "", "Maria Souza")
	require.NoError(t, err)
	b, err := people.FromContact("5511987654321", "", "Maria S.")
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID)
	assert.Equal(t, "5511987654321", b.Phone)
	assert.Equal(t, "5511987654321", b.WaID, "the id WhatsApp reported last is the one to send to")
	assert.Equal(t, "Maria S.", b.Name, "an unedited name follows the WhatsApp profile")
}

func TestPeopleAgentEditedNameIsKept(t *testing.T) {
	people, _ := newPeople()
	p, err := people.FromContact("5511987654321", "BR.1", "Maria")
	require.NoError(t, err)
	_, err = people.Rename(p.ID, "Maria Souza (ACME)")
	require.NoError(t, err)
	again, err := people.FromContact("5511987654321", "BR.1", "~ mari ~")
	require.NoError(t, err)
	assert.Equal(t, "Maria Souza (ACME)", again.Name)
	assert.Equal(t, "BR.1", again.BSUID)
}

func TestPeopleFoundByBSUIDWhenPhoneIsHidden(t *testing.T) {
	people, _ := newPeople()
	p, err := people.FromContact("5511987654321", "BR.77", "Ana")
	require.NoError(t, err)
	q, err := people.FromContact("", "BR.77", "Ana")
	require.NoError(t, err)
	assert.Equal(t, p.ID, q.ID)
	_, err = people.FromContact("", "", "nobody")
	assert.Error(t, err)
}

func TestPeopleConcurrentFirstContactCreatesOnePerson(t *testing.T) {
	people, _ := newPeople()
	ids := make(chan string, 20)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := people.FromContact("551187654321", "", "Maria")
			assert.NoError(t, err)
			ids <- p.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	assert.Len(t, seen, 1)
	all, err := people.Search("Maria", 0, 100, Scope{All: true})
	require.NoError(t, err)
	assert.Len(t, all.People, 1, "losers of the race must not leave orphans in the index")
}

func TestPeopleCreateAndSearch(t *testing.T) {
	people, _ := newPeople()
	_, err := people.Create("", "", "")
	assert.ErrorIs(t, err, ErrInvalid)
	p, err := people.Create("João Lima", "+55 21 99876-5432", "joao@example.com")
	require.NoError(t, err)
	_, err = people.Create("Other", "552199876-5432", "")
	assert.ErrorIs(t, err, ErrConflict)
	found, err := people.Search("joão", 0, 10, Scope{All: true})
	require.NoError(t, err)
	require.Len(t, found.People, 1)
	assert.Equal(t, p.ID, found.People[0].ID)
	found, err = people.Search("99876", 0, 10, Scope{All: true})
	require.NoError(t, err)
	assert.Len(t, found.People, 1)
}

func TestConversationOpenIsSingleUnderConcurrency(t *testing.T) {
	people, kv := newPeople()
	convs := &Conversations{KV: kv, Now: time.Now}
	p, err := people.FromContact("5511987654321", "", "Maria")
	require.NoError(t, err)

	var wg sync.WaitGroup
	var mu sync.Mutex
	ids, created := map[string]bool{}, 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := convs.Open(DefaultGroupName, p, time.Time{}, nil)
			assert.NoError(t, err)
			c, isNew := o.Conv, o.Created
			mu.Lock()
			defer mu.Unlock()
			ids[c.ID] = true
			if isNew {
				created++
			}
		}()
	}
	wg.Wait()
	assert.Len(t, ids, 1)
	assert.Equal(t, 1, created)
	waiting, err := convs.List(StateWaiting)
	require.NoError(t, err)
	assert.Len(t, waiting, 1)
}

func TestClosedConversationIsNotReopened(t *testing.T) {
	people, kv := newPeople()
	convs := &Conversations{KV: kv, Now: time.Now}
	p, _ := people.FromContact("5511987654321", "", "Maria")
	o, err := convs.Open(DefaultGroupName, p, time.Time{}, nil)
	require.NoError(t, err)
	first := o.Conv
	_, err = convs.Update(first.ID, func(c *Conversation) (bool, error) { c.State = StateClosed; return true, nil })
	require.NoError(t, err)
	o, err = convs.Open(DefaultGroupName, p, time.Time{}, nil)
	require.NoError(t, err)
	second, isNew := o.Conv, o.Created
	assert.True(t, isNew)
	assert.NotEqual(t, first.ID, second.ID)
}

func TestTouchInboundOnlyMovesForward(t *testing.T) {
	_, kv := newPeople()
	convs := &Conversations{KV: kv, Now: time.Now}
	o, err := convs.Open(DefaultGroupName, &Person{ID: "p1", Name: "x"}, time.Time{}, nil)
	require.NoError(t, err)
	c := o.Conv
	t0 := time.Unix(1760011800, 0)
	c, err = convs.TouchInbound(c, t0)
	require.NoError(t, err)
	c, err = convs.TouchInbound(c, t0.Add(-time.Hour))
	require.NoError(t, err)
	assert.Equal(t, t0.UnixMilli(), c.LastInboundAt)
	c, err = convs.TouchInbound(c, t0.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, t0.Add(2*time.Hour).UnixMilli(), c.LastInboundAt)
	assert.Equal(t, t0.Add(26*time.Hour).UnixMilli(), c.WindowExpiresAt())
}

func TestMessageClaims(t *testing.T) {
	now := time.Unix(1760011800, 0)
	kv := &pluginapi.MemoryStore{}
	m := &Messages{KV: kv, Now: func() time.Time { return now }, Lease: func() time.Duration { return time.Minute }, Retention: time.Hour}

	res, _, err := m.Claim("wamid.1", "")
	require.NoError(t, err)
	assert.Equal(t, ClaimWon, res)
	res, _, _ = m.Claim("wamid.1", "")
	assert.Equal(t, ClaimBusy, res, "a second delivery while the first works")

	require.NoError(t, m.Release("wamid.1"))
	res, _, _ = m.Claim("wamid.1", "")
	assert.Equal(t, ClaimWon, res, "after a failure the redelivery processes it")

	require.NoError(t, m.Partial("wamid.1", MessageRecord{PostID: "post1"}))
	res, rec, _ := m.Claim("wamid.1", "")
	assert.Equal(t, ClaimWon, res, "a partial message is taken over to finish its media")
	assert.Equal(t, "post1", rec.PostID)

	require.NoError(t, m.Complete("wamid.1", rec))
	res, _, _ = m.Claim("wamid.1", "")
	assert.Equal(t, ClaimDone, res)

	res, rec, _ = m.Claim("wamid.2", "")
	require.Equal(t, ClaimWon, res)
	assert.Zero(t, rec.RecoveringSince)
	claimedAt := now.UnixMilli()
	now = now.Add(2 * time.Minute)
	res, rec, _ = m.Claim("wamid.2", "")
	assert.Equal(t, ClaimWon, res, "a crashed holder's lease expires")
	assert.Equal(t, claimedAt, rec.RecoveringSince, "the taker is told to look for the crashed holder's post")
}
