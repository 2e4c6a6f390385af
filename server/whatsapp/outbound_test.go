package whatsapp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pkg/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWireJSON(t *testing.T) {
	tests := []struct {
		name string
		msg  OutMessage
		want string
	}{
		{
			name: "text with preview",
			msg:  OutMessage{To: "551187654321", Type: OutTypeText, Text: &OutText{Body: "Olá Maria! https://status.exemplo.com/4821 <b>&</b>", PreviewURL: true}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"text",
				"text":{"preview_url":true,"body":"Olá Maria! https://status.exemplo.com/4821 <b>&</b>"}}`,
		},
		{
			name: "text reply with callback data",
			msg: OutMessage{To: "551187654321", Type: OutTypeText, Text: &OutText{Body: "ok"},
				ReplyTo: "wamid.ABC", BizOpaque: "mm:post:7h3k"},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"text",
				"context":{"message_id":"wamid.ABC"},"biz_opaque_callback_data":"mm:post:7h3k","text":{"body":"ok"}}`,
		},
		{
			name: "image with caption",
			msg:  NewOutMedia("551187654321", OutTypeImage, "1013859600285441", "Segue o comprovante", ""),
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"image",
				"image":{"id":"1013859600285441","caption":"Segue o comprovante"}}`,
		},
		{
			name: "document with filename",
			msg:  NewOutMedia("551187654321", OutTypeDocument, "1013859600285442", "Protocolo do atendimento", "protocolo-4821.pdf"),
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"document",
				"document":{"id":"1013859600285442","caption":"Protocolo do atendimento","filename":"protocolo-4821.pdf"}}`,
		},
		{
			name: "audio",
			msg:  NewOutMedia("551187654321", OutTypeAudio, "1013859600285443", "", ""),
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"audio","audio":{"id":"1013859600285443"}}`,
		},
		{
			name: "video by link",
			msg:  OutMessage{To: "551187654321", Type: OutTypeVideo, Media: &OutMedia{Link: "https://cdn.exemplo.com/tutorial.mp4", Caption: "Como trocar"}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"video",
				"video":{"link":"https://cdn.exemplo.com/tutorial.mp4","caption":"Como trocar"}}`,
		},
		{
			name: "sticker",
			msg:  NewOutMedia("551187654321", OutTypeSticker, "77", "", ""),
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"sticker","sticker":{"id":"77"}}`,
		},
		{
			name: "reaction",
			msg:  NewOutReaction("551187654321", "wamid.HBgM", "👍"),
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"reaction",
				"reaction":{"message_id":"wamid.HBgM","emoji":"👍"}}`,
		},
		{
			name: "reaction removal keeps the empty emoji",
			msg:  NewOutReaction("551187654321", "wamid.HBgM", ""),
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"551187654321","type":"reaction",
				"reaction":{"message_id":"wamid.HBgM","emoji":""}}`,
		},
		{
			name: "template with every parameter kind",
			msg: OutMessage{To: "551187654321", Type: OutTypeTemplate, Template: &OutTemplate{
				Name: "retomar_atendimento", Language: "pt_BR",
				Components: []OutComponent{
					{Type: "header", Parameters: []OutParam{ParamImage("1013859600285441")}},
					{Type: "body", Parameters: []OutParam{ParamText("Maria"), ParamText("4821")}},
					{Type: "button", SubType: "quick_reply", Index: 0, Parameters: []OutParam{ParamPayload("REOPEN_4821")}},
					{Type: "button", SubType: "url", Index: 1, Parameters: []OutParam{ParamText("4821")}},
				},
			}},
			want: `{ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "551187654321", "type": "template",
				"template": {
				"name": "retomar_atendimento",
				"language": { "code": "pt_BR" },
				"components": [
				  { "type": "header", "parameters": [ { "type": "image", "image": { "id": "1013859600285441" } } ] },
				  { "type": "body", "parameters": [ { "type": "text", "text": "Maria" }, { "type": "text", "text": "4821" } ] },
				  { "type": "button", "sub_type": "quick_reply", "index": "0",
				    "parameters": [ { "type": "payload", "payload": "REOPEN_4821" } ] },
				  { "type": "button", "sub_type": "url", "index": "1",
				    "parameters": [ { "type": "text", "text": "4821" } ] }
				] } }`,
		},
		{
			name: "named template, document header, currency, date",
			msg: OutMessage{To: "5511", Type: OutTypeTemplate, Template: &OutTemplate{
				Name: "fatura", Language: "pt_BR",
				Components: []OutComponent{
					{Type: "header", Parameters: []OutParam{ParamDocument("55", "fatura.pdf")}},
					{Type: "body", Parameters: []OutParam{
						ParamNamedText("customer_name", "Maria"),
						{Type: "currency", Currency: &OutCurrency{FallbackValue: "R$10,00", Code: "BRL", Amount1000: 10000}},
						{Type: "date_time", DateTime: "10/10/2025"},
					}},
					{Type: "button", SubType: "copy_code", Index: 0, Parameters: []OutParam{ParamCouponCode("OFF10")}},
				},
			}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511","type":"template",
				"template":{"name":"fatura","language":{"code":"pt_BR"},"components":[
				{"type":"header","parameters":[{"type":"document","document":{"id":"55","filename":"fatura.pdf"}}]},
				{"type":"body","parameters":[{"type":"text","parameter_name":"customer_name","text":"Maria"},
				  {"type":"currency","currency":{"fallback_value":"R$10,00","code":"BRL","amount_1000":10000}},
				  {"type":"date_time","date_time":{"fallback_value":"10/10/2025"}}]},
				{"type":"button","sub_type":"copy_code","index":"0","parameters":[{"type":"coupon_code","coupon_code":"OFF10"}]}]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.WireJSON()
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
			assert.NotContains(t, string(got), `\u003c`, "HTML must not be escaped")
		})
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("a", MaxTextLength+1)
	tests := []struct {
		name string
		msg  OutMessage
		want string
	}{
		{"no recipient", NewOutText(" ", "hi"), "recipient is empty"},
		{"no type", OutMessage{To: "1"}, "message type is empty"},
		{"unknown type", OutMessage{To: "1", Type: "poll"}, `unsupported message type "poll"`},
		{"empty text", NewOutText("1", "  "), "without body"},
		{"text too long", NewOutText("1", long), "4097 characters"},
		{"text ok at limit (runes)", NewOutText("1", strings.Repeat("é", MaxTextLength)), ""},
		{"two parts", OutMessage{To: "1", Type: OutTypeText, Text: &OutText{Body: "x"}, Media: &OutMedia{ID: "1"}}, "more than one"},
		{"media without media", OutMessage{To: "1", Type: OutTypeImage}, "without media"},
		{"media id and link", OutMessage{To: "1", Type: OutTypeImage, Media: &OutMedia{ID: "1", Link: "https://x"}}, "exactly one"},
		{"media http link", OutMessage{To: "1", Type: OutTypeImage, Media: &OutMedia{Link: "http://x"}}, "https"},
		{"audio caption", NewOutMedia("1", OutTypeAudio, "9", "hi", ""), "cannot have a caption"},
		{"sticker caption", NewOutMedia("1", OutTypeSticker, "9", "hi", ""), "cannot have a caption"},
		{"caption too long", NewOutMedia("1", OutTypeImage, "9", strings.Repeat("x", 1025), ""), "1025 characters"},
		{"filename on image", NewOutMedia("1", OutTypeImage, "9", "", "a.jpg"), "only documents"},
		{"reaction without target", NewOutReaction("1", "", "👍"), "reaction without"},
		{"template without name", OutMessage{To: "1", Type: OutTypeTemplate, Template: &OutTemplate{Language: "en"}}, "template name"},
		{"template without language", OutMessage{To: "1", Type: OutTypeTemplate, Template: &OutTemplate{Name: "x"}}, "language"},
		{"template empty text param", OutMessage{To: "1", Type: OutTypeTemplate, Template: &OutTemplate{Name: "x", Language: "en",
			Components: []OutComponent{{Type: "body", Parameters: []OutParam{ParamText("")}}}}}, "text parameter is empty"},
		{"template bad component", OutMessage{To: "1", Type: OutTypeTemplate, Template: &OutTemplate{Name: "x", Language: "en",
			Components: []OutComponent{{Type: "footer"}}}}, "unknown component"},
		{"template button without subtype", OutMessage{To: "1", Type: OutTypeTemplate, Template: &OutTemplate{Name: "x", Language: "en",
			Components: []OutComponent{{Type: "button"}}}}, "sub_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.msg.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidMessage)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// recorder is an httptest server answering scripted responses in order and
// recording requests.
type recorder struct {
	t        *testing.T
	srv      *httptest.Server
	replies  chan func(w http.ResponseWriter, r *http.Request)
	requests chan recorded
}

type recorded struct {
	method, path, query string
	header              http.Header
	body                []byte
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{t: t, replies: make(chan func(http.ResponseWriter, *http.Request), 100), requests: make(chan recorded, 100)}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.requests <- recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body}
		select {
		case reply := <-rec.replies:
			reply(w, r)
		default:
			http.Error(w, "no scripted reply", http.StatusTeapot)
		}
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) reply(status int, body string) {
	rec.replies <- func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func (rec *recorder) count() int { return len(rec.requests) }

func (rec *recorder) next() recorded {
	select {
	case r := <-rec.requests:
		return r
	default:
		rec.t.Fatal("no request recorded")
		return recorded{}
	}
}

// sleeps records backoff waits instead of sleeping.
type sleeps struct{ d chan int64 }

func newTestClient(t *testing.T, baseURL string, mod ...func(*ClientConfig)) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{d: make(chan int64, 100)}
	cfg := ClientConfig{
		BaseURL: baseURL, Version: "v25.0", AccessToken: "tok", PhoneNumberID: "118923734567890", WABAID: "104887219284913",
		MaxAttempts: 3, BaseBackoff: 100, MaxBackoff: 1000,
		Sleep: func(ctx context.Context, d time.Duration) error {
			sl.d <- int64(d)
			return ctx.Err()
		},
	}
	for _, m := range mod {
		m(&cfg)
	}
	return NewClient(cfg), sl
}

const sendOK = `{"messaging_product":"whatsapp","contacts":[{"input":"+5511987654321","wa_id":"551187654321"}],
	"messages":[{"id":"wamid.HBgMNTUx","message_status":"accepted"}]}`

func TestSendWire(t *testing.T) {
	rec := newRecorder(t)
	c, _ := newTestClient(t, rec.srv.URL+"/")
	rec.reply(200, sendOK)

	res, err := c.Send(context.Background(), NewOutText("+5511987654321", "Olá"))
	require.NoError(t, err)
	assert.Equal(t, SendResult{MessageID: "wamid.HBgMNTUx", WaID: "551187654321", MessageStatus: "accepted"}, res)

	req := rec.next()
	assert.Equal(t, http.MethodPost, req.method)
	assert.Equal(t, "/v25.0/118923734567890/messages", req.path)
	assert.Equal(t, "Bearer tok", req.header.Get("Authorization"))
	assert.Equal(t, "application/json", req.header.Get("Content-Type"))
	assert.Equal(t, UserAgent, req.header.Get("User-Agent"))
	assert.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511987654321","type":"text","text":{"body":"Olá"}}`, string(req.body))
}

