package fakegraph

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call performs a request against the fake and decodes a JSON answer.
func call(t *testing.T, s *Server, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = s.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", testUserAgent)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp.StatusCode, out
}

func errCode(t *testing.T, body map[string]any) int {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	require.True(t, ok, "Graph error envelope expected, got %v", body)
	assert.NotEmpty(t, e["fbtrace_id"])
	assert.NotEmpty(t, e["type"])
	return int(e["code"].(float64))
}

const tok = DefaultAccessToken

// testUserAgent matches the pattern Meta's OpenAPI file gives User-Agent
// (Go's default "Go-http-client/1.1" does not).
const testUserAgent = "fakegraph-test/1.0.0"

var msgsPath = "/v25.0/" + DefaultPhoneNumberID + "/messages"

func textMsg(to, body string) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
		"text": map[string]any{"body": body}}
}

func TestSendText(t *testing.T) {
	s := New(t, Options{})
	s.SetWaID("+5511987654321", "551187654321")
	msg := textMsg("+5511987654321", "Olá")
	msg["context"] = map[string]any{"message_id": "wamid.Q"}
	msg["biz_opaque_callback_data"] = "mm:post:1"

	status, body := call(t, s, http.MethodPost, msgsPath, tok, msg)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "whatsapp", body["messaging_product"])
	contact := body["contacts"].([]any)[0].(map[string]any)
	assert.Equal(t, "+5511987654321", contact["input"])
	assert.Equal(t, "551187654321", contact["wa_id"])
	m := body["messages"].([]any)[0].(map[string]any)
	assert.Equal(t, "accepted", m["message_status"])
	wamid := m["id"].(string)
	assert.True(t, strings.HasPrefix(wamid, "wamid."))

	sent := s.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, SentMessage{WAMID: wamid, To: "+5511987654321", Type: "text", Text: "Olá", ContextID: "wamid.Q", BizOpaque: "mm:post:1", Raw: sent[0].Raw, At: sent[0].At}, sent[0])
	assert.WithinDuration(t, time.Now(), sent[0].At, time.Minute, "the fake records when it accepted the send")
	assert.Equal(t, "Olá", sent[0].Raw["text"].(map[string]any)["body"])

	_, body2 := call(t, s, http.MethodPost, msgsPath, tok, textMsg("5511", "again"))
	assert.NotEqual(t, wamid, body2["messages"].([]any)[0].(map[string]any)["id"], "fresh ids")
	assert.Equal(t, 2, s.Requests(Messages))
}

func TestSendValidation(t *testing.T) {
	s := New(t, Options{AllowInvalid: true}) // malformed on purpose: the fake's own checks answer
	media := func(typ string, obj map[string]any) map[string]any {
		return map[string]any{"messaging_product": "whatsapp", "to": "5511", "type": typ, typ: obj}
	}
	tests := []struct {
		name   string
		body   any
		status int
		code   int
	}{
		{"not json", "{", 400, 100},
		{"no messaging_product", map[string]any{"to": "1", "type": "text", "text": map[string]any{"body": "x"}}, 400, 100},
		{"no to", map[string]any{"messaging_product": "whatsapp", "type": "text", "text": map[string]any{"body": "x"}}, 400, 100},
		{"no type", map[string]any{"messaging_product": "whatsapp", "to": "1"}, 400, 100},
		{"group recipient", map[string]any{"messaging_product": "whatsapp", "recipient_type": "group", "to": "1", "type": "text", "text": map[string]any{"body": "x"}}, 400, 100},
		{"type without object", map[string]any{"messaging_product": "whatsapp", "to": "1", "type": "image"}, 400, 131008},
		{"empty text", textMsg("1", ""), 400, 131008},
		{"long text", textMsg("1", strings.Repeat("x", 4097)), 400, 100},
		{"media without id", media("image", map[string]any{"caption": "x"}), 400, 100},
		{"media id and link", media("image", map[string]any{"id": "1", "link": "https://x"}), 400, 100},
		{"audio caption", media("audio", map[string]any{"id": "1", "caption": "x"}), 400, 100},
		{"image filename", media("image", map[string]any{"id": "1", "filename": "x"}), 400, 100},
		{"reaction without message", media("reaction", map[string]any{"emoji": "x"}), 400, 131008},
		{"bad context", map[string]any{"messaging_product": "whatsapp", "to": "1", "type": "text", "text": map[string]any{"body": "x"}, "context": map[string]any{}}, 400, 100},
		{"unknown type", media("poll", map[string]any{}), 400, 100},
		{"ok document", media("document", map[string]any{"id": "1", "filename": "a.pdf", "caption": "c"}), 200, 0},
		{"ok reaction removal", media("reaction", map[string]any{"message_id": "wamid.X", "emoji": ""}), 200, 0},
		{"ok location", media("location", map[string]any{"latitude": 1, "longitude": 2}), 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, s, http.MethodPost, msgsPath, tok, tt.body)
			require.Equal(t, tt.status, status, body)
			if tt.code != 0 {
				assert.Equal(t, tt.code, errCode(t, body))
			}
		})
	}
	assert.Len(t, s.Sent(), 3, "only accepted sends are recorded")
	doc := s.Sent()[0]
	assert.Equal(t, "1", doc.MediaID)
	assert.Equal(t, "a.pdf", doc.Filename)
	assert.Equal(t, "c", doc.Caption)
}

