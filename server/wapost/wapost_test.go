package wapost

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A customer's post keeps the customer's text; author, WhatsApp id and time come back from
// props, also after the JSON round trip the server's database gives them.
func TestParseInboundReadsWhatMarkInboundWrote(t *testing.T) {
	sent := time.UnixMilli(1_767_000_000_123)
	p := &model.Post{Message: "Meu pedido não chegou", CreateAt: 42}
	MarkInbound(p, "Maria Souza", "wamid.A", sent)

	raw, err := json.Marshal(p)
	require.NoError(t, err)
	var stored model.Post
	require.NoError(t, json.Unmarshal(raw, &stored))

	for name, post := range map[string]*model.Post{"as written": p, "from the database": &stored} {
		got, ok := ParseInbound(post)
		require.True(t, ok, name)
		assert.Equal(t, InboundPost{Author: "Maria Souza", WAMID: "wamid.A", Text: "Meu pedido não chegou", At: sent.UnixMilli()}, got, name)
	}
	assert.Equal(t, "true", p.GetProp(model.PostPropsUnsafeLinks), "customer text never unfurls links")
}

func TestParseInboundRefusesOtherPosts(t *testing.T) {
	_, ok := ParseInbound(&model.Post{Message: "an agent's reply"})
	assert.False(t, ok)
	// A customer post without a WhatsApp time falls back to the post's.
	p := &model.Post{Message: "hi", CreateAt: 7}
	p.Type = InboundPostType
	got, ok := ParseInbound(p)
	require.True(t, ok)
	assert.Equal(t, int64(7), got.At)
}
