package mmfake

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mattermost/mattermost/server/public/model"
)

func newTestAPI(t *testing.T) (*Store, *API) {
	t.Helper()
	s := NewStore()
	return s, s.NewAPI(&model.Manifest{Id: "com.example.test"}, "node-a")
}

func TestKVBasics(t *testing.T) {
	s, api := newTestAPI(t)

	require.Nil(t, api.KVSet("k", []byte("v")))
	v, err := api.KVGet("k")
	require.Nil(t, err)
	assert.Equal(t, "v", string(v))

	v, err = api.KVGet("missing")
	require.Nil(t, err)
	assert.Nil(t, v, "a missing key reads as nil without an error")

	require.Nil(t, api.KVSet("k", nil))
	assert.Nil(t, s.KVValue(api.pluginID, "k"), "nil deletes")

	require.Nil(t, api.KVSet("k", []byte("v")))
	require.Nil(t, api.KVSet("k", []byte{}))
	assert.Nil(t, s.KVValue(api.pluginID, "k"), "empty deletes, as it arrives nil over RPC")

	require.Nil(t, api.KVSet("k", []byte("v")))
	require.Nil(t, api.KVDelete("k"))
	assert.Empty(t, s.KVKeys(api.pluginID))

	err = api.KVSet(strings.Repeat("x", model.KeyValueKeyMaxRunes+1), []byte("v"))
	require.NotNil(t, err)
	assert.Equal(t, 400, err.StatusCode)
	assert.NotNil(t, api.KVSet("", []byte("v")))
}

func TestKVIsPerPlugin(t *testing.T) {
	s := NewStore()
	a := s.NewAPI(&model.Manifest{Id: "plugin-a"}, "n1")
	b := s.NewAPI(&model.Manifest{Id: "plugin-b"}, "n1")
	a2 := s.NewAPI(&model.Manifest{Id: "plugin-a"}, "n2")

	require.Nil(t, a.KVSet("k", []byte("a")))
	v, _ := b.KVGet("k")
	assert.Nil(t, v)
	v, _ = a2.KVGet("k")
	assert.Equal(t, "a", string(v), "the same plugin on another node shares the store")

	require.Nil(t, b.KVSet("k", []byte("b")))
	require.Nil(t, a.KVDeleteAll())
	v, _ = b.KVGet("k")
	assert.Equal(t, "b", string(v))
}

func TestKVExpiry(t *testing.T) {
	s, api := newTestAPI(t)

	require.Nil(t, api.KVSetWithExpiry("short", []byte("v"), 10))
	require.Nil(t, api.KVSet("forever", []byte("v")))
	ok, err := api.KVSetWithOptions("opt", []byte("v"), model.PluginKVSetOptions{ExpireInSeconds: 60})
	require.Nil(t, err)
	require.True(t, ok)

	s.AdvanceClock(11 * time.Second)
	v, _ := api.KVGet("short")
	assert.Nil(t, v)
	keys, _ := api.KVList(0, 100)
	assert.Equal(t, []string{"forever", "opt"}, keys, "expired keys vanish from lists")

	ok, err = api.KVSetWithOptions("short", []byte("again"), model.PluginKVSetOptions{Atomic: true})
	require.Nil(t, err)
	assert.True(t, ok, "an expired key counts as absent for insert-if-absent")

	ok, _ = api.KVCompareAndSet("opt", []byte("v"), []byte("w"))
	assert.True(t, ok)
	s.AdvanceClock(time.Minute)
	ok, _ = api.KVCompareAndSet("opt", []byte("w"), []byte("x"))
	assert.True(t, ok, "compare-and-set without expiry clears the expiry")
	s.AdvanceClock(time.Hour)
	v, _ = api.KVGet("opt")
	assert.Equal(t, "x", string(v))

	require.Nil(t, api.KVSetWithExpiry("gone", []byte("v"), -1))
	v, _ = api.KVGet("gone")
	assert.Nil(t, v, "a negative expiry is already expired, as on the server")
}