func TestAuthAndRouting(t *testing.T) {
	s := New(t, Options{AccessToken: "secret", AllowInvalid: true}) // bad tokens, paths and methods on purpose
	status, body := call(t, s, http.MethodPost, msgsPath, "wrong", textMsg("1", "x"))
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, 190, errCode(t, body))

	status, _ = call(t, s, http.MethodPost, msgsPath+"?access_token=secret", "", textMsg("1", "x"))
	assert.Equal(t, http.StatusOK, status, "access_token query parameter works like Graph")

	status, body = call(t, s, http.MethodPost, "/v25.0/999/messages", "secret", textMsg("1", "x"))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, 100, errCode(t, body))
	assert.Equal(t, float64(33), body["error"].(map[string]any)["error_subcode"])

	status, body = call(t, s, http.MethodPost, "/messages", "secret", textMsg("1", "x"))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, 2500, errCode(t, body))

	status, _ = call(t, s, http.MethodGet, msgsPath, "secret", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Len(t, s.Sent(), 1)
	// The token in the query, the unknown path and GET /messages break Meta's description.
	assert.Len(t, s.Violations(), 4, "%v", s.Violations())
}

func TestMarkRead(t *testing.T) {
	s := New(t, Options{})
	status, body := call(t, s, http.MethodPost, msgsPath, tok, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.A"})
	require.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"success": true}, body)
	status, body = call(t, s, http.MethodPost, msgsPath, tok, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "nope"})
	assert.Equal(t, 400, status)
	assert.Equal(t, 131009, errCode(t, body))
	assert.Equal(t, []string{"wamid.A"}, s.Reads())
	assert.Empty(t, s.Sent())
}

