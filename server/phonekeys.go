package main

import (
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// phoneKeys returns the builder of the keys that find a person by phone, keyed by a secret
// created once for the cluster (insert-if-absent, so every node ends up with the same one).
func (p *Plugin) phoneKeys() (store.Phones, error) {
	token, err := randomToken()
	if err != nil {
		return store.Phones{}, err
	}
	if _, err := store.Insert(p.kv, store.PhoneSecretKey(), token, 0); err != nil {
		return store.Phones{}, err
	}
	var secret string
	if _, err := store.GetJSON(p.kv, store.PhoneSecretKey(), &secret); err != nil || secret == "" {
		return store.Phones{}, errors.Wrap(err, "failed to load the phone key secret")
	}
	return store.NewPhones([]byte(secret))
}

// migratePhoneKeys moves phone keys written in clear by earlier versions to hashed ones, once
// per cluster (later activations read one flag).
func (p *Plugin) migratePhoneKeys() error {
	moved, err := p.privacy.People.MigratePhoneKeys()
	if err != nil {
		return errors.Wrap(err, "failed to migrate the phone keys")
	}
	if moved > 0 {
		p.API.LogInfo("Replaced phone numbers in KV keys by their keyed hashes", "keys", moved)
	}
	return nil
}