func TestSendInvalidNeverHitsTheWire(t *testing.T) {
	rec := newRecorder(t)
	c, _ := newTestClient(t, rec.srv.URL)
	_, err := c.Send(context.Background(), NewOutMedia("1", OutTypeAudio, "9", "caption", ""))
	assert.ErrorIs(t, err, ErrInvalidMessage)
	assert.Equal(t, 0, rec.count())
}

func TestSendConfigErrors(t *testing.T) {
	for name, cfg := range map[string]ClientConfig{
		"bad base url": {BaseURL: "ftp://x", AccessToken: "t", PhoneNumberID: "p"},
		"no token":     {PhoneNumberID: "p"},
		"no phone id":  {AccessToken: "t"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewClient(cfg).Send(context.Background(), NewOutText("1", "x"))
			require.Error(t, err)
		})
	}
	_, err := NewClient(ClientConfig{AccessToken: "t"}).ListTemplates(context.Background())
	assert.ErrorContains(t, err, "Business Account id")
}

func TestSendRetries(t *testing.T) {
	rateLimited := envelope(130429, "(#130429) Rate limit hit", "throughput reached")
	tests := []struct {
		name      string
		replies   []func(*recorder)
		wantErr   string
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			name: "130429 twice then success",
			replies: []func(*recorder){
				func(r *recorder) { r.reply(400, rateLimited) },
				func(r *recorder) { r.reply(400, rateLimited) },
				func(r *recorder) { r.reply(200, sendOK) },
			},
			wantCalls: 3,
		},
		{
			// A proxy's 502 page does not prove Graph never got the send: not resent.
			name: "5xx html is an unknown outcome",
			replies: []func(*recorder){
				func(r *recorder) {
					r.replies <- func(w http.ResponseWriter, _ *http.Request) {
						w.Header().Set("Content-Type", "text/html")
						w.WriteHeader(502)
						_, _ = io.WriteString(w, "<html>bad gateway</html>")
					}
				},
			},
			wantErr:   "502",
			wantCalls: 1,
			check:     func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrUnknownOutcome) },
		},
		{
			name:      "re-engagement is terminal",
			replies:   []func(*recorder){func(r *recorder) { r.reply(400, envelope(131047, "(#131047) Re-engagement message", "24h")) }},
			wantErr:   "131047",
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				ge, ok := AsGraphError(err)
				require.True(t, ok)
				assert.Equal(t, 131047, ge.Code)
				assert.False(t, IsRetryable(err))
			},
		},
		{
			name:      "expired token is terminal and an auth error",
			replies:   []func(*recorder){func(r *recorder) { r.reply(401, envelope(190, "Session has expired", "")) }},
			wantErr:   "190",
			wantCalls: 1,
			check:     func(t *testing.T, err error) { assert.True(t, IsAuthError(err)) },
		},
		{
			name: "gives up after MaxAttempts",
			replies: []func(*recorder){
				func(r *recorder) { r.reply(500, envelope(131000, "(#131000) Something went wrong", "")) },
				func(r *recorder) { r.reply(500, envelope(131000, "(#131000) Something went wrong", "")) },
				func(r *recorder) { r.reply(500, envelope(131000, "(#131000) Something went wrong", "")) },
			},
			wantErr:   "giving up after 3 attempts",
			wantCalls: 3,
			check: func(t *testing.T, err error) {
				ge, ok := AsGraphError(err)
				require.True(t, ok)
				assert.Equal(t, 131000, ge.Code)
				assert.True(t, IsRetryable(err), "the caller may requeue it")
			},
		},
		{
			name:      "200 with garbage is never resent",
			replies:   []func(*recorder){func(r *recorder) { r.reply(200, "not json") }},
			wantErr:   "unreadable",
			wantCalls: 1,
			check:     func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrUnknownOutcome) },
		},
		{
			name:      "200 without message id is never resent",
			replies:   []func(*recorder){func(r *recorder) { r.reply(200, `{"messages":[]}`) }},
			wantErr:   "no message id",
			wantCalls: 1,
			check:     func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrUnknownOutcome) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t)
			c, sl := newTestClient(t, rec.srv.URL)
			for _, r := range tt.replies {
				r(rec)
			}
			res, err := c.Send(context.Background(), NewOutText("5511", "x"))
			assert.Equal(t, tt.wantCalls, rec.count())
			assert.Len(t, sl.d, tt.wantCalls-1, "one backoff between attempts")
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, "wamid.HBgMNTUx", res.MessageID)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestSendRetriesConnectionErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more: connection refused

	c, sl := newTestClient(t, url)
	_, err := c.Send(context.Background(), NewOutText("5511", "x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "giving up after 3 attempts")
	assert.Len(t, sl.d, 2)
	assert.True(t, IsRetryable(err))
}

func TestSendCancelledDuringBackoff(t *testing.T) {
	rec := newRecorder(t)
	rec.reply(400, envelope(130429, "rate", ""))
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := newTestClient(t, rec.srv.URL, func(cfg *ClientConfig) {
		cfg.Sleep = func(context.Context, time.Duration) error {
			cancel()
			return context.Canceled
		}
	})
	_, err := c.Send(ctx, NewOutText("5511", "x"))
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "130429", "the last API error is kept in the message")
	assert.Equal(t, 1, rec.count())
}