func upload(t *testing.T, s *Server, filename, typ string, data []byte) (int, map[string]any) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("messaging_product", "whatsapp"))
	require.NoError(t, w.WriteField("type", typ))
	fw, err := w.CreateFormFile("file", filename)
	require.NoError(t, err)
	_, _ = fw.Write(data)
	require.NoError(t, w.Close())
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v25.0/"+DefaultPhoneNumberID+"/media", &buf)
	req.Header.Set("User-Agent", testUserAgent)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestUploadAndDownload(t *testing.T) {
	s := New(t, Options{AllowInvalid: true}) // one download without a token on purpose
	data := []byte("%PDF-1.4 protocolo")
	status, body := upload(t, s, "protocolo.pdf", "application/pdf", data)
	require.Equal(t, 200, status, body)
	id := body["id"].(string)
	assert.Len(t, id, 16)
	require.Len(t, s.Uploads(), 1)
	assert.Equal(t, UploadedMedia{ID: id, Filename: "protocolo.pdf", MimeType: "application/pdf", Data: data}, s.Uploads()[0])

	status, body = upload(t, s, "x.zip", "application/zip", data)
	assert.Equal(t, 400, status)
	assert.Equal(t, 131053, errCode(t, body))
	status, body = upload(t, s, "big.png", "image/png", make([]byte, 5<<20+1))
	assert.Equal(t, 400, status)
	assert.Equal(t, 131053, errCode(t, body))

	// Uploaded media can be fetched back like inbound media.
	status, info := call(t, s, http.MethodGet, "/v25.0/"+id+"?phone_number_id="+DefaultPhoneNumberID, tok, nil)
	require.Equal(t, 200, status, info)
	sum := sha256.Sum256(data)
	assert.Equal(t, hex.EncodeToString(sum[:]), info["sha256"])
	assert.Equal(t, fmt.Sprint(len(data)), info["file_size"])
	assert.Equal(t, "application/pdf", info["mime_type"])
	assert.Equal(t, "whatsapp", info["messaging_product"])
	mediaURL := info["url"].(string)
	assert.True(t, strings.HasPrefix(mediaURL, s.URL+"/whatsapp_business/attachments/?"))

	resp, err := http.Get(mediaURL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "bearer token required")

	req, _ := http.NewRequest(http.MethodGet, mediaURL, nil)
	req.Header.Set("User-Agent", testUserAgent)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	assert.Equal(t, data, got)

	req, _ = http.NewRequest(http.MethodGet, strings.Replace(mediaURL, "hash=", "hash=x", 1), nil)
	req.Header.Set("User-Agent", testUserAgent)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "forged url")

	status, body = call(t, s, http.MethodGet, "/v25.0/404404", tok, nil)
	assert.Equal(t, 400, status)
	assert.Equal(t, 100, errCode(t, body))
	status, _ = call(t, s, http.MethodGet, "/v25.0/"+id+"?phone_number_id=other", tok, nil)
	assert.Equal(t, 400, status)

	assert.Equal(t, 3, s.Requests(MediaInfo))
	assert.Equal(t, 3, s.Requests(MediaDownload))
	assert.Equal(t, 6, s.Requests(Media))
	assert.Equal(t, 3, s.Requests(Upload))
	require.NotEmpty(t, s.Violations())
	for _, v := range s.Violations() {
		assert.Equal(t, "/whatsapp_business/attachments/", v.Path, "only the tokenless download breaks the spec: %s", v)
	}
}

func TestSeededMedia(t *testing.T) {
	s := New(t, Options{})
	s.AddMedia("1320577185716512", "image/jpeg", []byte("JPEG"))
	s.SetMediaSHA256("1320577185716512", strings.Repeat("0", 64))
	_, info := call(t, s, http.MethodGet, "/v25.0/1320577185716512", tok, nil)
	assert.Equal(t, strings.Repeat("0", 64), info["sha256"])
	assert.Equal(t, "4", info["file_size"])
}

func seedTemplates(n int) []Template {
	ts := make([]Template, n)
	for i := range ts {
		ts[i] = Template{Name: fmt.Sprintf("t%03d", i), Language: "pt_BR", Components: []TemplateComponent{{Type: "BODY", Text: "Oi {{1}}"}}}
	}
	return ts
}

