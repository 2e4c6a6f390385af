package whatsapp_test

// These tests run the client against the fake Graph API. The fake is written
// independently from the wire format (it does not import this package), so
// agreement between the two checks the JSON itself.

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/fakegraph"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

type fixture struct {
	fake   *fakegraph.Server
	client *whatsapp.Client
	sleeps atomic.Int32
}

func setup(t *testing.T, mod ...func(*whatsapp.ClientConfig)) *fixture {
	t.Helper()
	f := &fixture{fake: fakegraph.New(t, fakegraph.Options{})}
	opts := f.fake.Options()
	cfg := whatsapp.ClientConfig{
		BaseURL:       f.fake.URL,
		Version:       "v25.0",
		AccessToken:   opts.AccessToken,
		PhoneNumberID: opts.PhoneNumberID,
		WABAID:        opts.WABAID,
		HTTPClient:    &http.Client{Timeout: 2 * time.Second},
		MaxAttempts:   4,
		Sleep: func(ctx context.Context, _ time.Duration) error {
			f.sleeps.Add(1)
			return ctx.Err()
		},
	}
	for _, m := range mod {
		m(&cfg)
	}
	f.client = whatsapp.NewClient(cfg)
	return f
}

func TestFakeRateLimitedThenDeliveredOnce(t *testing.T) {
	f := setup(t)
	f.fake.FailNext(fakegraph.Messages, 1, fakegraph.RateLimited())

	res, err := f.client.Send(context.Background(), whatsapp.NewOutText("551187654321", "Olá Maria!"))
	require.NoError(t, err)

	sent := f.fake.Sent()
	require.Len(t, sent, 1, "delivered exactly once")
	assert.Equal(t, res.MessageID, sent[0].WAMID)
	assert.Equal(t, "Olá Maria!", sent[0].Text)
	assert.Equal(t, 2, f.fake.Requests(fakegraph.Messages))
	assert.EqualValues(t, 1, f.sleeps.Load())
}

// A send whose answer does not come back in time may have reached the customer: it is never
// resent by the client, and the caller learns the outcome is unknown.
func TestFakeTimeoutIsUnknownNotResent(t *testing.T) {
	f := setup(t, func(c *whatsapp.ClientConfig) { c.HTTPClient = &http.Client{Timeout: 150 * time.Millisecond} })
	f.fake.FailNext(fakegraph.Messages, 1, fakegraph.AcceptThenStall(3*time.Second))

	start := time.Now()
	_, err := f.client.Send(context.Background(), whatsapp.NewOutText("551187654321", "oi"))
	require.ErrorIs(t, err, whatsapp.ErrUnknownOutcome)
	assert.False(t, whatsapp.IsRetryable(err))
	assert.Less(t, time.Since(start), 2*time.Second, "the hung attempt was abandoned")
	assert.Len(t, f.fake.Sent(), 1, "Meta took it once; the client did not send it again")
	assert.Equal(t, 1, f.fake.Requests(fakegraph.Messages))

	// A proxy's 504 without Graph's error envelope does not prove the send was not processed.
	f.fake.FailNext(fakegraph.Messages, 1, fakegraph.Timeout(0))
	_, err = f.client.Send(context.Background(), whatsapp.NewOutText("551187654321", "de novo"))
	require.ErrorIs(t, err, whatsapp.ErrUnknownOutcome)
	assert.Equal(t, 2, f.fake.Requests(fakegraph.Messages))

	// Marking read is harmless to repeat: it is retried after a timeout.
	f.fake.FailNext(fakegraph.Messages, 1, fakegraph.Timeout(3*time.Second))
	require.NoError(t, f.client.MarkRead(context.Background(), "wamid.X"))
	assert.Equal(t, 4, f.fake.Requests(fakegraph.Messages))
}

