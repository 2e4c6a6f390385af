package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/pkg/errors"
)

// Phones builds the keys that find a person by phone number. A number enters a key only as its
// HMAC-SHA256 under the installation's secret (PhoneSecretKey), so neither a key listing nor an
// error that quotes a key shows it, and nobody without the secret can test a guessed number
// against the keys.
type Phones struct{ secret []byte }

// minPhoneSecret is the shortest secret accepted: 128 bits.
const minPhoneSecret = 16

// NewPhones returns the key builder for one installation's secret.
func NewPhones(secret []byte) (Phones, error) {
	if len(secret) < minPhoneSecret {
		return Phones{}, errors.Errorf("the phone key secret has %d bytes, at least %d are needed", len(secret), minPhoneSecret)
	}
	return Phones{secret: append([]byte(nil), secret...)}, nil
}

// Key maps a canonical phone number to a person id. It panics on a Phones without a secret
// (the zero value), which would make the keys of guessed numbers computable.
func (ph Phones) Key(canonicalPhone string) string {
	if len(ph.secret) == 0 {
		panic("store: Phones used without a secret; build it with NewPhones")
	}
	mac := hmac.New(sha256.New, ph.secret)
	mac.Write([]byte(canonicalPhone))
	return prefix + "phoneh/" + hex.EncodeToString(mac.Sum(nil))
}

// PhoneSecretKey holds the installation's secret for Phones, created once for the cluster.
func PhoneSecretKey() string { return prefix + "secret/phones" }

// PhoneKeysMigratedKey is set once the keys of LegacyPhoneKey have been moved to Phones keys.
func PhoneKeysMigratedKey() string { return prefix + "migrated/phonekeys" }

// LegacyPhonePrefix starts the keys that versions before the hashing wrote: the phone number in
// clear. Only the migration reads them.
const LegacyPhonePrefix = prefix + "phone/"

// LegacyPhoneKey is the key a version before the hashing wrote for a phone number; only the
// migration uses it.
func LegacyPhoneKey(digits string) string { return LegacyPhonePrefix + digits }
