// Package action builds and checks the interactive post actions (buttons) of the plugin.
package action

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Signer signs post-action contexts so a click can only trigger the action our bot offered, on
// the conversation and channel it was offered for.
type Signer struct {
	Key []byte
}

// Sign returns the signature of an action's fields.
func (s Signer) Sign(fields ...string) string {
	mac := hmac.New(sha256.New, s.Key)
	mac.Write([]byte(strings.Join(fields, "\x00")))
	return hex.EncodeToString(mac.Sum(nil))
}

// Valid checks sig against fields in constant time.
func (s Signer) Valid(sig string, fields ...string) bool {
	if len(s.Key) == 0 || sig == "" {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(s.Sign(fields...)))
}
