package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassifyMedia(t *testing.T) {
	tests := []struct {
		mime    string
		size    int64
		want    OutType
		wantErr error
		msg     string
	}{
		{"image/jpeg", 1 << 20, OutTypeImage, nil, ""},
		{"image/PNG", 5 << 20, OutTypeImage, nil, ""},
		{"image/png", 5<<20 + 1, "", ErrMediaTooLarge, "5 MB"},
		{"image/webp", 100 << 10, OutTypeSticker, nil, ""},
		{"image/webp", 600 << 10, "", ErrMediaTooLarge, "image/jpeg"},
		{"video/mp4", 16 << 20, OutTypeVideo, nil, ""},
		{"video/webm", 1, "", ErrUnsupportedMedia, "video/mp4"},
		{"audio/ogg; codecs=opus", 1, OutTypeAudio, nil, ""},
		{"audio/ogg; codecs=vorbis", 1, "", ErrUnsupportedMedia, "Opus"},
		{"audio/mpeg", 1, OutTypeAudio, nil, ""},
		{"audio/webm", 1, "", ErrUnsupportedMedia, "audio/ogg; codecs=opus"},
		{"audio/opus", 1, "", ErrUnsupportedMedia, "transcode"},
		{"application/pdf", 100 << 20, OutTypeDocument, nil, ""},
		{"application/pdf", 100<<20 + 1, "", ErrMediaTooLarge, "100 MB"},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 10, OutTypeDocument, nil, ""},
		{"text/plain; charset=utf-8", 10, OutTypeDocument, nil, ""},
		{"application/zip", 10, "", ErrUnsupportedMedia, "cannot be sent"},
		{"", 10, "", ErrUnsupportedMedia, "invalid MIME"},
	}
	for _, tt := range tests {
		t.Run(tt.mime, func(t *testing.T) {
			got, err := ClassifyMedia(tt.mime, tt.size)
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestUploadMedia(t *testing.T) {
	var got struct {
		path, product, typ, filename, partType, ctype string
		data                                          []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path = r.URL.Path
		got.ctype = r.Header.Get("Content-Type")
		_, params, _ := mime.ParseMediaType(got.ctype)
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			switch p.FormName() {
			case "messaging_product":
				got.product = string(b)
			case "type":
				got.typ = string(b)
			case "file":
				got.filename = p.FileName()
				got.partType = p.Header.Get("Content-Type")
				got.data = b
			}
		}
		_, _ = io.WriteString(w, `{"id":"1013859600285441"}`)
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL)

	id, err := c.UploadMedia(context.Background(), `C:\fotos\caixa "amassada".jpg`, "image/jpeg", []byte("JPEGDATA"))
	require.NoError(t, err)
	assert.Equal(t, "1013859600285441", id)
	assert.Equal(t, "/v25.0/118923734567890/media", got.path)
	assert.True(t, strings.HasPrefix(got.ctype, "multipart/form-data; boundary="))
	assert.Equal(t, "whatsapp", got.product)
	assert.Equal(t, "image/jpeg", got.typ)
	assert.Equal(t, `caixa "amassada".jpg`, got.filename)
	assert.Equal(t, "image/jpeg", got.partType)
	assert.Equal(t, []byte("JPEGDATA"), got.data)

	_, err = c.UploadMedia(context.Background(), "x.gif", "image/gif", []byte("GIF"))
	assert.ErrorIs(t, err, ErrUnsupportedMedia)
}

// mediaServer serves GET /{ver}/{id} and the download URL it advertises.
type mediaServer struct {
	srv        *httptest.Server
	data       []byte
	mimeType   string
	sha        string
	fileSize   string // JSON literal
	infoCalls  atomic.Int32
	downloads  atomic.Int32
	downloadFn func(n int32, w http.ResponseWriter) bool
}

func newMediaServer(t *testing.T, data []byte, mimeType string) *mediaServer {
	sum := sha256.Sum256(data)
	ms := &mediaServer{data: data, mimeType: mimeType, sha: hex.EncodeToString(sum[:]), fileSize: fmt.Sprintf("%q", fmt.Sprint(len(data)))}
	ms.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/cdn/") {
			n := ms.downloads.Add(1)
			if r.Header.Get("Authorization") != "Bearer tok" {
				http.Error(w, "no token", http.StatusUnauthorized)
				return
			}
			if ms.downloadFn != nil && ms.downloadFn(n, w) {
				return
			}
			w.Header().Set("Content-Type", ms.mimeType)
			_, _ = w.Write(ms.data)
			return
		}
		ms.infoCalls.Add(1)
		assert.Equal(t, "/v25.0/1320577185716512", r.URL.Path)
		assert.Equal(t, "118923734567890", r.URL.Query().Get("phone_number_id"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"messaging_product":"whatsapp","url":"%s/cdn/?mid=1320577185716512&ext=1&hash=AT","mime_type":%q,"sha256":%q,"file_size":%s,"id":"1320577185716512"}`,
			ms.srv.URL, ms.mimeType, ms.sha, ms.fileSize)
	}))
	t.Cleanup(ms.srv.Close)
	return ms
}

func TestDownloadMedia(t *testing.T) {
	data := []byte("%PDF-1.7 fake pdf bytes")
	t.Run("ok with string file_size", func(t *testing.T) {
		ms := newMediaServer(t, data, "application/pdf")
		c, _ := newTestClient(t, ms.srv.URL)
		m, err := c.DownloadMedia(context.Background(), "1320577185716512")
		require.NoError(t, err)
		assert.Equal(t, data, m.Data)
		assert.Equal(t, "application/pdf", m.MimeType)
		assert.Equal(t, int64(len(data)), m.FileSize)
		assert.Equal(t, ms.sha, m.SHA256)
		assert.Equal(t, "1320577185716512", m.ID)
	})
	t.Run("numeric file_size and base64 digest", func(t *testing.T) {
		ms := newMediaServer(t, data, "application/pdf")
		sum := sha256.Sum256(data)
		ms.sha = base64.StdEncoding.EncodeToString(sum[:])
		ms.fileSize = fmt.Sprint(len(data))
		c, _ := newTestClient(t, ms.srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1320577185716512")
		require.NoError(t, err)
	})
	t.Run("sha256 mismatch", func(t *testing.T) {
		ms := newMediaServer(t, data, "application/pdf")
		ms.sha = strings.Repeat("ab", 32)
		c, _ := newTestClient(t, ms.srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1320577185716512")
		assert.ErrorIs(t, err, ErrMediaChecksum)
	})
	t.Run("truncated", func(t *testing.T) {
		ms := newMediaServer(t, data, "application/pdf")
		ms.fileSize = `"999"`
		c, _ := newTestClient(t, ms.srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1320577185716512")
		assert.ErrorIs(t, err, ErrMediaChecksum)
	})
	t.Run("JSON instead of the file", func(t *testing.T) {
		ms := newMediaServer(t, data, "image/jpeg")
		ms.sha = ""
		ms.fileSize = `""`
		ms.downloadFn = func(_ int32, w http.ResponseWriter) bool {
			_, _ = io.WriteString(w, `{"messaging_product":"whatsapp","url":"https://x","mime_type":"image/jpeg"}`)
			return true
		}
		c, _ := newTestClient(t, ms.srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1320577185716512")
		assert.ErrorIs(t, err, ErrMediaNotFile, "sniffed even without a JSON content type")
	})
	t.Run("HTML page instead of the file", func(t *testing.T) {
		ms := newMediaServer(t, data, "image/jpeg")
		ms.downloadFn = func(_ int32, w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, "<html>please upgrade your browser</html>")
			return true
		}
		c, _ := newTestClient(t, ms.srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1320577185716512")
		assert.ErrorIs(t, err, ErrMediaNotFile)
	})
	t.Run("a JSON document that is the file", func(t *testing.T) {
		doc := []byte(`{"error":"this is the customer's own file"}`)
		ms := newMediaServer(t, doc, "application/json")
		c, _ := newTestClient(t, ms.srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1320577185716512")
		require.NoError(t, err)
	})
	t.Run("too large is refused before downloading", func(t *testing.T) {
		ms := newMediaServer(t, data, "application/pdf")
		ms.fileSize = fmt.Sprint(MaxMediaDownloadSize + 1)
		c, _ := newTestClient(t, ms.srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1320577185716512")
		assert.ErrorIs(t, err, ErrMediaTooLarge)
		assert.Zero(t, ms.downloads.Load())
	})
	t.Run("expired url is refreshed once", func(t *testing.T) {
		ms := newMediaServer(t, data, "application/pdf")
		ms.downloadFn = func(n int32, w http.ResponseWriter) bool {
			if n == 1 {
				http.Error(w, "URL signature expired", http.StatusForbidden)
				return true
			}
			return false
		}
		c, _ := newTestClient(t, ms.srv.URL)
		m, err := c.DownloadMedia(context.Background(), "1320577185716512")
		require.NoError(t, err)
		assert.Equal(t, data, m.Data)
		assert.EqualValues(t, 2, ms.infoCalls.Load())
	})
	t.Run("download 5xx is retried", func(t *testing.T) {
		ms := newMediaServer(t, data, "application/pdf")
		ms.downloadFn = func(n int32, w http.ResponseWriter) bool {
			if n == 1 {
				http.Error(w, "oops", http.StatusServiceUnavailable)
				return true
			}
			return false
		}
		c, sl := newTestClient(t, ms.srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1320577185716512")
		require.NoError(t, err)
		assert.Len(t, sl.d, 1)
		assert.EqualValues(t, 1, ms.infoCalls.Load())
	})
	t.Run("token never sent over http to another host", func(t *testing.T) {
		ms := newMediaServer(t, data, "application/pdf")
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("token leaked to %s", r.URL)
		}))
		t.Cleanup(other.Close)
		info := &mediaInfo{URL: other.URL + "/cdn/x"}
		c, _ := newTestClient(t, ms.srv.URL)
		_, err := c.fetchMedia(context.Background(), info, MaxMediaDownloadSize)
		assert.ErrorContains(t, err, "refusing to send the access token")
	})
	t.Run("unknown media id", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":{"message":"Unsupported get request. Object with ID '1' does not exist","type":"GraphMethodException","code":100,"error_subcode":33}}`)
		}))
		t.Cleanup(srv.Close)
		c, sl := newTestClient(t, srv.URL)
		_, err := c.DownloadMedia(context.Background(), "1")
		ge, ok := AsGraphError(err)
		require.True(t, ok)
		assert.Equal(t, 100, ge.Code)
		assert.Equal(t, 33, ge.Subcode)
		assert.Empty(t, sl.d)
	})
}