func TestSendCancelledContext(t *testing.T) {
	rec := newRecorder(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, sl := newTestClient(t, rec.srv.URL)
	_, err := c.Send(ctx, NewOutText("5511", "x"))
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, sl.d, "a cancelled caller is not retried")
}

func TestBackoff(t *testing.T) {
	c := NewClient(ClientConfig{BaseBackoff: 100 * time.Millisecond, MaxBackoff: 30 * time.Second})
	plain := errors.New("net")
	for attempt, full := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 10: 30 * time.Second} {
		for range 50 {
			d := c.backoff(attempt, plain)
			assert.GreaterOrEqual(t, d, full/2, "attempt %d", attempt)
			assert.LessOrEqual(t, d, full, "attempt %d", attempt)
		}
	}
	pair := &GraphError{HTTPStatus: 400, Code: CodePairRateLimit, hasCode: true}
	assert.GreaterOrEqual(t, c.backoff(1, pair), 3*time.Second, "131056 waits for the pair limit")
	retryAfter := &GraphError{HTTPStatus: 429, retryAfter: 20 * time.Second}
	assert.GreaterOrEqual(t, c.backoff(1, retryAfter), 10*time.Second, "Retry-After is honoured")

	capped := NewClient(ClientConfig{BaseBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	assert.LessOrEqual(t, capped.backoff(1, retryAfter), 50*time.Millisecond, "MaxBackoff caps everything")
}

func TestMarkRead(t *testing.T) {
	rec := newRecorder(t)
	c, _ := newTestClient(t, rec.srv.URL)
	rec.reply(200, `{"success":true}`)
	require.NoError(t, c.MarkRead(context.Background(), "wamid.X"))
	assert.JSONEq(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`, string(rec.next().body))

	rec.reply(200, `{"success":true}`)
	require.NoError(t, c.MarkReadTyping(context.Background(), "wamid.Y"))
	assert.JSONEq(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.Y","typing_indicator":{"type":"text"}}`, string(rec.next().body))

	rec.reply(200, `{"success":false}`)
	assert.Error(t, c.MarkRead(context.Background(), "wamid.Z"))

	rec.reply(400, envelope(131009, "(#131009) Parameter value is not valid", "bad id"))
	err := c.MarkRead(context.Background(), "wamid.bad")
	ge, ok := AsGraphError(err)
	require.True(t, ok)
	assert.Equal(t, 131009, ge.Code)

	assert.ErrorIs(t, c.MarkRead(context.Background(), ""), ErrInvalidMessage)
}

func TestSendResultKeepsCanonicalWaID(t *testing.T) {
	rec := newRecorder(t)
	c, _ := newTestClient(t, rec.srv.URL)
	rec.reply(200, strings.Replace(sendOK, `"accepted"`, `"held_for_quality_assessment"`, 1))
	res, err := c.Send(context.Background(), NewOutText("+5511987654321", "x"))
	require.NoError(t, err)
	assert.Equal(t, "551187654321", res.WaID, "Brazil: the API says the ninth digit is absent")
	assert.Equal(t, "held_for_quality_assessment", res.MessageStatus)
}
