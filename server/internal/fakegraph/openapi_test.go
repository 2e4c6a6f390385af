package fakegraph

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func send(typ string, obj any, extra ...any) map[string]any {
	m := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "551187654321", "type": typ, typ: obj}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

func conformanceTemplates(s *Server) {
	s.SetTemplates(
		Template{Name: "retomar_atendimento", Language: "pt_BR", Components: []TemplateComponent{
			{Type: "HEADER", Format: "IMAGE"},
			{Type: "BODY", Text: "Olá {{1}}, seu atendimento {{2}} está aguardando."},
			{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "QUICK_REPLY", Text: "Continuar"}, {Type: "URL", Text: "Ver", URL: "https://x.com/p/{{1}}"}}},
		}},
		Template{Name: "promo", Language: "pt_BR", Components: []TemplateComponent{
			{Type: "HEADER", Format: "DOCUMENT"},
			{Type: "BODY", Text: "Total {{1}} até {{2}}"},
			{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "COPY_CODE", Text: "Copiar"}}},
		}},
		Template{Name: "named", Language: "en_US", ParameterFormat: "NAMED", Components: []TemplateComponent{{Type: "BODY", Text: "Hi {{customer_name}}"}}},
	)
}

func template(name, lang string, comps ...any) map[string]any {
	return send("template", map[string]any{"name": name, "language": map[string]any{"code": lang}, "components": comps})
}

var (
	imageHeader = map[string]any{"type": "header", "parameters": []any{map[string]any{"type": "image", "image": map[string]any{"id": "1013859600285441"}}}}
	body2       = map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": "Maria"}, map[string]any{"type": "text", "text": "4821"}}}
	quickReply  = map[string]any{"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": []any{map[string]any{"type": "payload", "payload": "REOPEN_4821"}}}
	urlButton   = map[string]any{"type": "button", "sub_type": "url", "index": "1", "parameters": []any{map[string]any{"type": "text", "text": "4821"}}}
)

func multipartUpload(t *testing.T, fields map[string]string, filename, mimeType string, data []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, w.WriteField(k, v))
	}
	if filename != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", multipart.FileContentDisposition("file", filename))
		h.Set("Content-Type", mimeType)
		part, err := w.CreatePart(h)
		require.NoError(t, err)
		_, _ = part.Write(data)
	}
	require.NoError(t, w.Close())
	return &buf, w.FormDataContentType()
}