func TestTemplatePaging(t *testing.T) {
	s := New(t, Options{})
	ts := seedTemplates(7)
	ts[3].Status = "REJECTED"
	s.SetTemplates(ts...)

	var names []string
	next := s.URL + "/v25.0/" + DefaultWABAID + "/message_templates?fields=name,status&limit=3"
	pages := 0
	for next != "" {
		status, body := call(t, s, http.MethodGet, next, tok, nil)
		require.Equal(t, 200, status, body)
		pages++
		for _, d := range body["data"].([]any) {
			tm := d.(map[string]any)
			names = append(names, tm["name"].(string))
			assert.NotEmpty(t, tm["id"])
			assert.Equal(t, "UTILITY", tm["category"])
			assert.Equal(t, "POSITIONAL", tm["parameter_format"])
		}
		next = ""
		if paging, ok := body["paging"].(map[string]any); ok {
			next, _ = paging["next"].(string)
			assert.NotEmpty(t, paging["cursors"])
		}
		if next != "" {
			assert.True(t, strings.HasPrefix(next, s.URL+"/v25.0/"), "absolute next: %s", next)
			assert.Contains(t, next, "limit=3")
		}
	}
	assert.Equal(t, 3, pages)
	assert.Len(t, names, 7)
	assert.Equal(t, "t006", names[6])

	_, body := call(t, s, http.MethodGet, "/v25.0/"+DefaultWABAID+"/message_templates?status=APPROVED&limit=100", tok, nil)
	assert.Len(t, body["data"], 6)
	assert.Nil(t, body["paging"].(map[string]any)["next"])

	status, body := call(t, s, http.MethodGet, "/v25.0/1/message_templates", tok, nil)
	assert.Equal(t, 400, status)
	assert.Equal(t, 100, errCode(t, body))

	require.NoError(t, s.SetTemplatesJSON([]byte(`{"data":[{"name":"raw","language":"en_US","status":"APPROVED","components":[]}]}`)))
	_, body = call(t, s, http.MethodGet, "/v25.0/"+DefaultWABAID+"/message_templates", tok, nil)
	assert.Len(t, body["data"], 1)
	assert.Error(t, s.SetTemplatesJSON([]byte(`"nope"`)))
}

func TestTemplateSendValidation(t *testing.T) {
	s := New(t, Options{})
	s.SetTemplates(
		Template{Name: "retomar_atendimento", Language: "pt_BR", Components: []TemplateComponent{
			{Type: "HEADER", Format: "IMAGE"},
			{Type: "BODY", Text: "Olá {{1}}, seu atendimento {{2}} está aguardando."},
			{Type: "FOOTER", Text: "Equipe"},
			{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "QUICK_REPLY", Text: "Continuar"}, {Type: "URL", Text: "Ver", URL: "https://x.com/p/{{1}}"}}},
		}},
		Template{Name: "named", Language: "en_US", ParameterFormat: "NAMED", Components: []TemplateComponent{{Type: "BODY", Text: "Hi {{customer_name}}"}}},
		Template{Name: "paused", Language: "en_US", Status: "PAUSED"},
	)
	tmpl := func(name, lang string, comps ...any) map[string]any {
		t := map[string]any{"name": name, "language": map[string]any{"code": lang}}
		if len(comps) > 0 {
			t["components"] = comps
		}
		return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "5511", "type": "template", "template": t}
	}
	header := map[string]any{"type": "header", "parameters": []any{map[string]any{"type": "image", "image": map[string]any{"id": "1"}}}}
	body2 := map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": "Maria"}, map[string]any{"type": "text", "text": "4821"}}}
	body1 := map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": "Maria"}}}
	urlBtn := map[string]any{"type": "button", "sub_type": "url", "index": "1", "parameters": []any{map[string]any{"type": "text", "text": "4821"}}}
	qr := map[string]any{"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": []any{map[string]any{"type": "payload", "payload": "P"}}}
	textHeader := map[string]any{"type": "header", "parameters": []any{map[string]any{"type": "text", "text": "x"}}}

	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   int
	}{
		{"complete", tmpl("retomar_atendimento", "pt_BR", header, body2, qr, urlBtn), 200, 0},
		{"quick reply optional", tmpl("retomar_atendimento", "pt_BR", header, body2, urlBtn), 200, 0},
		{"unknown template", tmpl("nope", "pt_BR"), 404, 132001},
		{"wrong language", tmpl("retomar_atendimento", "en_US", header, body2, urlBtn), 404, 132001},
		{"paused", tmpl("paused", "en_US"), 400, 132015},
		{"body count", tmpl("retomar_atendimento", "pt_BR", header, body1, urlBtn), 400, 132000},
		{"header missing", tmpl("retomar_atendimento", "pt_BR", body2, urlBtn), 400, 132012},
		{"header wrong format", tmpl("retomar_atendimento", "pt_BR", textHeader, body2, urlBtn), 400, 132012},
		{"url button missing", tmpl("retomar_atendimento", "pt_BR", header, body2), 400, 132000},
		{"button index out of range", tmpl("retomar_atendimento", "pt_BR", header, body2, urlBtn,
			map[string]any{"type": "button", "sub_type": "quick_reply", "index": "5", "parameters": []any{map[string]any{"type": "payload", "payload": "P"}}}), 400, 100},
		{"empty text param", tmpl("retomar_atendimento", "pt_BR", header,
			map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": ""}, map[string]any{"type": "text", "text": "x"}}}, urlBtn), 400, 100},
		{"named ok", tmpl("named", "en_US", map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "parameter_name": "customer_name", "text": "M"}}}), 200, 0},
		{"named wrong name", tmpl("named", "en_US", map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "parameter_name": "name", "text": "M"}}}), 400, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, s, http.MethodPost, msgsPath, tok, tt.body)
			require.Equal(t, tt.status, status, body)
			if tt.code != 0 {
				assert.Equal(t, tt.code, errCode(t, body))
			}
		})
	}
	require.Len(t, s.Sent(), 3)
	assert.Equal(t, "retomar_atendimento", s.Sent()[0].TemplateName)
}

