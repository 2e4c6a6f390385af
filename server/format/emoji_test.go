package format

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEmojiRoundTrip(t *testing.T) {
	e := NewEmoji()
	assert.Equal(t, "👍", Unicode("+1"))
	assert.Equal(t, "", Unicode("no_such_emoji"))
	name, ok := e.Name("👍")
	assert.True(t, ok)
	assert.Equal(t, "👍", Unicode(name))
	name, ok = e.Name("❤️")
	assert.True(t, ok, "variation selector must not prevent a match")
	assert.Equal(t, "heart", name)
	_, ok = e.Name("not an emoji")
	assert.False(t, ok)
}
