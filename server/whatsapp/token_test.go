package whatsapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A transport failure on a paging link that carries access_token (Graph's do) must not put the
// token into the error, and the token is not sent in the URL at all.
func TestPagingTransportErrorCarriesNoToken(t *testing.T) {
	const secret = "EAAGsecretTOKEN123"
	var sawToken atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("access_token") {
			sawToken.Store(true)
		}
		if r.URL.Query().Has("after") {
			conn, _, _ := w.(http.Hijacker).Hijack() // the second page dies at the transport level
			_ = conn.Close()
			return
		}
		next := "http://" + r.Host + r.URL.Path + "?after=x&access_token=" + secret
		_, _ = w.Write([]byte(`{"data":[],"paging":{"next":"` + next + `"}}`))
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL, func(cfg *ClientConfig) { cfg.AccessToken = secret })
	_, err := c.ListTemplates(context.Background())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	assert.False(t, sawToken.Load())
	assert.Contains(t, err.Error(), "giving up after 3 attempts", "still a retried transport failure")
}

func TestOnlyGraphAndMetaMediaHostsGetTheToken(t *testing.T) {
	c, _ := newTestClient(t, "http://127.0.0.1:1234")
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:1234/media/x":                   true, // the configured Graph host
		"https://lookaside.fbsbx.com/whatsapp_business/x": true,
		"https://scontent.xx.fbcdn.net/v/x":               true,
		"https://mmg.whatsapp.net/v/x":                    true,
		"http://lookaside.fbsbx.com/x":                    false, // not https
		"https://tracker.example/x":                       false,
		"https://fbcdn.net.evil.example/x":                false,
		"https://evilfbcdn.net/x":                         false,
		"https://user@mmg.whatsapp.net/x":                 false,
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, ok, c.mayReceiveToken(u), raw)
	}
}