func TestFaults(t *testing.T) {
	s := New(t, Options{})
	s.FailNext(Messages, 2, RateLimited())
	s.FailNext(Messages, 1, ServerError())
	for _, want := range []struct{ status, code int }{{400, 130429}, {400, 130429}, {500, 131000}} {
		status, body := call(t, s, http.MethodPost, msgsPath, tok, textMsg("1", "x"))
		assert.Equal(t, want.status, status)
		assert.Equal(t, want.code, errCode(t, body))
	}
	status, _ := call(t, s, http.MethodPost, msgsPath, tok, textMsg("1", "x"))
	assert.Equal(t, 200, status)
	assert.Len(t, s.Sent(), 1)
	assert.Equal(t, 4, s.Requests(Messages))

	s.FailAlways(Messages, TokenExpired())
	for range 3 {
		status, body := call(t, s, http.MethodPost, msgsPath, tok, textMsg("1", "x"))
		assert.Equal(t, 401, status)
		assert.Equal(t, 190, errCode(t, body))
		assert.Equal(t, float64(463), body["error"].(map[string]any)["error_subcode"])
	}
	s.ClearFaults()
	status, _ = call(t, s, http.MethodPost, msgsPath, tok, textMsg("1", "x"))
	assert.Equal(t, 200, status)

	// Media matches both steps of a download; other endpoints are unaffected.
	s.AddMedia("1", "image/jpeg", []byte("x"))
	s.FailNext(Media, 1, PairRateLimit())
	status, body := call(t, s, http.MethodGet, "/v25.0/1", tok, nil)
	assert.Equal(t, 400, status)
	assert.Equal(t, 131056, errCode(t, body))
	status, _ = call(t, s, http.MethodGet, "/v25.0/1", tok, nil)
	assert.Equal(t, 200, status)

	for _, f := range []Fault{ReEngagement(), Undeliverable(), {Code: 131048}, {}} {
		s.FailNext(Messages, 1, f)
		status, body := call(t, s, http.MethodPost, msgsPath, tok, textMsg("1", "x"))
		wantCode := f.Code
		if wantCode == 0 {
			wantCode = 131000
		}
		assert.Equal(t, wantCode, errCode(t, body))
		assert.GreaterOrEqual(t, status, 400)
		assert.Contains(t, body["error"].(map[string]any)["message"], fmt.Sprintf("#%d", wantCode))
	}

	s.FailNext(Templates, 1, Fault{HTTPStatus: 502, Body: "<html>Bad Gateway</html>"})
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/v25.0/"+DefaultWABAID+"/message_templates", nil)
	req.Header.Set("User-Agent", testUserAgent)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 502, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "<html>Bad Gateway</html>", string(raw))

	s.Reset()
	assert.Empty(t, s.Sent())
	assert.Zero(t, s.Requests(Messages))
	_, info := call(t, s, http.MethodGet, "/v25.0/1", tok, nil)
	assert.Equal(t, "1", info["id"], "Reset keeps seeded media")
}

