// Package store keeps the plugin's records in the Mattermost KV store. Every key is built in
// keys.go; every multi-writer update is a compare-and-set so two nodes never lose each other's work.
package store

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/pkg/errors"
)

// KV is the part of pluginapi's KV service the plugin uses; pluginapi.MemoryStore satisfies it too.
type KV interface {
	Set(key string, value any, options ...pluginapi.KVSetOption) (bool, error)
	Get(key string, o any) error
	Delete(key string) error
}

// casAttempts bounds a compare-and-set loop; contention on one key is short-lived in practice.
const casAttempts = 50

// ErrConflict means a compare-and-set kept losing to other writers.
var ErrConflict = errors.New("store: too much contention, try again")

// GetJSON loads key into out and reports whether it existed.
func GetJSON(kv KV, key string, out any) (bool, error) {
	var raw []byte
	if err := kv.Get(key, &raw); err != nil {
		return false, errors.Wrapf(err, "failed to read %s", key)
	}
	if len(raw) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, errors.Wrapf(err, "failed to decode %s", key)
	}
	return true, nil
}

// SetJSON stores v under key unconditionally (for single-writer records).
func SetJSON(kv KV, key string, v any) error {
	if _, err := kv.Set(key, v); err != nil {
		return errors.Wrapf(err, "failed to write %s", key)
	}
	return nil
}

// Insert stores v only if key is absent and reports whether this call created it: the
// exactly-once primitive across goroutines and cluster nodes.
func Insert(kv KV, key string, v any, ttl time.Duration) (bool, error) {
	opts := []pluginapi.KVSetOption{pluginapi.SetAtomic(nil)}
	if ttl > 0 {
		opts = append(opts, pluginapi.SetExpiry(ttl))
	}
	ok, err := kv.Set(key, v, opts...)
	if err != nil {
		return false, errors.Wrapf(err, "failed to insert %s", key)
	}
	return ok, nil
}

// Update runs a read-modify-write on key with compare-and-set, retrying with the fresh value when
// another writer got there first. fn gets the current raw value (nil when absent) and returns the
// new value, or nil to delete; returning ErrNoChange stops without writing.
func Update(kv KV, key string, fn func(old []byte) (any, error)) error {
	if g, ok := kv.(*Guesses); ok {
		defer g.turn(key)()
		if old, found := g.guess(key); found {
			return updateFrom(kv, key, old, fn)
		}
	}
	return update(kv, key, fn)
}

// UpdateFrom is Update that first tries its compare-and-set against guess, a value the caller
// believes key holds (nil: absent), skipping the read when it is right.
func UpdateFrom(kv KV, key string, guess []byte, fn func(old []byte) (any, error)) error {
	if g, ok := kv.(*Guesses); ok {
		defer g.turn(key)()
	}
	return updateFrom(kv, key, guess, fn)
}

func updateFrom(kv KV, key string, guess []byte, fn func(old []byte) (any, error)) error {
	if done, err := tryUpdate(kv, key, guess, true, fn); done || err != nil {
		return err
	}
	return update(kv, key, fn)
}

func update(kv KV, key string, fn func(old []byte) (any, error)) error {
	for attempt := 0; attempt < casAttempts; attempt++ {
		var old []byte
		if err := kv.Get(key, &old); err != nil {
			return errors.Wrapf(err, "failed to read %s", key)
		}
		done, err := tryUpdate(kv, key, old, false, fn)
		if done || err != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * time.Millisecond)
	}
	return errors.Wrap(ErrConflict, key)
}

// tryUpdate is one compare-and-set of fn's new value against old; done is false when another
// writer got there first. On a guessed old value, a callback that changes nothing is not taken
// at its word (done is false too), since the guess may be stale.
func tryUpdate(kv KV, key string, old []byte, guessed bool, fn func(old []byte) (any, error)) (bool, error) {
	next, err := fn(old)
	if errors.Is(err, ErrNoChange) {
		return !guessed, nil
	}
	if err != nil {
		if guessed {
			return false, nil // decided on a value that may be stale: decide again on the real one
		}
		return false, err
	}
	var nextBytes []byte
	if next != nil {
		if nextBytes, err = json.Marshal(next); err != nil {
			return false, errors.Wrapf(err, "failed to encode %s", key)
		}
	}
	if bytes.Equal(old, nextBytes) {
		return !guessed, nil
	}
	var oldValue any
	if len(old) > 0 {
		oldValue = old
	}
	var value any // an untyped nil deletes the key
	if nextBytes != nil {
		value = nextBytes
	}
	ok, err := kv.Set(key, value, pluginapi.SetAtomic(oldValue))
	if err != nil {
		return false, errors.Wrapf(err, "failed to update %s", key)
	}
	return ok, nil
}

// ErrNoChange lets an Update callback leave the value as it is.
var ErrNoChange = errors.New("store: no change")

// UpdateJSON is Update over a decoded record: fn mutates *T (zero value when absent) and returns
// false to leave it untouched.
func UpdateJSON[T any](kv KV, key string, fn func(rec *T, exists bool) (bool, error)) (T, error) {
	var result T
	err := Update(kv, key, func(old []byte) (any, error) {
		var rec T
		exists := len(old) > 0
		if exists {
			if err := json.Unmarshal(old, &rec); err != nil {
				return nil, errors.Wrapf(err, "failed to decode %s", key)
			}
		}
		changed, err := fn(&rec, exists)
		if err != nil {
			return nil, err
		}
		result = rec
		if !changed {
			return nil, ErrNoChange
		}
		return rec, nil
	})
	return result, err
}

// DeleteIfHolds deletes key only while it holds the id want (compare-and-set), so a key that
// meanwhile belongs to someone else is left alone.
func DeleteIfHolds(kv KV, key, want string) error {
	return Update(kv, key, func(old []byte) (any, error) {
		var current string
		if len(old) > 0 {
			_ = json.Unmarshal(old, &current)
		}
		if current != want {
			return nil, ErrNoChange
		}
		return nil, nil
	})
}
