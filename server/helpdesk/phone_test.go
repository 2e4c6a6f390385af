package helpdesk

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCanonicalPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"551187654321", "5511987654321"},  // Brazilian mobile without the ninth digit
		{"5511987654321", "5511987654321"}, // already canonical
		{"+55 (11) 98765-4321", "5511987654321"},
		{"551140028922", "551140028922"}, // Brazilian landline: no ninth digit to add
		{"14155550123", "14155550123"},   // not Brazil
		{"", ""},
	} {
		assert.Equal(t, tc.want, CanonicalPhone(tc.in), tc.in)
	}
}

func TestFormatPhone(t *testing.T) {
	assert.Equal(t, "+55 11 98765-4321", FormatPhone("5511987654321"))
	assert.Equal(t, "+1 415-555-0123", FormatPhone("14155550123"))
	assert.Equal(t, "", FormatPhone(""))
}
