package command

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAfterFieldsKeepsTheTextAsTyped(t *testing.T) {
	// The name "a" also occurs inside "/whatsapp": the text must still start after the name.
	assert.Equal(t, "Bom dia!", afterFields("/whatsapp macro add a Bom dia!", 4))
	assert.Equal(t, "Olá,\n  tudo bem?", afterFields("/whatsapp  macro add\tola   Olá,\n  tudo bem?", 4))
	assert.Equal(t, "", afterFields("/whatsapp macro add a", 4))
}
