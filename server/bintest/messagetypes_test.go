package bintest

import (
	"net/http"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
)

func (e *env) inbound(wamid string, message map[string]any) *model.Post {
	e.t.Helper()
	message["id"] = wamid
	message["from"] = maria
	if _, ok := message["timestamp"]; !ok {
		message["timestamp"] = "1760011800"
	}
	body := e.graph.InboundMessage(fakegraph.Contact{Name: "Maria Souza", WaID: maria}, message)
	rec := e.deliver(0, body)
	require.Equal(e.t, http.StatusOK, rec.Code, rec.Body.String())
	for _, ch := range e.conversationChannels() {
		for _, p := range e.store.Posts(ch.Id) {
			if p.GetProp("wa_wamid") == wamid {
				return p
			}
		}
	}
	return nil
}

func (e *env) fileNames(p *model.Post) []string {
	var names []string
	for _, f := range e.store.Files() {
		for _, id := range p.FileIds {
			if f.Id == id {
				names = append(names, f.Name)
			}
		}
	}
	return names
}

func TestEveryMessageTypeBecomesAPost(t *testing.T) {
	e := newEnv(t, 1)
	pdf := []byte("%PDF-1.4 nota fiscal")
	e.graph.AddMedia("1870770316696531", "application/pdf", pdf)
	e.graph.AddMedia("1320577185716512", "image/jpeg", []byte("\xff\xd8\xff jpeg bytes"))
	e.graph.AddMedia("986541237766101", "audio/ogg; codecs=opus", []byte("OggS voice"))
	e.graph.AddMedia("555", "video/mp4", []byte("mp4 bytes"))
	e.graph.AddMedia("777", "image/webp", []byte("RIFF webp"))

	text := e.inbound("wamid.text", map[string]any{"type": "text", "text": map[string]any{"body": "Olá"}})
	require.NotNil(t, text)
	assert.Contains(t, text.Message, "Olá")

	doc := e.inbound("wamid.doc", map[string]any{"type": "document", "document": map[string]any{
		"id": "1870770316696531", "mime_type": "application/pdf", "filename": "NF-000123-setembro.pdf", "caption": "Nota fiscal",
		"sha256": fakegraph.MediaSHA256Base64(pdf)}})
	require.NotNil(t, doc)
	assert.Equal(t, []string{"NF-000123-setembro.pdf"}, e.fileNames(doc), "a document keeps its filename")
	assert.Contains(t, doc.Message, "Nota fiscal")

	img := e.inbound("wamid.img", map[string]any{"type": "image", "image": map[string]any{"id": "1320577185716512", "mime_type": "image/jpeg", "caption": "Caixa amassada"}})
	require.Len(t, img.FileIds, 1)
	assert.Contains(t, img.Message, "Caixa amassada")
	assert.Regexp(t, `\.jpg$`, e.fileNames(img)[0])

	voice := e.inbound("wamid.voice", map[string]any{"type": "audio", "audio": map[string]any{"id": "986541237766101", "mime_type": "audio/ogg; codecs=opus", "voice": true}})
	require.Len(t, voice.FileIds, 1)
	assert.Contains(t, voice.Message, "voice message")
	assert.Regexp(t, `\.ogg$`, e.fileNames(voice)[0])

	video := e.inbound("wamid.video", map[string]any{"type": "video", "video": map[string]any{"id": "555", "mime_type": "video/mp4"}})
	require.Len(t, video.FileIds, 1)

	sticker := e.inbound("wamid.sticker", map[string]any{"type": "sticker", "sticker": map[string]any{"id": "777", "mime_type": "image/webp", "animated": false}})
	require.Len(t, sticker.FileIds, 1)
	assert.Contains(t, sticker.Message, "sticker")

	loc := e.inbound("wamid.loc", map[string]any{"type": "location", "location": map[string]any{"latitude": -23.561, "longitude": -46.656, "name": "Loja Paulista", "address": "Av. Paulista, 1000"}})
	assert.Contains(t, loc.Message, "Loja Paulista")
	assert.Contains(t, loc.Message, "-23.561")

	contacts := e.inbound("wamid.contacts", map[string]any{"type": "contacts", "contacts": []any{map[string]any{
		"name": map[string]any{"formatted_name": "João Lima"}, "phones": []any{map[string]any{"phone": "+55 21 99876-5432", "wa_id": "5521998765432"}}}}})
	assert.Contains(t, contacts.Message, "João Lima")
	assert.Contains(t, contacts.Message, "+55 21 99876-5432")

	button := e.inbound("wamid.button", map[string]any{"type": "interactive", "interactive": map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": "yes", "title": "Sim, pode trocar"}}})
	assert.Contains(t, button.Message, "Sim, pode trocar")

	list := e.inbound("wamid.list", map[string]any{"type": "interactive", "interactive": map[string]any{"type": "list_reply", "list_reply": map[string]any{"id": "opt2", "title": "Troca", "description": "Quero trocar o produto"}}})
	assert.Contains(t, list.Message, "Troca")

	tpl := e.inbound("wamid.tplbutton", map[string]any{"type": "button", "button": map[string]any{"payload": "REOPEN_4821", "text": "Continuar atendimento"}})
	assert.Contains(t, tpl.Message, "Continuar atendimento")

	unsupported := e.inbound("wamid.unsupported", map[string]any{"type": "unsupported", "errors": []any{map[string]any{"code": 131051, "title": "Message type unknown"}}})
	assert.Contains(t, unsupported.Message, "131051")
	assert.Contains(t, unsupported.Message, "Message type unknown")

	unknown := e.inbound("wamid.poll", map[string]any{"type": "poll_vote", "poll_vote": map[string]any{"x": 1}})
	require.NotNil(t, unknown, "an unknown type is never silently dropped")
	assert.Contains(t, unknown.Message, "poll_vote")

	// A reply threads under the message it quotes.
	reply := e.inbound("wamid.reply", map[string]any{"type": "text", "text": map[string]any{"body": "essa aqui"}, "context": map[string]any{"from": maria, "id": "wamid.doc"}})
	assert.Equal(t, doc.Id, reply.RootId)

	// A reaction lands on the post it refers to, as the bot's reaction; removing it removes it.
	e.inbound("wamid.react", map[string]any{"type": "reaction", "reaction": map[string]any{"message_id": "wamid.text", "emoji": "👍"}})
	reactions := e.store.Reactions(text.Id)
	require.Len(t, reactions, 1)
	assert.Equal(t, "+1", reactions[0].EmojiName)
	e.inbound("wamid.unreact", map[string]any{"type": "reaction", "reaction": map[string]any{"message_id": "wamid.text", "emoji": ""}})
	assert.Empty(t, e.store.Reactions(text.Id))

	// All of it is one conversation.
	assert.Len(t, e.conversationChannels(), 1)
}

func TestMediaDownloadFailureLeavesPlaceholderThenFileAfterRetry(t *testing.T) {
	e := newEnv(t, 1)
	data := []byte("%PDF-1.4 boleto")
	e.graph.AddMedia("4242", "application/pdf", data)
	e.graph.FailAlways(fakegraph.Media, fakegraph.ServerError())

	msg := map[string]any{"type": "document", "document": map[string]any{"id": "4242", "mime_type": "application/pdf", "filename": "boleto.pdf"}}
	body := e.graph.InboundMessage(fakegraph.Contact{Name: "Maria Souza", WaID: maria}, map[string]any{
		"id": "wamid.media", "from": maria, "timestamp": "1760011800", "type": "document", "document": msg["document"]})
	rec := e.deliver(0, body)
	require.Equal(t, http.StatusOK, rec.Code, "the placeholder is durable, so Meta need not retry")

	ch := e.onlyConversationChannel()
	posts := e.customerPosts(ch.Id)
	require.Len(t, posts, 1)
	placeholder := posts[0]
	assert.Empty(t, placeholder.FileIds)
	assert.Contains(t, placeholder.Message, "could not be downloaded")

	// Meta redelivers (or the retry job runs) once the Graph API is back: the file arrives.
	e.graph.ClearFaults()
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	var withFile *model.Post
	for _, p := range e.store.Posts(ch.Id) {
		if len(p.FileIds) > 0 {
			withFile = p
		}
	}
	require.NotNil(t, withFile, "the file must be attached after the retry")
	assert.Equal(t, []string{"boleto.pdf"}, e.fileNames(withFile))
	assert.Equal(t, placeholder.Id, withFile.RootId)
	assert.Equal(t, data, e.store.FileData(withFile.FileIds[0]))
	assert.Contains(t, e.store.Post(placeholder.Id).Message, "arrived")

	// A further redelivery changes nothing.
	require.Equal(t, http.StatusOK, e.deliver(0, body).Code)
	files := 0
	for _, p := range e.store.Posts(ch.Id) {
		files += len(p.FileIds)
	}
	assert.Equal(t, 1, files)
}
