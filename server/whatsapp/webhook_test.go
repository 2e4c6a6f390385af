package whatsapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtures are real-format webhook payloads (CLOUD_API.md §2), one per kind of notification.
func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = data
	}
	return out
}

func TestParseFixtures(t *testing.T) {
	for name, body := range fixtures(t) {
		p, err := ParsePayload(body)
		require.NoError(t, err, name)
		require.NotEmpty(t, p.Entry, name)
		v := p.Entry[0].Changes[0].Value
		assert.Equal(t, "118923734567890", v.Metadata.PhoneNumberID, name)
		if strings.HasPrefix(name, "status_") {
			require.Len(t, v.Statuses, 1, name)
			continue
		}
		require.NotEmpty(t, v.Messages, name)
		m := v.Messages[0]
		assert.NotEmpty(t, m.ID, name)
		assert.False(t, ParseTimestamp(m.Timestamp).IsZero(), name)
	}
	p, err := ParsePayload(fixtures(t)["document.json"])
	require.NoError(t, err)
	doc := p.Entry[0].Changes[0].Value.Messages[0].MediaObject()
	require.NotNil(t, doc)
	assert.Equal(t, "NF-000123-setembro.pdf", doc.Filename)
	assert.Equal(t, "BR.20938475610293847", p.Entry[0].Changes[0].Value.Contacts[0].UserID)

	failed, err := ParsePayload(fixtures(t)["status_failed.json"])
	require.NoError(t, err)
	st := failed.Entry[0].Changes[0].Value.Statuses[0]
	assert.Equal(t, 131047, st.Errors[0].Code)
	assert.Equal(t, "mm:post:7h3k9x1bqtf8zr4cw5n6yq2p1a", st.BizOpaqueCallbackData)
	batch, err := ParsePayload(fixtures(t)["batch.json"])
	require.NoError(t, err)
	assert.Len(t, batch.Entry, 2)
}

func TestParseRejectsWhatIsNotAWebhook(t *testing.T) {
	for name, body := range map[string]string{
		"empty":         ``,
		"truncated":     `{"object":"whatsapp_business_account","entry":[`,
		"other object":  `{"object":"page","entry":[]}`,
		"trailing data": `{"object":"whatsapp_business_account","entry":[]} {}`,
		"wrong types":   `{"object":"whatsapp_business_account","entry":"x"}`,
		"deep nesting":  `{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"referral":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}]}}]}]}`,
	} {
		_, err := ParsePayload([]byte(body))
		assert.Error(t, err, name)
	}
}

func TestSignature(t *testing.T) {
	body := fixtures(t)["text.json"]
	sig := Signature(body, "app-secret")
	assert.True(t, strings.HasPrefix(sig, "sha256="))
	assert.Len(t, sig, len("sha256=")+64)
	assert.True(t, ValidSignature(body, sig, "app-secret"))
	assert.True(t, ValidSignature(body, "sha256="+strings.ToUpper(sig[7:]), "app-secret"), "hex case does not matter")
	assert.False(t, ValidSignature(body, sig, "other-secret"))
	assert.False(t, ValidSignature(append([]byte(" "), body...), sig, "app-secret"), "the raw bytes are signed")
	assert.False(t, ValidSignature(body, strings.TrimPrefix(sig, "sha256="), "app-secret"), "the prefix is required")
	assert.False(t, ValidSignature(body, "", "app-secret"))
	assert.False(t, ValidSignature(body, Signature(body, ""), ""), "no secret configured never validates")
}

// FuzzWebhook feeds arbitrary bodies and signatures through the path a webhook takes before any
// state is touched: signature check, then parsing. Neither may panic; a valid signature is only
// ever produced by the secret; whatever parses has the expected shape.
func FuzzWebhook(f *testing.F) {
	for _, body := range fixtures(f) {
		f.Add(body, Signature(body, "s3cret"))
		f.Add(body, "sha256=00")
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"text"}]}}]}]}`), "")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		valid := ValidSignature(body, header, "s3cret")
		if valid && header != Signature(body, "s3cret") && strings.ToLower(header) != Signature(body, "s3cret") {
			t.Fatalf("accepted a signature that is not the body's: %q", header)
		}
		p, err := ParsePayload(body)
		if err != nil {
			return
		}
		if p.Object != "whatsapp_business_account" {
			t.Fatalf("parsed a payload of object %q", p.Object)
		}
		for _, e := range p.Entry {
			for _, c := range e.Changes {
				for i := range c.Value.Messages {
					m := &c.Value.Messages[i]
					_ = m.MediaObject()
					_ = ParseTimestamp(m.Timestamp)
				}
			}
		}
	})
}

// One message of an unexpected shape costs only itself: it becomes an "unsupported" placeholder
// with its id and the reason, and the rest of the batch decodes.
func TestOneUndecodableMessageDoesNotCostTheBatch(t *testing.T) {
	p, err := ParsePayload(fixtures(t)["order_odd_field.json"])
	require.NoError(t, err)
	msgs := p.Entry[0].Changes[0].Value.Messages
	require.Len(t, msgs, 2)
	assert.Equal(t, "unsupported", msgs[0].Type)
	assert.Equal(t, "wamid.HBgMNTUxMTg3NjU0MzIxFQIAEhgWT0REMQA=", msgs[0].ID)
	assert.Contains(t, msgs[0].DecodeError, "order")
	assert.Equal(t, "text", msgs[1].Type)
	assert.Equal(t, "Mandei o pedido agora", msgs[1].Text.Body)

	// Without an id, the content stands in, the same for every redelivery.
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"text","text":"not an object"}],"statuses":[{"id":7}]}}]}]}`)
	a, err := ParsePayload(body)
	require.NoError(t, err)
	b, err := ParsePayload(body)
	require.NoError(t, err)
	v := a.Entry[0].Changes[0].Value
	require.Len(t, v.Messages, 1)
	assert.Equal(t, b.Entry[0].Changes[0].Value.Messages[0].ID, v.Messages[0].ID)
	assert.Empty(t, v.Statuses, "an undecodable status is left out")
	assert.Len(t, v.Problems, 1)

	edit, err := ParsePayload(fixtures(t)["edit.json"])
	require.NoError(t, err)
	m := edit.Entry[0].Changes[0].Value.Messages[0]
	require.NotNil(t, m.Edit)
	assert.Equal(t, "wamid.HBgMNTUxMTg3NjU0MzIxFQIAEhggQTFCMkMzRDRFNUY2QTdCOEM5RDBFMUYyQTNCNEM1RDYA", m.Edit.OriginalMessageID)
	assert.Equal(t, "Oi, meu pedido 4821 ainda não chegou 😕", m.Edit.Message.Text.Body)
}