func TestFakeTokenExpiredIsAnAuthError(t *testing.T) {
	f := setup(t)
	f.fake.FailAlways(fakegraph.Messages, fakegraph.TokenExpired())
	_, err := f.client.Send(context.Background(), whatsapp.NewOutText("551187654321", "oi"))
	require.Error(t, err)
	assert.True(t, whatsapp.IsAuthError(err))
	ge, ok := whatsapp.AsGraphError(err)
	require.True(t, ok)
	assert.Equal(t, 190, ge.Code)
	assert.Equal(t, 463, ge.Subcode)
	assert.Equal(t, 401, ge.HTTPStatus)
	assert.Equal(t, 1, f.fake.Requests(fakegraph.Messages), "never retried")
	assert.Empty(t, f.fake.Sent())

	// A wrong token gets the same treatment from the fake's own check.
	bad := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: f.fake.URL, AccessToken: "wrong", PhoneNumberID: fakegraph.DefaultPhoneNumberID})
	err = bad.MarkRead(context.Background(), "wamid.X")
	assert.True(t, whatsapp.IsAuthError(err))
}

func TestFakeTerminalErrors(t *testing.T) {
	for name, fault := range map[string]fakegraph.Fault{
		"re-engagement": fakegraph.ReEngagement(),
		"undeliverable": fakegraph.Undeliverable(),
	} {
		t.Run(name, func(t *testing.T) {
			f := setup(t)
			f.fake.FailNext(fakegraph.Messages, 1, fault)
			_, err := f.client.Send(context.Background(), whatsapp.NewOutText("5511", "oi"))
			ge, ok := whatsapp.AsGraphError(err)
			require.True(t, ok)
			assert.Equal(t, fault.Code, ge.Code)
			assert.NotEmpty(t, ge.Details)
			assert.False(t, ge.Retryable())
			assert.Equal(t, 1, f.fake.Requests(fakegraph.Messages))
		})
	}
}