func TestKVSetWithOptionsSemantics(t *testing.T) {
	_, api := newTestAPI(t)
	set := func(key, value string, opt model.PluginKVSetOptions) bool {
		t.Helper()
		var b []byte
		if value != "" {
			b = []byte(value)
		}
		ok, err := api.KVSetWithOptions(key, b, opt)
		require.Nil(t, err)
		return ok
	}
	get := func(key string) string {
		v, _ := api.KVGet(key)
		return string(v)
	}
	atomicOld := func(old string) model.PluginKVSetOptions {
		return model.PluginKVSetOptions{Atomic: true, OldValue: []byte(old)}
	}

	_, err := api.KVSetWithOptions("k", []byte("v"), model.PluginKVSetOptions{OldValue: []byte("x")})
	require.NotNil(t, err, "OldValue without Atomic is invalid")
	assert.Equal(t, 400, err.StatusCode)

	assert.True(t, set("k", "1", model.PluginKVSetOptions{Atomic: true}), "insert if absent")
	assert.False(t, set("k", "2", model.PluginKVSetOptions{Atomic: true}), "second insert loses")
	assert.Equal(t, "1", get("k"))

	assert.False(t, set("k", "3", atomicOld("wrong")))
	assert.True(t, set("k", "3", atomicOld("1")))
	assert.Equal(t, "3", get("k"))
	assert.True(t, set("k", "3", atomicOld("3")), "setting the same value succeeds")
	assert.False(t, set("absent", "1", atomicOld("x")), "compare-and-set on a missing key fails")

	assert.False(t, set("k", "", atomicOld("wrong")), "atomic nil value is compare-and-delete")
	assert.True(t, set("k", "", atomicOld("3")))
	assert.Equal(t, "", get("k"))
	assert.False(t, set("k", "", model.PluginKVSetOptions{Atomic: true}), "nil old and nil new does nothing")

	assert.True(t, set("plain", "1", model.PluginKVSetOptions{}))
	assert.True(t, set("plain", "", model.PluginKVSetOptions{}), "non-atomic nil deletes")
	assert.Equal(t, "", get("plain"))

	ok, err := api.KVCompareAndDelete("x", nil)
	require.Nil(t, err)
	assert.False(t, ok)
	require.Nil(t, api.KVSet("x", []byte("1")))
	ok, _ = api.KVCompareAndDelete("x", []byte("2"))
	assert.False(t, ok)
	ok, _ = api.KVCompareAndDelete("x", []byte("1"))
	assert.True(t, ok)
}

func TestKVList(t *testing.T) {
	_, api := newTestAPI(t)
	for i := range 25 {
		require.Nil(t, api.KVSet(fmt.Sprintf("key-%02d", 24-i), []byte("v")))
	}

	page0, _ := api.KVList(0, 10)
	page2, _ := api.KVList(2, 10)
	page3, _ := api.KVList(3, 10)
	assert.Equal(t, "key-00", page0[0])
	assert.Len(t, page0, 10)
	assert.Equal(t, []string{"key-20", "key-21", "key-22", "key-23", "key-24"}, page2)
	assert.Empty(t, page3)
	assert.NotNil(t, page3)

	def, _ := api.KVList(0, 0)
	assert.Len(t, def, 10, "perPage 0 means 10, as on the server")
}

// TestKVInsertIfAbsentConcurrent is the exactly-once primitive: many nodes race, one wins.
func TestKVInsertIfAbsentConcurrent(t *testing.T) {
	s := NewStore()
	m := &model.Manifest{Id: "p"}
	nodes := []*API{s.NewAPI(m, "a"), s.NewAPI(m, "b"), s.NewAPI(m, "c")}

	for round := range 20 {
		key := "claim-" + strconv.Itoa(round)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Go(func() {
				ok, err := nodes[i%len(nodes)].KVSetWithOptions(key, []byte(strconv.Itoa(i)), model.PluginKVSetOptions{Atomic: true, ExpireInSeconds: 60})
				assert.Nil(t, err)
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		require.EqualValues(t, 1, wins.Load(), "round %d", round)
	}
}

// TestKVCompareAndSetCounter: read-modify-write with a retry loop loses no update.
func TestKVCompareAndSetCounter(t *testing.T) {
	s := NewStore()
	m := &model.Manifest{Id: "p"}
	nodes := []*API{s.NewAPI(m, "a"), s.NewAPI(m, "b")}

	const workers, increments = 16, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			api := nodes[w%len(nodes)]
			for range increments {
				for {
					old, err := api.KVGet("counter")
					require.Nil(t, err)
					n := 0
					if old != nil {
						n, _ = strconv.Atoi(string(old))
					}
					ok, err := api.KVSetWithOptions("counter", []byte(strconv.Itoa(n+1)), model.PluginKVSetOptions{Atomic: true, OldValue: old})
					require.Nil(t, err)
					if ok {
						break
					}
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, strconv.Itoa(workers*increments), string(s.KVValue("p", "counter")))
}