func TestTimeoutFaultIsNotRecorded(t *testing.T) {
	s := New(t, Options{})
	s.FailNext(Messages, 1, Timeout(2*time.Second))
	client := &http.Client{Timeout: 100 * time.Millisecond}
	raw, _ := json.Marshal(textMsg("1", "x"))
	req, _ := http.NewRequest(http.MethodPost, s.URL+msgsPath, bytes.NewReader(raw))
	req.Header.Set("User-Agent", testUserAgent)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	start := time.Now()
	resp, err := client.Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second)
	assert.Empty(t, s.Sent())

	// A patient client gets the gateway timeout after the delay.
	s.FailNext(Messages, 1, Fault{Delay: 50 * time.Millisecond, HTTPStatus: 504, Body: "upstream request timeout"})
	status, _ := call(t, s, http.MethodPost, msgsPath, tok, textMsg("1", "x"))
	assert.Equal(t, 504, status)
	assert.Empty(t, s.Sent())
}

func TestConcurrentUse(t *testing.T) {
	s := New(t, Options{})
	s.FailNext(Messages, 5, RateLimited())
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw, _ := json.Marshal(textMsg(fmt.Sprint(i), "x"))
			req, _ := http.NewRequest(http.MethodPost, s.URL+msgsPath, bytes.NewReader(raw))
			req.Header.Set("User-Agent", testUserAgent)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
			_ = s.Sent()
			_ = s.Requests(Messages)
		}()
	}
	wg.Wait()
	assert.Equal(t, 15, ok)
	assert.Len(t, s.Sent(), 15)
	assert.Equal(t, 20, s.Requests(Messages))
}

