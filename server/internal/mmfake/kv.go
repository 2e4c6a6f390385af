package mmfake

import (
	"bytes"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
)

// kvEntry is one stored value; expireAt is in store-clock milliseconds, 0 for never.
type kvEntry struct {
	value    []byte
	expireAt int64
}

func (e kvEntry) alive(now int64) bool { return e.expireAt == 0 || e.expireAt > now }

// Over RPC an empty []byte arrives as nil, so the fake treats empty like nil everywhere: a
// plugin under test sees the same thing whether it talks to the fake directly or through
// the plugin supervisor. nil means "delete" for values and "absent" for old values.
func normalize(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

func validKey(where, key string) *model.AppError {
	if key == "" || utf8.RuneCountInString(key) > model.KeyValueKeyMaxRunes {
		return model.NewAppError(where, "model.plugin_key_value.is_valid.key.app_error",
			map[string]any{"Max": model.KeyValueKeyMaxRunes, "Min": 0}, "key="+key, http.StatusBadRequest)
	}
	return nil
}

// kvGet returns the live value for key; expired entries count as absent. Caller holds mu.
func (s *Store) kvGet(pluginID, key string) ([]byte, bool) {
	e, ok := s.kv[pluginID][key]
	if !ok || !e.alive(s.nowMillis()) {
		return nil, false
	}
	return e.value, true
}

func (s *Store) kvPut(pluginID, key string, value []byte, expireInSeconds int64) {
	if s.kv[pluginID] == nil {
		s.kv[pluginID] = map[string]kvEntry{}
	}
	var expireAt int64
	if expireInSeconds != 0 { // negative means already expired, as on the server
		expireAt = s.nowMillis() + expireInSeconds*1000
	}
	s.kv[pluginID][key] = kvEntry{value: value, expireAt: expireAt}
}

// kvSetWithOptions mirrors the server's SqlPluginStore.SetWithOptions.
func (s *Store) kvSetWithOptions(pluginID, key string, value []byte, opt model.PluginKVSetOptions) (bool, *model.AppError) {
	value, opt.OldValue = normalize(value), normalize(opt.OldValue)
	if err := opt.IsValid(); err != nil {
		return false, err
	}
	if err := validKey("SetPluginKeyWithOptions", key); err != nil {
		return false, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	if !opt.Atomic {
		if value == nil {
			delete(s.kv[pluginID], key)
		} else {
			s.kvPut(pluginID, key, value, opt.ExpireInSeconds)
		}
		return true, nil
	}

	current, exists := s.kvGet(pluginID, key)
	switch {
	case value == nil: // compare-and-delete
		if opt.OldValue == nil || !exists || !bytes.Equal(current, opt.OldValue) {
			return false, nil
		}
		delete(s.kv[pluginID], key)
	case opt.OldValue == nil: // insert if absent (an expired entry is absent)
		if exists {
			return false, nil
		}
		s.kvPut(pluginID, key, value, opt.ExpireInSeconds)
	default: // compare-and-set
		if !exists || !bytes.Equal(current, opt.OldValue) {
			return false, nil
		}
		s.kvPut(pluginID, key, value, opt.ExpireInSeconds)
	}
	return true, nil
}

// SetKVFault makes the plugin's KV calls fail with a 500 whenever fail answers true; op is
// "get", "set" (every kind of write, compare-and-set included) or "delete". nil stops it. The
// error names no key, as the server's does not.
func (s *Store) SetKVFault(fail func(op, key string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kvFault = fail
}

func (s *Store) injectedKVFault(where, op, key string) *model.AppError {
	s.mu.Lock()
	fail := s.kvFault
	s.mu.Unlock()
	if fail != nil && fail(op, key) {
		return appError(where, "app.plugin_store.injected_fault.app_error", http.StatusInternalServerError, "injected KV fault")
	}
	return nil
}

func (a *API) KVSet(key string, value []byte) *model.AppError {
	if err := a.store.injectedKVFault("SetPluginKey", "set", key); err != nil {
		return err
	}
	_, err := a.store.kvSetWithOptions(a.pluginID, key, value, model.PluginKVSetOptions{})
	return err
}

func (a *API) KVSetWithExpiry(key string, value []byte, expireInSeconds int64) *model.AppError {
	if err := a.store.injectedKVFault("SetPluginKeyWithExpiry", "set", key); err != nil {
		return err
	}
	_, err := a.store.kvSetWithOptions(a.pluginID, key, value, model.PluginKVSetOptions{ExpireInSeconds: expireInSeconds})
	return err
}

func (a *API) KVSetWithOptions(key string, value []byte, options model.PluginKVSetOptions) (bool, *model.AppError) {
	if err := a.store.injectedKVFault("SetPluginKeyWithOptions", "set", key); err != nil {
		return false, err
	}
	return a.store.kvSetWithOptions(a.pluginID, key, value, options)
}

func (a *API) KVCompareAndSet(key string, oldValue, newValue []byte) (bool, *model.AppError) {
	if err := a.store.injectedKVFault("CompareAndSetPluginKey", "set", key); err != nil {
		return false, err
	}
	return a.store.kvSetWithOptions(a.pluginID, key, newValue, model.PluginKVSetOptions{Atomic: true, OldValue: oldValue})
}

func (a *API) KVCompareAndDelete(key string, oldValue []byte) (bool, *model.AppError) {
	if err := a.store.injectedKVFault("CompareAndDeletePluginKey", "delete", key); err != nil {
		return false, err
	}
	if err := validKey("CompareAndDeletePluginKey", key); err != nil {
		return false, err
	}
	oldValue = normalize(oldValue)
	if oldValue == nil { // nil can't be stored, so nothing matches it
		return false, nil
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	current, ok := s.kvGet(a.pluginID, key)
	if !ok || !bytes.Equal(current, oldValue) {
		return false, nil
	}
	delete(s.kv[a.pluginID], key)
	return true, nil
}

func (a *API) KVGet(key string) ([]byte, *model.AppError) {
	if err := a.store.injectedKVFault("GetPluginKey", "get", key); err != nil {
		return nil, err
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	v, _ := s.kvGet(a.pluginID, key)
	return bytes.Clone(v), nil
}

func (a *API) KVDelete(key string) *model.AppError {
	if err := a.store.injectedKVFault("DeletePluginKey", "delete", key); err != nil {
		return err
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.kv[a.pluginID], key)
	return nil
}

func (a *API) KVDeleteAll() *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.kv, a.pluginID)
	return nil
}

// KVList pages through live keys in key order, as the server's ORDER BY PKey does; a
// perPage of 0 or less means 10.
func (a *API) KVList(page, perPage int) ([]string, *model.AppError) {
	if perPage <= 0 {
		perPage = 10
	}
	keys := a.store.KVKeys(a.pluginID)
	return pageOf(keys, max(page, 0)*perPage, perPage), nil
}

// KVKeys returns a plugin's live keys, sorted.
func (s *Store) KVKeys(pluginID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowMillis()
	keys := []string{}
	for k, e := range s.kv[pluginID] {
		if e.alive(now) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// KVValue reads a plugin's live value for key (nil when absent), bypassing the plugin.
func (s *Store) KVValue(pluginID, key string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, _ := s.kvGet(pluginID, key)
	return bytes.Clone(v)
}

// SetKVValue seeds a plugin's KV store; expireInSeconds 0 means no expiry. It panics on an
// invalid key: that is a bug in the test.
func (s *Store) SetKVValue(pluginID, key string, value []byte, expireInSeconds int64) {
	if _, err := s.kvSetWithOptions(pluginID, key, value, model.PluginKVSetOptions{ExpireInSeconds: expireInSeconds}); err != nil {
		panic(err)
	}
}

// pageOf returns items[offset:offset+limit], clamped.
func pageOf[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := min(offset+limit, len(items))
	return items[offset:end]
}
