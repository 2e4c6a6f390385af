package helpdesk

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// CanonicalPhone reduces a WhatsApp id or a typed number to digits and, for Brazilian mobiles,
// to the form with the ninth digit: WhatsApp still reports many of them without it, and both
// forms must find the same person.
func CanonicalPhone(raw string) string {
	var b strings.Builder
	for _, r := range raw {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	digits := b.String()
	// 55 + two-digit area code + eight digits starting with 6-9 is a mobile missing its 9.
	if len(digits) == 12 && strings.HasPrefix(digits, "55") && digits[4] >= '6' {
		return digits[:4] + "9" + digits[4:]
	}
	return digits
}

// FormatPhone renders digits the way people read them (+55 11 98765-4321), falling back to a
// plain +digits when the number cannot be parsed.
func FormatPhone(digits string) string {
	if digits == "" {
		return ""
	}
	num, err := phonenumbers.Parse("+"+digits, "")
	if err != nil {
		return "+" + digits
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}