func TestWebhooks(t *testing.T) {
	s := New(t, Options{AppSecret: "app-secret", WABAID: "104887219284913", PhoneNumberID: "118923734567890", DisplayPhoneNumber: "551140028922"})

	body := s.InboundText("551187654321", "Maria Souza", "wamid.IN1", "Oi, meu pedido <4821> não chegou 😕", time.Unix(1760011800, 0))
	assert.JSONEq(t, `{
	  "object": "whatsapp_business_account",
	  "entry": [{
	    "id": "104887219284913",
	    "changes": [{
	      "field": "messages",
	      "value": {
	        "messaging_product": "whatsapp",
	        "metadata": { "display_phone_number": "551140028922", "phone_number_id": "118923734567890" },
	        "contacts": [{ "profile": { "name": "Maria Souza" }, "wa_id": "551187654321" }],
	        "messages": [{
	          "from": "551187654321",
	          "id": "wamid.IN1",
	          "timestamp": "1760011800",
	          "type": "text",
	          "text": { "body": "Oi, meu pedido <4821> não chegou 😕" }
	        }]
	      }
	    }]
	  }]
	}`, string(body))
	assert.Contains(t, string(body), "<4821>", "raw bytes as Meta sends them")

	mac := hmac.New(sha256.New, []byte("app-secret"))
	mac.Write(body)
	assert.Equal(t, "sha256="+hex.EncodeToString(mac.Sum(nil)), s.Sign(body))

	// Generic builder: fills from/id/timestamp, keeps the BSUID.
	generic := s.InboundMessage(Contact{Name: "~", WaID: "", UserID: "BR.2093"}, map[string]any{
		"type": "button", "button": map[string]any{"payload": "REOPEN", "text": "Continuar"},
		"context": map[string]any{"from": "551140028922", "id": "wamid.T"},
	})
	var env struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Contacts []map[string]any `json:"contacts"`
					Messages []map[string]any `json:"messages"`
					Statuses []map[string]any `json:"statuses"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	require.NoError(t, json.Unmarshal(generic, &env))
	v := env.Entry[0].Changes[0].Value
	assert.Equal(t, "BR.2093", v.Contacts[0]["user_id"])
	assert.Equal(t, "", v.Messages[0]["from"])
	assert.True(t, strings.HasPrefix(v.Messages[0]["id"].(string), "wamid."))
	assert.NotEmpty(t, v.Messages[0]["timestamp"])

	// Media builder uses the seeded file.
	s.AddMedia("1870770316696531", "application/pdf", []byte("%PDF"))
	media := s.InboundMedia(Contact{Name: "Maria", WaID: "551187654321"}, "document", "1870770316696531", "Nota fiscal", "NF.pdf")
	require.NoError(t, json.Unmarshal(media, &env))
	doc := env.Entry[0].Changes[0].Value.Messages[0]["document"].(map[string]any)
	assert.Equal(t, map[string]any{"id": "1870770316696531", "mime_type": "application/pdf", "sha256": MediaSHA256Base64([]byte("%PDF")),
		"caption": "Nota fiscal", "filename": "NF.pdf"}, doc)

	failed := s.StatusUpdate("wamid.OUT", "failed", "551187654321", time.Unix(1760200301, 0), "mm:post:7h3k",
		StatusError{Code: 131047, Title: "Re-engagement message", Details: "more than 24 hours"})
	assert.JSONEq(t, `{
	  "object": "whatsapp_business_account",
	  "entry": [{ "id": "104887219284913", "changes": [{ "field": "messages", "value": {
	    "messaging_product": "whatsapp",
	    "metadata": { "display_phone_number": "551140028922", "phone_number_id": "118923734567890" },
	    "statuses": [{
	      "id": "wamid.OUT",
	      "status": "failed",
	      "timestamp": "1760200301",
	      "recipient_id": "551187654321",
	      "biz_opaque_callback_data": "mm:post:7h3k",
	      "errors": [{
	        "code": 131047,
	        "title": "Re-engagement message",
	        "message": "Re-engagement message",
	        "error_data": { "details": "more than 24 hours" },
	        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
	      }]
	    }]
	  }}]}]
	}`, string(failed))

	delivered := s.StatusUpdate("wamid.OUT", "delivered", "551187654321", time.Unix(1760011990, 0), "")
	require.NoError(t, json.Unmarshal(delivered, &env))
	st := env.Entry[0].Changes[0].Value.Statuses[0]
	assert.NotContains(t, st, "biz_opaque_callback_data")
	assert.Equal(t, "PMP", st["pricing"].(map[string]any)["pricing_model"])

	batch := Batch(body, failed)
	require.NoError(t, json.Unmarshal(batch, &env))
	assert.Len(t, env.Entry, 2)
}

func TestDeliver(t *testing.T) {
	s := New(t, Options{})
	var got struct {
		sig, ctype string
		body       []byte
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.sig = r.Header.Get("X-Hub-Signature-256")
		got.ctype = r.Header.Get("Content-Type")
		got.body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(receiver.Close)

	body := s.InboundText("5511", "M", "", "oi", time.Time{})
	resp, err := s.Deliver(receiver.URL+"/plugins/whatsapp-helpdesk/webhook", body)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, body, got.body)
	assert.Equal(t, s.Sign(body), got.sig)
	assert.Equal(t, "application/json", got.ctype)
	assert.Regexp(t, `^sha256=[0-9a-f]{64}$`, got.sig)
}

func TestListensOnLoopback(t *testing.T) {
	s := New(t, Options{})
	assert.True(t, strings.HasPrefix(s.URL, "http://127.0.0.1:"), s.URL)
	assert.Equal(t, DefaultAccessToken, s.Options().AccessToken)
}