func do(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// Every kind of request the plugin makes, shaped as server/whatsapp builds
// it, passes Meta's description (the fake is strict: any violation would
// also fail this test at cleanup).
func TestConformanceValidRequests(t *testing.T) {
	s := New(t, Options{})
	conformanceTemplates(s)
	t.Logf("Meta's OpenAPI file parsed in %s", SpecLoadTime())

	sends := []struct {
		name string
		body map[string]any
	}{
		{"text", send("text", map[string]any{"body": "Olá", "preview_url": true})},
		{"reply with context and opaque data", send("text", map[string]any{"body": "ok"},
			"context", map[string]any{"message_id": "wamid.ABC"}, "biz_opaque_callback_data", "mm:post:7h3k")},
		{"image by id with caption", send("image", map[string]any{"id": "1013859600285441", "caption": "foto"})},
		{"image by link", send("image", map[string]any{"link": "https://example.com/a.jpg"})},
		{"document with filename", send("document", map[string]any{"id": "1013859600285441", "filename": "a.pdf", "caption": "c"})},
		{"audio", send("audio", map[string]any{"id": "1013859600285443"})},
		{"video", send("video", map[string]any{"id": "1013859600285444"})},
		{"sticker", send("sticker", map[string]any{"id": "77"})},
		{"reaction", send("reaction", map[string]any{"message_id": "wamid.ABC", "emoji": "👍"})},
		{"reaction removal", send("reaction", map[string]any{"message_id": "wamid.ABC", "emoji": ""})},
		{"template with parameters", template("retomar_atendimento", "pt_BR", imageHeader, body2, quickReply, urlButton)},
		{"template with currency, date_time and copy_code", template("promo", "pt_BR",
			map[string]any{"type": "header", "parameters": []any{map[string]any{"type": "document", "document": map[string]any{"id": "1", "filename": "a.pdf"}}}},
			map[string]any{"type": "body", "parameters": []any{
				map[string]any{"type": "currency", "currency": map[string]any{"fallback_value": "R$ 10,00", "code": "BRL", "amount_1000": 10000}},
				map[string]any{"type": "date_time", "date_time": map[string]any{"fallback_value": "1 de maio"}}}},
			map[string]any{"type": "button", "sub_type": "copy_code", "index": "0", "parameters": []any{map[string]any{"type": "coupon_code", "coupon_code": "OFF10"}}})},
		{"named template", template("named", "en_US", map[string]any{"type": "body", "parameters": []any{
			map[string]any{"type": "text", "parameter_name": "customer_name", "text": "Maria"}}})},
		{"mark read", map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.ABC"}},
		{"mark read with typing", map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.ABC",
			"typing_indicator": map[string]any{"type": "text"}}},
	}
	for _, tt := range sends {
		status, body := call(t, s, http.MethodPost, msgsPath, tok, tt.body)
		assert.Equal(t, 200, status, "%s: %v", tt.name, body)
	}

	buf, ct := multipartUpload(t, map[string]string{"messaging_product": "whatsapp", "type": "image/png"}, "a.png", "image/png", []byte("\x89PNG"))
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v25.0/"+DefaultPhoneNumberID+"/media", buf)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("User-Agent", testUserAgent)
	req.Header.Set("Content-Type", ct)
	assert.Equal(t, 200, do(t, req), "upload")

	s.AddMedia("4490709327384033", "image/jpeg", []byte("jpeg"))
	status, info := call(t, s, http.MethodGet, "/v25.0/4490709327384033?phone_number_id="+DefaultPhoneNumberID, tok, nil)
	require.Equal(t, 200, status, info)
	req, _ = http.NewRequest(http.MethodGet, info["url"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("User-Agent", testUserAgent)
	assert.Equal(t, 200, do(t, req), "download")

	status, _ = call(t, s, http.MethodGet, "/v25.0/"+DefaultWABAID+
		"/message_templates?fields=name,status,category,language,components,parameter_format,id&limit=1", tok, nil)
	assert.Equal(t, 200, status, "template listing")
	status, _ = call(t, s, http.MethodGet, "/v25.0/"+DefaultWABAID+"/message_templates?limit=1&after=MQ", tok, nil)
	assert.Equal(t, 200, status, "template listing, next page")

	assert.Empty(t, s.Violations())
}

func TestConformanceViolations(t *testing.T) {
	s := New(t, Options{AllowInvalid: true})
	conformanceTemplates(s)
	cases := []struct {
		name   string
		body   map[string]any
		reason string
	}{
		{"text without messaging_product", map[string]any{"recipient_type": "individual", "to": "1", "type": "text", "text": map[string]any{"body": "x"}},
			`/messaging_product: property "messaging_product" is missing`},
		{"unknown top-level field", send("text", map[string]any{"body": "x"}, "preview", true), `"preview"`},
		{"unknown text field", send("text", map[string]any{"body": "x", "url": "y"}), `"url"`},
		{"media by id and link", send("image", map[string]any{"id": "1", "link": "https://x"}), "more than one"},
		{"template component of a wrong type", template("retomar_atendimento", "pt_BR", imageHeader, body2,
			map[string]any{"type": "footer", "parameters": []any{}}), `discriminator property "type" has invalid value`},
		{"template parameter of a wrong type", template("retomar_atendimento", "pt_BR", imageHeader,
			map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "sticker", "sticker": map[string]any{"id": "1"}}}}),
			`discriminator property "type" has invalid value`},
		{"text parameter without text", template("retomar_atendimento", "pt_BR", imageHeader,
			map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text"}}}), `property "text" is missing`},
		{"button index not a digit", template("retomar_atendimento", "pt_BR", imageHeader, body2,
			map[string]any{"type": "button", "sub_type": "quick_reply", "index": "first", "parameters": []any{map[string]any{"type": "payload", "payload": "P"}}}),
			"regular expression"},
		{"coupon_code parameter without the code", template("promo", "pt_BR", body2,
			map[string]any{"type": "button", "sub_type": "copy_code", "index": "0", "parameters": []any{map[string]any{"type": "coupon_code"}}}),
			`property "coupon_code" is missing`},
		{"language without code", send("template", map[string]any{"name": "named", "language": map[string]any{"policy": "deterministic"}}),
			`property "code" is missing`},
		{"reaction field unknown", send("reaction", map[string]any{"message_id": "wamid.A", "emoji": "x", "remove": true}), `"remove"`},
		{"mark read without message_id", map[string]any{"messaging_product": "whatsapp", "status": "read"}, `property "message_id" is missing`},
	}
	for _, tt := range cases {
		before := len(s.Violations())
		call(t, s, http.MethodPost, msgsPath, tok, tt.body)
		got := s.Violations()[before:]
		require.NotEmpty(t, got, tt.name)
		assert.Contains(t, got[0].Reason, tt.reason, "%s: %v", tt.name, got)
		assert.Equal(t, http.MethodPost, got[0].Method)
		assert.Equal(t, msgsPath, got[0].Path)
	}

	before := len(s.Violations())
	buf, ct := multipartUpload(t, map[string]string{"messaging_product": "whatsapp", "purpose": "x"}, "", "", nil)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v25.0/"+DefaultPhoneNumberID+"/media", buf)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", ct)
	do(t, req)
	assert.Len(t, s.Violations(), before+2, "undeclared part and no User-Agent: %v", s.Violations()[before:])

	before = len(s.Violations())
	req, _ = http.NewRequest(http.MethodGet, s.URL+"/v25.0/1", nil)
	req.Header.Set("Authorization", "Token "+tok)
	req.Header.Set("User-Agent", testUserAgent)
	do(t, req)
	assert.Contains(t, strings.Join(reasons(s.Violations()[before:]), "\n"), "Authorization")
}

func reasons(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Reason
	}
	return out
}

