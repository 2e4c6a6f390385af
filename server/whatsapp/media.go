package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// MaxMediaDownloadSize caps a download: WhatsApp's largest media (documents) is 100 MB.
const MaxMediaDownloadSize = 100 << 20

// Media errors, for errors.Is.
var (
	ErrUnsupportedMedia = errors.New("media type not supported by WhatsApp")
	ErrMediaTooLarge    = errors.New("media too large")
	ErrMediaChecksum    = errors.New("media failed the integrity check")
	ErrMediaNotFile     = errors.New("media download answered a JSON or HTML document instead of the file")
)

type mediaRule struct {
	kind OutType
	max  int64
}

// mediaRules is §3.1's table of sendable types and their size limits.
var mediaRules = map[string]mediaRule{
	"image/jpeg": {OutTypeImage, 5 << 20},
	"image/png":  {OutTypeImage, 5 << 20},
	"image/webp": {OutTypeSticker, 500 << 10},
	"video/mp4":  {OutTypeVideo, 16 << 20},
	"video/3gpp": {OutTypeVideo, 16 << 20},
	"audio/aac":  {OutTypeAudio, 16 << 20},
	"audio/amr":  {OutTypeAudio, 16 << 20},
	"audio/mpeg": {OutTypeAudio, 16 << 20},
	"audio/mp4":  {OutTypeAudio, 16 << 20},
	"audio/ogg":  {OutTypeAudio, 16 << 20},

	"text/plain":                    {OutTypeDocument, 100 << 20},
	"application/pdf":               {OutTypeDocument, 100 << 20},
	"application/msword":            {OutTypeDocument, 100 << 20},
	"application/vnd.ms-excel":      {OutTypeDocument, 100 << 20},
	"application/vnd.ms-powerpoint": {OutTypeDocument, 100 << 20},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {OutTypeDocument, 100 << 20},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {OutTypeDocument, 100 << 20},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {OutTypeDocument, 100 << 20},
}

// conversionHints explain the common rejects (§3: browsers record webm/opus).
var conversionHints = map[string]string{
	"audio/webm": "transcode it to audio/ogg; codecs=opus",
	"audio/opus": "transcode it to audio/ogg; codecs=opus",
	"audio/wav":  "convert it to audio/mpeg or audio/ogg; codecs=opus",
	"video/webm": "convert it to video/mp4 (H.264 + AAC)",
	"image/gif":  "convert it to image/png or video/mp4",
	"image/heic": "convert it to image/jpeg",
}

// ClassifyMedia tells which message type carries a file of this MIME type and
// size, or why WhatsApp would refuse it (wrapping ErrUnsupportedMedia or
// ErrMediaTooLarge), so agents get a clear error before any upload.
func ClassifyMedia(mimeType string, size int64) (OutType, error) {
	mt, params, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return "", errors.Wrapf(ErrUnsupportedMedia, "invalid MIME type %q", mimeType)
	}
	rule, ok := mediaRules[mt]
	if !ok {
		if hint, ok := conversionHints[mt]; ok {
			return "", errors.Wrapf(ErrUnsupportedMedia, "%s cannot be sent, %s", mt, hint)
		}
		return "", errors.Wrapf(ErrUnsupportedMedia, "%s cannot be sent (images: JPEG/PNG, video: MP4/3GPP, audio: AAC/AMR/MP3/M4A/OGG-Opus, documents: PDF, TXT, Office)", mt)
	}
	if codecs, ok := params["codecs"]; ok && mt == "audio/ogg" && !strings.EqualFold(codecs, "opus") {
		return "", errors.Wrapf(ErrUnsupportedMedia, "audio/ogg with codec %s cannot be sent, only Opus", codecs)
	}
	if size > rule.max {
		if mt == "image/webp" {
			return "", errors.Wrapf(ErrMediaTooLarge, "WebP is sent as a sticker (max %s); convert it to image/jpeg", humanSize(rule.max))
		}
		return "", errors.Wrapf(ErrMediaTooLarge, "%s is %s, WhatsApp allows %s for %s", mt, humanSize(size), humanSize(rule.max), rule.kind)
	}
	return rule.kind, nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// UploadMedia uploads a file to /{phone-number-id}/media (multipart, §3.1)