func TestReadCapped(t *testing.T) {
	for _, hint := range []int64{-1, 0, 10} {
		b, err := readCapped(bytes.NewReader(make([]byte, 10)), 10, hint)
		require.NoError(t, err, hint)
		assert.Len(t, b, 10, hint)
		_, err = readCapped(bytes.NewReader(make([]byte, 11)), 10, hint)
		assert.ErrorIs(t, err, errBodyTooLarge, hint)
	}
	// A declared length is one exact allocation.
	b, err := readCapped(bytes.NewReader(make([]byte, 1000)), 4096, 1000)
	require.NoError(t, err)
	assert.Equal(t, 1000, cap(b))
	// A body longer than declared is read on, to the cap; a shorter one is an error.
	b, err = readCapped(bytes.NewReader(make([]byte, 12)), 20, 8)
	require.NoError(t, err)
	assert.Len(t, b, 12)
	_, err = readCapped(bytes.NewReader(make([]byte, 30)), 20, 8)
	assert.ErrorIs(t, err, errBodyTooLarge)
	_, err = readCapped(bytes.NewReader(make([]byte, 5)), 20, 8)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

// A file transfer gets the media client's longer timeout; JSON calls keep the short one.
func TestMediaTransfersUseTheMediaClient(t *testing.T) {
	data := []byte("a slow but fine file")
	sum := sha256.Sum256(data)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v25.0/m1":
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"messaging_product":"whatsapp","url":%q,"mime_type":"text/plain","sha256":%q,"file_size":"%d","id":"m1"}`,
				srv.URL+"/file/m1", hex.EncodeToString(sum[:]), len(data))
		case "/file/m1":
			time.Sleep(300 * time.Millisecond) // longer than the JSON timeout
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(data)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := ClientConfig{BaseURL: srv.URL, Version: "v25.0", AccessToken: "t", PhoneNumberID: "p", MaxAttempts: 1,
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}}

	_, err := NewClient(cfg).DownloadMedia(context.Background(), "m1")
	require.Error(t, err, "with one short timeout the download times out")

	cfg.MediaHTTPClient = &http.Client{Timeout: 2 * time.Second}
	got, err := NewClient(cfg).DownloadMedia(context.Background(), "m1")
	require.NoError(t, err)
	assert.Equal(t, data, got.Data)
}