func TestFakeServerErrorGivesUp(t *testing.T) {
	f := setup(t)
	f.fake.FailAlways(fakegraph.Messages, fakegraph.ServerError())
	_, err := f.client.Send(context.Background(), whatsapp.NewOutText("5511", "oi"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "giving up after 4 attempts")
	assert.Equal(t, 4, f.fake.Requests(fakegraph.Messages))
	assert.Empty(t, f.fake.Sent())

	f.fake.ClearFaults()
	f.fake.FailNext(fakegraph.Messages, 1, fakegraph.PairRateLimit())
	_, err = f.client.Send(context.Background(), whatsapp.NewOutText("5511", "oi"))
	require.NoError(t, err)
	assert.Len(t, f.fake.Sent(), 1)
}

func TestFakeTemplatesAcrossThreePages(t *testing.T) {
	f := setup(t)
	var seeded []fakegraph.Template
	for i := range 250 { // the client asks for 100 per page
		seeded = append(seeded, fakegraph.Template{Name: fmt.Sprintf("tmpl_%03d", i), Language: "pt_BR",
			Components: []fakegraph.TemplateComponent{{Type: "BODY", Text: "Oi {{1}}, pedido {{2}}"}}})
	}
	f.fake.SetTemplates(seeded...)
	f.fake.FailNext(fakegraph.Templates, 1, fakegraph.ServerError()) // retried transparently

	ts, err := f.client.ListTemplates(context.Background())
	require.NoError(t, err)
	require.Len(t, ts, 250)
	assert.Equal(t, "tmpl_249", ts[249].Name)
	assert.Equal(t, 2, ts[0].BodyParams())
	assert.True(t, ts[0].Approved())
	assert.Equal(t, 4, f.fake.Requests(fakegraph.Templates), "3 pages + 1 retry")
}

func TestFakeTemplateSendRoundTrip(t *testing.T) {
	f := setup(t)
	f.fake.SetTemplates(fakegraph.Template{Name: "retomar_atendimento", Language: "pt_BR", Components: []fakegraph.TemplateComponent{
		{Type: "HEADER", Format: "IMAGE"},
		{Type: "BODY", Text: "Olá {{1}}, seu atendimento {{2}} está aguardando sua resposta."},
		{Type: "FOOTER", Text: "Equipe de Suporte"},
		{Type: "BUTTONS", Buttons: []fakegraph.TemplateButton{
			{Type: "QUICK_REPLY", Text: "Continuar atendimento"},
			{Type: "URL", Text: "Ver protocolo", URL: "https://exemplo.com/p/{{1}}"},
		}},
	}})
	ts, err := f.client.ListTemplates(context.Background())
	require.NoError(t, err)
	tmpl, ok := whatsapp.FindTemplate(ts, "retomar_atendimento", "pt_BR")
	require.True(t, ok)

	mediaID, err := f.client.UploadMedia(context.Background(), "caixa.jpg", "image/jpeg", []byte("JPEG"))
	require.NoError(t, err)
	msg, err := whatsapp.BuildTemplateMessage(tmpl, "551187654321", whatsapp.TemplateParams{
		HeaderMediaID: mediaID, Body: []string{"Maria", "4821"}, Buttons: map[int]string{1: "4821"},
		QuickReplies: map[int]string{0: "REOPEN_4821"}, BizOpaque: "mm:post:1",
	})
	require.NoError(t, err)
	_, err = f.client.Send(context.Background(), msg)
	require.NoError(t, err, "the fake validated the components against the definition")
	sent := f.fake.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, "retomar_atendimento", sent[0].TemplateName)
	assert.Equal(t, "mm:post:1", sent[0].BizOpaque)

	// A count mismatch is refused by the builder before anything is sent...
	_, err = whatsapp.BuildTemplateMessage(tmpl, "5511", whatsapp.TemplateParams{HeaderMediaID: mediaID, Body: []string{"Maria"}})
	var tpe *whatsapp.TemplateParamError
	require.ErrorAs(t, err, &tpe)
	// ...and a hand-built one is refused by the API with 132000.
	bad := whatsapp.OutMessage{To: "5511", Type: whatsapp.OutTypeTemplate, Template: &whatsapp.OutTemplate{
		Name: "retomar_atendimento", Language: "pt_BR",
		Components: []whatsapp.OutComponent{
			{Type: "header", Parameters: []whatsapp.OutParam{whatsapp.ParamImage(mediaID)}},
			{Type: "body", Parameters: []whatsapp.OutParam{whatsapp.ParamText("Maria")}},
		},
	}}
	_, err = f.client.Send(context.Background(), bad)
	ge, ok := whatsapp.AsGraphError(err)
	require.True(t, ok)
	assert.Equal(t, whatsapp.CodeTemplateParams, ge.Code)
	assert.Len(t, f.fake.Sent(), 1)
}

func TestFakeMediaRoundTrip(t *testing.T) {
	f := setup(t)
	pdf := []byte("%PDF-1.7 protocolo 4821")
	id, err := f.client.UploadMedia(context.Background(), "protocolo-4821.pdf", "application/pdf", pdf)
	require.NoError(t, err)
	up := f.fake.Uploads()
	require.Len(t, up, 1)
	assert.Equal(t, fakegraph.UploadedMedia{ID: id, Filename: "protocolo-4821.pdf", MimeType: "application/pdf", Data: pdf}, up[0])

	_, err = f.client.Send(context.Background(), whatsapp.NewOutMedia("5511", whatsapp.OutTypeDocument, id, "Protocolo", "protocolo-4821.pdf"))
	require.NoError(t, err)
	sent := f.fake.Sent()[0]
	assert.Equal(t, "document", sent.Type)
	assert.Equal(t, id, sent.MediaID)
	assert.Equal(t, "Protocolo", sent.Caption)
	assert.Equal(t, "protocolo-4821.pdf", sent.Filename)

	// Inbound media seeded like a customer's photo.
	f.fake.AddMedia("1320577185716512", "image/jpeg", []byte("JPEG bytes"))
	f.fake.FailNext(fakegraph.MediaDownload, 1, fakegraph.ServerError())
	m, err := f.client.DownloadMedia(context.Background(), "1320577185716512")
	require.NoError(t, err)
	assert.Equal(t, []byte("JPEG bytes"), m.Data)
	assert.Equal(t, "image/jpeg", m.MimeType)
	assert.Len(t, m.SHA256, 64)
}