// cleanupTB records what a strict fake reports at the end of a test.
type cleanupTB struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (c *cleanupTB) Cleanup(f func())                  { c.cleanups = append(c.cleanups, f) }
func (c *cleanupTB) Errorf(format string, args ...any) { c.errors = append(c.errors, format) }

// A strict fake answers a violation with Graph's (#100) error and fails the test.
func TestViolationFailsTheTest(t *testing.T) {
	tb := &cleanupTB{TB: t}
	s := New(tb, Options{})
	status, body := call(t, s, http.MethodPost, msgsPath, tok, map[string]any{"to": "1", "type": "text", "text": map[string]any{"body": "x"}})
	assert.Equal(t, 400, status)
	assert.Equal(t, 100, errCode(t, body))
	assert.Contains(t, body["error"].(map[string]any)["error_data"].(map[string]any)["details"], "messaging_product")
	assert.Empty(t, s.Sent(), "a refused send is not recorded as sent")
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
	assert.NotEmpty(t, tb.errors, "the violation fails the test")
}

// Validation must stay cheap: bintest sends thousands of requests on 2 cores.
func TestValidationCost(t *testing.T) {
	s := New(t, Options{})
	conformanceTemplates(s)
	msg := template("retomar_atendimento", "pt_BR", imageHeader, body2, quickReply, urlButton)
	start := time.Now()
	const n = 200
	for range n {
		status, _ := call(t, s, http.MethodPost, msgsPath, tok, msg)
		require.Equal(t, 200, status)
	}
	t.Logf("%d template sends in %s (%s each, with HTTP)", n, time.Since(start), time.Since(start)/n)
}