// and returns the media id to send it by. The file is checked with
// ClassifyMedia first.
func (c *Client) UploadMedia(ctx context.Context, filename, mimeType string, data []byte) (string, error) {
	if err := c.ready("phone"); err != nil {
		return "", err
	}
	if _, err := ClassifyMedia(mimeType, int64(len(data))); err != nil {
		return "", err
	}
	mt, params, _ := mime.ParseMediaType(mimeType)
	mimeType = mime.FormatMediaType(mt, params)
	if filename = path.Base(strings.ReplaceAll(filename, `\`, "/")); filename == "." || filename == "/" {
		filename = "file"
	}

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("messaging_product", "whatsapp")
	_ = w.WriteField("type", mimeType)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition("file", filename))
	h.Set("Content-Type", mimeType)
	part, err := w.CreatePart(h)
	if err != nil {
		return "", errors.Wrap(err, "failed to build upload")
	}
	if _, err := part.Write(data); err != nil {
		return "", errors.Wrap(err, "failed to build upload")
	}
	if err := w.Close(); err != nil {
		return "", errors.Wrap(err, "failed to build upload")
	}

	resp, err := c.do(ctx, apiRequest{
		method:      http.MethodPost,
		url:         c.endpoint(c.cfg.PhoneNumberID, "media"),
		body:        buf.Bytes(),
		contentType: w.FormDataContentType(),
		idempotent:  true, // a duplicate upload only wastes an unused media id
		media:       true,
	})
	if err != nil {
		return "", errors.Wrap(err, "failed to upload media to WhatsApp")
	}
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp.body, &r); err != nil || r.ID == "" {
		return "", errors.Errorf("media upload answered without an id: %s", truncate(string(resp.body), 200))
	}
	return r.ID, nil
}

// DownloadedMedia is a file fetched from WhatsApp.
type DownloadedMedia struct {
	ID       string
	Data     []byte
	MimeType string
	SHA256   string // hex digest advertised by the API, verified against Data when present
	FileSize int64

	release func()
}

// Release gives the download's bytes back to the client's media budget: call it once Data is
// stored (or dropped). It is safe to call more than once, and on a nil value.
func (d *DownloadedMedia) Release() {
	if d != nil && d.release != nil {
		d.release()
	}
}

// flexInt64 accepts a JSON number or a numeric string: file_size is
// documented as a string but has been seen as a number.
type flexInt64 int64

func (f *flexInt64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.Wrapf(err, "invalid file_size %s", b)
	}
	*f = flexInt64(n)
	return nil
}

type mediaInfo struct {
	URL      string    `json:"url"`
	MimeType string    `json:"mime_type"`
	SHA256   string    `json:"sha256"`
	FileSize flexInt64 `json:"file_size"`
	ID       string    `json:"id"`
}

// DownloadMedia fetches a media id in the two steps of §3.1: GET /{media-id}
// for a short-lived URL, then GET that URL with the bearer token. The bytes
// are checked against the advertised size and hex sha256, and a JSON or HTML
// answer is never mistaken for the file. An expired URL is refreshed once.
func (c *Client) DownloadMedia(ctx context.Context, mediaID string) (*DownloadedMedia, error) {
	return c.DownloadMediaLimit(ctx, mediaID, MaxMediaDownloadSize)
}

// DownloadMediaLimit is DownloadMedia for a destination that takes at most limit bytes (the
// Mattermost server's file size limit): a larger file_size is refused with ErrMediaTooLarge
// before anything is downloaded, and a download is never read past the limit.
func (c *Client) DownloadMediaLimit(ctx context.Context, mediaID string, limit int64) (*DownloadedMedia, error) {
	if limit <= 0 || limit > MaxMediaDownloadSize {
		limit = MaxMediaDownloadSize
	}
	if err := c.ready(); err != nil {
		return nil, err
	}
	if mediaID == "" {
		return nil, errors.New("media id is empty")
	}
	for try := 1; ; try++ {
		info, err := c.mediaInfo(ctx, mediaID, limit)
		if err != nil {
			return nil, err
		}
		size := int64(info.FileSize)
		if size <= 0 {
			size = limit // unknown: assume the largest
		}
		release, err := c.cfg.MediaBudget.take(ctx, size)
		if err != nil {
			return nil, err
		}
		resp, err := c.fetchMedia(ctx, info, limit)
		if err != nil {
			release()
			if ge, ok := AsGraphError(err); ok && try == 1 && !ge.IsAuth() &&
				(ge.HTTPStatus == http.StatusForbidden || ge.HTTPStatus == http.StatusNotFound || ge.HTTPStatus == http.StatusGone) {
				continue // the 5-minute URL expired: ask for a fresh one
			}
			return nil, errors.Wrapf(err, "failed to download WhatsApp media %s", mediaID)
		}
		if err := checkMedia(info, resp); err != nil {
			release()
			return nil, errors.Wrapf(err, "WhatsApp media %s", mediaID)
		}
		mimeType := info.MimeType
		if mimeType == "" {
			mimeType = resp.header.Get("Content-Type")
		}
		return &DownloadedMedia{
			ID:       mediaID,
			Data:     resp.body,
			MimeType: mimeType,
			SHA256:   strings.ToLower(info.SHA256),
			FileSize: int64(len(resp.body)),
			release:  release,
		}, nil
	}
}

func (c *Client) mediaInfo(ctx context.Context, mediaID string, limit int64) (*mediaInfo, error) {
	u := c.endpoint(mediaID)
	if c.cfg.PhoneNumberID != "" {
		// Lets the API check that the media belongs to our number.
		u += "?phone_number_id=" + url.QueryEscape(c.cfg.PhoneNumberID)
	}
	resp, err := c.do(ctx, apiRequest{method: http.MethodGet, url: u, idempotent: true})
	if err != nil {
		return nil, errors.Wrapf(err, "failed to look up WhatsApp media %s", mediaID)
	}
	var info mediaInfo
	if err := json.Unmarshal(resp.body, &info); err != nil {
		return nil, errors.Wrapf(err, "unreadable media info for %s", mediaID)
	}
	if info.URL == "" {
		return nil, errors.Errorf("media info for %s has no download url", mediaID)
	}
	if int64(info.FileSize) > limit {
		return nil, errors.Wrapf(ErrMediaTooLarge, "media %s is %s, the limit is %s", mediaID, humanSize(int64(info.FileSize)), humanSize(limit))
	}
	return &info, nil
}

// mediaHosts are Meta's hosts that serve WhatsApp media (lookaside.fbsbx.com, *.fbsbx.com,
// *.fbcdn.net, *.whatsapp.net): with the configured Graph host, the only ones that ever get the
// access token.
var mediaHosts = []string{".fbsbx.com", ".fbcdn.net", ".whatsapp.net"}

// mayReceiveToken reports whether u may be sent the bearer token: the configured Graph host as
// configured (a sandbox may be plain http), or one of Meta's media hosts over https.
func (c *Client) mayReceiveToken(u *url.URL) bool {
	if c.base != nil && u.Scheme == c.base.Scheme && u.Host == c.base.Host {
		return true
	}
	if u.Scheme != "https" || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, suffix := range mediaHosts {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}

func (c *Client) fetchMedia(ctx context.Context, info *mediaInfo, limit int64) (*apiResponse, error) {
	u, err := url.Parse(info.URL)
	if err != nil {
		return nil, errors.New("invalid media url") // the parse error would quote the signed URL
	}
	if !c.mayReceiveToken(u) {
		return nil, errors.Errorf("refusing to send the access token to media host %s://%s", u.Scheme, u.Hostname())
	}
	resp, err := c.do(ctx, apiRequest{
		method:     http.MethodGet,
		url:        info.URL,
		idempotent: true,
		maxBody:    limit,
		media:      true,
	})
	if errors.Is(err, errBodyTooLarge) {
		return nil, errors.Wrapf(ErrMediaTooLarge, "download exceeds %s", humanSize(limit))
	}
	return resp, err
}

// checkMedia refuses anything that is not exactly the advertised file.
func checkMedia(info *mediaInfo, resp *apiResponse) error {
	want, _, _ := mime.ParseMediaType(info.MimeType)
	got, _, _ := mime.ParseMediaType(resp.header.Get("Content-Type"))
	documentType := func(t string) bool {
		return t == "application/json" || t == "text/javascript" || t == "text/html"
	}
	if documentType(got) && got != want {
		return errors.Wrapf(ErrMediaNotFile, "got %s, expected %s", got, info.MimeType)
	}
	if want != "application/json" && looksLikeGraphJSON(resp.body) {
		return errors.Wrapf(ErrMediaNotFile, "body is a Graph API JSON document, expected %s", info.MimeType)
	}
	if len(resp.body) == 0 {
		return errors.Wrap(ErrMediaChecksum, "empty file")
	}
	if info.FileSize > 0 && int64(len(resp.body)) != int64(info.FileSize) {
		return errors.Wrapf(ErrMediaChecksum, "got %d bytes, expected %d", len(resp.body), info.FileSize)
	}
	if info.SHA256 != "" {
		wantSum, err := decodeDigest(info.SHA256)
		if err != nil {
			return errors.Wrap(ErrMediaChecksum, err.Error())
		}
		sum := sha256.Sum256(resp.body)
		if !bytes.Equal(sum[:], wantSum) {
			return errors.Wrapf(ErrMediaChecksum, "sha256 %x, expected %x", sum, wantSum)
		}
	}
	return nil
}

// looksLikeGraphJSON catches the classic mistake of storing the media-info
// JSON (or an error envelope) as the file.
func looksLikeGraphJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' || len(t) > 1<<20 {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(t, &m) != nil {
		return false
	}
	_, product := m["messaging_product"]
	_, graphErr := m["error"]
	return product || graphErr
}

// decodeDigest accepts the hex digest of GET /{media-id} and, defensively,
// the base64 form used in webhooks.
func decodeDigest(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == sha256.Size {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == sha256.Size {
		return b, nil
	}
	return nil, errors.Errorf("unrecognised sha256 digest %q", s)
}
