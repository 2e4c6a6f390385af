package helpdesk

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

func TestPhoneKeysHoldNoNumber(t *testing.T) {
	people, kv := newPeople()
	_, err := people.FromContact("551187654321", "", "Maria")
	require.NoError(t, err)
	_, err = people.Create("João", "+1 415 555 0100", "")
	require.NoError(t, err)
	keys, err := kv.ListKeys(0, 1000)
	require.NoError(t, err)
	for _, k := range keys {
		for _, n := range []string{"87654321", "4155550100"} {
			assert.NotContains(t, k, n)
		}
	}
	other, err := store.NewPhones([]byte("another installation's secret"))
	require.NoError(t, err)
	assert.NotEqual(t, people.Phones.Key("5511987654321"), other.Key("5511987654321"), "the key depends on the secret")
	_, err = store.NewPhones([]byte("short"))
	assert.Error(t, err)
}

// legacyPerson writes a person the way versions before the hashing did: record, index entry and
// a phone key with the number in clear.
func legacyPerson(t *testing.T, pp *People, id, phone, waID string) {
	t.Helper()
	require.NoError(t, store.SetJSON(pp.KV, store.PersonKey(id), Person{ID: id, Name: id, Phone: phone, WaID: waID}))
	require.NoError(t, store.NewIndex(pp.KV, store.PeopleIndexKey()).Add(id))
	_, err := store.Insert(pp.KV, store.LegacyPhoneKey(phone), id, 0)
	require.NoError(t, err)
}

func TestMigratePhoneKeysMovesEveryLegacyKeyOnce(t *testing.T) {
	people, kv := newPeople()
	legacyPerson(t, people, "maria", "5511987654321", "551187654321")
	legacyPerson(t, people, "joao", "14155550100", "14155550100")
	// A key whose person left the index is found by listing the keys.
	_, err := store.Insert(kv, store.LegacyPhoneKey("5521999990000"), "lost", 0)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for range 4 { // every node of a cluster may run it at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := people.MigratePhoneKeys()
			assert.NoError(t, err)
		}()
	}
	wg.Wait()

	keys, err := kv.ListKeys(0, 1000)
	require.NoError(t, err)
	for _, k := range keys {
		assert.False(t, strings.HasPrefix(k, store.LegacyPhonePrefix), k)
	}
	for waID, want := range map[string]string{"551187654321": "maria", "5511987654321": "maria", "14155550100": "joao"} {
		p, err := people.FromContact(waID, "", "")
		require.NoError(t, err)
		assert.Equal(t, want, p.ID, waID)
	}
	var lost string
	_, err = store.GetJSON(kv, people.Phones.Key("5521999990000"), &lost)
	require.NoError(t, err)
	assert.Equal(t, "lost", lost)

	// Done is remembered: a legacy key written now (by a node still on the old version) is not
	// looked for again.
	_, err = store.Insert(kv, store.LegacyPhoneKey("5531988887777"), "late", 0)
	require.NoError(t, err)
	moved, err := people.MigratePhoneKeys()
	require.NoError(t, err)
	assert.Zero(t, moved)
}
