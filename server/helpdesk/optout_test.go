package helpdesk

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOptOutWordsMatchWholeMessagesOnly(t *testing.T) {
	words := ParseOptOutWords("")
	for _, text := range []string{"PARAR", "parar", " Stop ", "Sáir", "SAIR!", "stop."} {
		assert.True(t, words.Match(text), text)
	}
	for _, text := range []string{"", "parar de enviar", "não quero parar", "stopp", "oi"} {
		assert.False(t, words.Match(text), text)
	}
	custom := ParseOptOutWords("Cancelar;\nDESCADASTRAR")
	assert.True(t, custom.Match("descadastrar"))
	assert.True(t, custom.Match("cancelár"))
	assert.False(t, custom.Match("stop"), "the setting replaces the defaults")
}
