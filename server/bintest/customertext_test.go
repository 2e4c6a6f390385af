package bintest

import (
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/shared/markdown"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

// mentionsIn splits text the way Mattermost's mention parser does and returns the words it
// would check as mentions (@all, @channel, @here, @username).
func mentionsIn(text string) []string {
	var out []string
	for _, word := range strings.FieldsFunc(text, func(c rune) bool {
		return c != ':' && c != '.' && c != '-' && c != '_' && c != '@' && !unicode.IsLetter(c) && !unicode.IsNumber(c)
	}) {
		for _, p := range append([]string{word}, strings.FieldsFunc(word, func(c rune) bool { return c == '.' || c == '-' || c == ':' })...) {
			if len(p) > 1 && p[0] == '@' {
				out = append(out, p)
			}
		}
	}
	return out
}

// requireInert checks markdown as Mattermost reads it: no image, no link with its own text, no
// mention.
func requireInert(t *testing.T, what, md string) {
	t.Helper()
	markdown.Inspect(md, func(n any) bool {
		switch n.(type) {
		case *markdown.InlineImage, *markdown.ReferenceImage:
			t.Errorf("%s embeds an image: %q", what, md)
		case *markdown.InlineLink, *markdown.ReferenceLink:
			t.Errorf("%s has a link whose text hides its URL: %q", what, md)
		}
		return true
	})
	assert.Empty(t, mentionsIn(md), "%s mentions someone: %q", what, md)
}

func TestCustomerTextIsInertAndWhatsAppFormattingShows(t *testing.T) {
	e := newEnv(t, 1)
	const attack = "Olá @all @channel @here @alice ![x](https://tracker.example/p.png) [meu banco](https://evil.example/login) *urgente* _hoje_ ~ontem~ ```code```"
	body := e.graph.InboundMessage(fakegraph.Contact{Name: "@channel ![a](https://tracker.example/n.png)", WaID: maria},
		map[string]any{"type": "text", "text": map[string]any{"body": attack}})
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	ch := e.onlyConversationChannel()
	posts := e.customerPosts(ch.Id)
	require.Len(t, posts, 1)
	p := posts[0]
	requireInert(t, "the customer's post", p.Message)
	assert.Equal(t, "true", p.GetProp(model.PostPropsUnsafeLinks), "no link previews")
	// The real URLs are visible; WhatsApp formatting is Mattermost formatting.
	assert.Contains(t, p.Message, "https://evil.example/login")
	assert.Contains(t, p.Message, "https://tracker.example/p.png")
	for _, f := range []string{"**urgente**", "_hoje_", "~~ontem~~", "`code`"} {
		assert.Contains(t, p.Message, f)
	}

	// Captions, file names, contacts and places too.
	for _, m := range []map[string]any{
		{"type": "location", "location": map[string]any{"latitude": -23.5, "longitude": -46.6, "name": "@here ![p](https://t.example/l.png)", "address": "[Rua](https://evil.example)"}},
		{"type": "contacts", "contacts": []any{map[string]any{"name": map[string]any{"formatted_name": "@all [x](https://evil.example)"},
			"phones": []any{map[string]any{"phone": "![p](https://t.example/c.png)"}}, "emails": []any{map[string]any{"email": "@channel"}}}}},
		{"type": "button", "button": map[string]any{"text": "@all ![b](https://t.example/b.png)", "payload": "x"}},
	} {
		post := e.inbound(fakegraph.NewWAMID(), m)
		require.NotNil(t, post)
		requireInert(t, m["type"].(string), post.Message)
	}
	e.graph.AddMedia("media.doc", "application/pdf", []byte("%PDF-1.4"))
	doc := e.graph.InboundMedia(fakegraph.Contact{Name: "Maria", WaID: maria}, "document", "media.doc", "@all ![c](https://t.example/c.png)", "[nota](https://evil.example).pdf")
	require.Equal(t, http.StatusOK, e.deliver(0, doc).Code)
	for _, post := range e.customerPosts(ch.Id) {
		requireInert(t, "post "+post.GetProp("wa_wamid").(string), post.Message)
	}

	// The queue announcement, the channel header and the attend answer are inert as well.
	var announcement *model.Post
	for _, q := range e.store.Posts(e.queue.Id) {
		if q.GetProp("wa_conversation_id") != nil {
			announcement = q
		}
	}
	require.NotNil(t, announcement)
	a := announcement.Attachments()[0]
	assert.Empty(t, mentionsIn(a.Title+" "+a.Fallback+" "+a.Text))
	for _, f := range a.Fields {
		requireInert(t, "field "+f.Title, f.Value.(string))
	}
	requireInert(t, "channel header", e.store.Channel(ch.Id).Header)
	convID := e.convOfChannel(p.ChannelId)
	out := e.command(e.alice.Id, e.queue.Id, "/whatsapp attend "+convID)
	requireInert(t, "attend answer", out)
}
