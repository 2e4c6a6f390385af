package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader is the header Meta signs every webhook POST with.
const SignatureHeader = "X-Hub-Signature-256"

// Signature returns the X-Hub-Signature-256 value Meta sends for body: "sha256=" + hex HMAC-SHA256 of
// the raw bytes keyed with the app secret.
func Signature(body []byte, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ValidSignature checks header against the raw body in constant time. An empty app secret never
// validates: an unconfigured plugin must refuse webhooks rather than accept them unsigned.
func ValidSignature(body []byte, header, appSecret string) bool {
	if appSecret == "" || !strings.HasPrefix(header, "sha256=") {
		return false
	}
	got := strings.ToLower(strings.TrimPrefix(header, "sha256="))
	want := Signature(body, appSecret)[len("sha256="):]
	return hmac.Equal([]byte(got), []byte(want))
}
