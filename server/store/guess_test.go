package store

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type counter struct{ N int }

func bump(kv KV, key string) error {
	_, err := UpdateJSON(kv, key, func(c *counter, _ bool) (bool, error) {
		c.N++
		return true, nil
	})
	return err
}

// An update that follows this node's own write costs one call; after another node's write the
// guess costs one failed compare-and-set, then the update reads as before. Nothing is lost.
func TestGuessesSkipTheReadOnlyWhenNobodyElseWrote(t *testing.T) {
	shared := newCounting()
	a, b := NewGuesses(shared, 100), NewGuesses(shared, 100)
	key := ConversationKey("c1")

	require.NoError(t, bump(a, key)) // nothing known: read + write
	assert.EqualValues(t, 2, shared.calls.Load())
	shared.calls.Store(0)
	require.NoError(t, bump(a, key))
	assert.EqualValues(t, 1, shared.calls.Load(), "a knows what it wrote: the compare-and-set alone")

	require.NoError(t, bump(b, key)) // b read it and wrote
	shared.calls.Store(0)
	require.NoError(t, bump(a, key))
	assert.EqualValues(t, 3, shared.calls.Load(), "a's guess is stale: a failed compare-and-set, a read, a write")

	var got counter
	_, err := GetJSON(shared, key, &got)
	require.NoError(t, err)
	assert.Equal(t, 4, got.N)

	shared.calls.Store(0)
	require.NoError(t, bump(NewGuesses(shared, 100), IndexEntryKey("v1/idx/x", "id")))
	require.NoError(t, bump(a, MessageKey("w1")))
	require.NoError(t, bump(a, MessageKey("w1")))
	assert.EqualValues(t, 6, shared.calls.Load(), "keys other than records, pointers and index heads and chunks are never guessed")
}

// A callback that would change nothing on a stale guess is run again on the value read: a guess
// never decides anything.
func TestAGuessNeverDecidesAnUpdate(t *testing.T) {
	shared := newCounting()
	a, b := NewGuesses(shared, 100), NewGuesses(shared, 100)
	key := ConversationKey("c2")
	require.NoError(t, SetJSON(a, key, counter{N: 1}))
	require.NoError(t, SetJSON(b, key, counter{N: 2}))

	ran := 0
	_, err := UpdateJSON(a, key, func(c *counter, _ bool) (bool, error) {
		ran++
		if c.N == 1 {
			return false, nil // "already done" on a's stale view
		}
		c.N = 10
		return true, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, ran, "run on the guess, then on the value read")
	var got counter
	_, err = GetJSON(shared, key, &got)
	require.NoError(t, err)
	assert.Equal(t, 10, got.N)
}

// Many nodes incrementing one key through their own guesses lose no increment.
func TestGuessesLoseNoUpdateUnderContention(t *testing.T) {
	shared := newCounting()
	key := IndexHeadKey(ConversationIndexKey("waiting"))
	var wg sync.WaitGroup
	for range 4 {
		node := NewGuesses(shared, 10)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				assert.NoError(t, bump(node, key))
			}
		}()
	}
	wg.Wait()
	var got counter
	_, err := GetJSON(shared, key, &got)
	require.NoError(t, err)
	assert.Equal(t, 200, got.N)
}

// A burst of one node's updates of a hot record takes turns: each compare-and-sets against the
// value the one before wrote, so a hundred cost about a hundred calls, not a storm of retries.
func TestOneNodesUpdatesOfAHotRecordTakeTurns(t *testing.T) {
	shared := newCounting()
	node := NewGuesses(shared, 10)
	for _, key := range []string{IndexHeadKey(OutboundSendingIndexKey()), IndexChunkKey(OutboundSendingIndexKey(), 0), CreditsKey()} {
		shared.calls.Store(0)
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() { assert.NoError(t, bump(node, key)) })
		}
		wg.Wait()
		var got counter
		_, err := GetJSON(shared, key, &got)
		require.NoError(t, err)
		assert.Equal(t, 100, got.N, key)
		assert.LessOrEqual(t, shared.calls.Load(), int64(102), "%s: one read, then one compare-and-set each", key)
	}
}