func TestFakeSHA256MismatchRefused(t *testing.T) {
	f := setup(t)
	f.fake.AddMedia("1320577185716512", "image/jpeg", []byte("JPEG bytes"))
	f.fake.SetMediaSHA256("1320577185716512", "81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3")
	_, err := f.client.DownloadMedia(context.Background(), "1320577185716512")
	assert.ErrorIs(t, err, whatsapp.ErrMediaChecksum)

	_, err = f.client.DownloadMedia(context.Background(), "404")
	ge, ok := whatsapp.AsGraphError(err)
	require.True(t, ok)
	assert.Equal(t, 100, ge.Code)
}

func TestFakeUploadRejections(t *testing.T) {
	f := setup(t)
	_, err := f.client.UploadMedia(context.Background(), "voice.webm", "audio/webm", []byte("x"))
	assert.ErrorIs(t, err, whatsapp.ErrUnsupportedMedia)
	assert.Zero(t, f.fake.Requests(fakegraph.Upload), "refused before the wire")

	f.fake.FailNext(fakegraph.Upload, 1, fakegraph.Fault{HTTPStatus: 400, Code: 131053, Details: "Unsupported Audio mime type"})
	_, err = f.client.UploadMedia(context.Background(), "voice.ogg", "audio/ogg; codecs=opus", []byte("OggS"))
	ge, ok := whatsapp.AsGraphError(err)
	require.True(t, ok)
	assert.Equal(t, whatsapp.CodeMediaUpload, ge.Code)

	_, err = f.client.UploadMedia(context.Background(), "voice.ogg", "audio/ogg; codecs=opus", []byte("OggS"))
	require.NoError(t, err)
	assert.Equal(t, "audio/ogg; codecs=opus", f.fake.Uploads()[0].MimeType)
}

func TestFakeMarkRead(t *testing.T) {
	f := setup(t)
	require.NoError(t, f.client.MarkRead(context.Background(), "wamid.HBgMNTUx"))
	assert.Equal(t, []string{"wamid.HBgMNTUx"}, f.fake.Reads())
	assert.Empty(t, f.fake.Sent())
}

func TestFakeConcurrentSendsArePacedAndDeliveredOnce(t *testing.T) {
	// Real sleeps here: the pacer and backoff must hold up under -race.
	f := setup(t, func(c *whatsapp.ClientConfig) {
		c.Sleep = nil
		c.MessagesPerSecond = 200
		c.BaseBackoff = time.Millisecond
		c.MaxBackoff = 5 * time.Millisecond
		c.MaxAttempts = 10
	})
	f.fake.FailNext(fakegraph.Messages, 5, fakegraph.RateLimited())

	const n = 20
	start := time.Now()
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.client.Send(context.Background(), whatsapp.NewOutText(fmt.Sprint(5511000+i), "oi"))
			assert.NoError(t, err)
			ids[i] = res.MessageID
		}()
	}
	wg.Wait()
	assert.Len(t, f.fake.Sent(), n, "each message exactly once")
	assert.Equal(t, n+5, f.fake.Requests(fakegraph.Messages))
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id])
		seen[id] = true
	}
	// 25 requests at 200/s with a burst of 1 need at least 24 intervals of 5 ms.
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
}

func TestFakeContextCancelStopsPacing(t *testing.T) {
	f := setup(t, func(c *whatsapp.ClientConfig) {
		c.Sleep = nil
		c.MessagesPerSecond = 0.1 // one message per 10 s
	})
	_, err := f.client.Send(context.Background(), whatsapp.NewOutText("5511", "first"))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = f.client.Send(ctx, whatsapp.NewOutText("5511", "second"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
	assert.Len(t, f.fake.Sent(), 1)
}
