package fakegraph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// mediaURLLifetime is how long a download URL stays valid (§3.1: 5 minutes).
const mediaURLLifetime = 5 * time.Minute

// uploadLimits are the sendable types of §3.1 and their maximum sizes.
var uploadLimits = map[string]int64{
	"image/jpeg": 5 << 20, "image/png": 5 << 20, "image/webp": 500 << 10,
	"video/mp4": 16 << 20, "video/3gpp": 16 << 20,
	"audio/aac": 16 << 20, "audio/amr": 16 << 20, "audio/mpeg": 16 << 20, "audio/mp4": 16 << 20, "audio/ogg": 16 << 20,
	"text/plain": 100 << 20, "application/pdf": 100 << 20, "application/msword": 100 << 20,
	"application/vnd.ms-excel": 100 << 20, "application/vnd.ms-powerpoint": 100 << 20,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   100 << 20,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         100 << 20,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 << 20,
}

// AddMedia seeds a media id (as if a customer had sent it) so that GET
// /{media-id} and its download URL serve data.
func (s *Server) AddMedia(id, mimeType string, data []byte) {
	sum := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = &mediaFile{mimeType: mimeType, data: append([]byte(nil), data...), sha256: hex.EncodeToString(sum[:])}
}

// SetMediaSHA256 overrides the hex digest advertised for a media id, to make
// a download fail its integrity check.
func (s *Server) SetMediaSHA256(id, hexDigest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.media[id]; ok {
		m.sha256 = hexDigest
	}
}

// SetMediaURL makes GET /{media-id} name rawURL as the download url of a media id, as a
// compromised or spoofed answer could: a client must not send it the access token.
func (s *Server) SetMediaURL(id, rawURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.media[id]; ok {
		m.url = rawURL
	}
}

// MediaSHA256Base64 is the digest form webhooks carry (base64, unlike the
// hex of GET /{media-id}).
func MediaSHA256Base64(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func (s *Server) lookupMedia(id string) (*mediaFile, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	return m, ok
}

// mediaHash signs a download URL so that only URLs the fake handed out work.
func (s *Server) mediaHash(id, ext string) string {
	mac := hmac.New(sha256.New, []byte(s.opts.AccessToken))
	mac.Write([]byte(id + "|" + ext))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *Server) serveMediaInfo(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(r).write(w)
		return
	}
	m, ok := s.lookupMedia(id)
	if !ok {
		unsupportedObject("get", id).write(w)
		return
	}
	if pid := r.URL.Query().Get("phone_number_id"); pid != "" && pid != s.opts.PhoneNumberID {
		invalidParam("Media %s does not belong to phone number %s.", id, pid).write(w)
		return
	}
	ext := strconv.FormatInt(time.Now().Add(mediaURLLifetime).Unix(), 10)
	q := url.Values{"mid": {id}, "ext": {ext}, "hash": {s.mediaHash(id, ext)}}
	download := s.URL + "/whatsapp_business/attachments/?" + q.Encode()
	s.mu.Lock()
	if m.url != "" {
		download = m.url
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"url":               download,
		"mime_type":         m.mimeType,
		"sha256":            m.sha256,
		"file_size":         strconv.Itoa(len(m.data)),
		"id":                id,
	})
}

// serveDownload plays the media CDN: plain-text errors, raw bytes on success.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, ext := q.Get("mid"), q.Get("ext")
	expires, err := strconv.ParseInt(ext, 10, 64)
	if r.Method != http.MethodGet || err != nil || !hmac.Equal([]byte(q.Get("hash")), []byte(s.mediaHash(id, ext))) {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	if time.Now().Unix() > expires {
		http.Error(w, "URL signature expired", http.StatusForbidden)
		return
	}
	m, ok := s.lookupMedia(id)
	if !ok {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", m.mimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.data)))
	_, _ = w.Write(m.data)
}

func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, phoneID string) {
	if r.Method != http.MethodPost {
		methodNotAllowed(r).write(w)
		return
	}
	if phoneID != s.opts.PhoneNumberID {
		unsupportedObject("post", phoneID).write(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 101<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		invalidParam("Upload must be multipart/form-data: %v", err).write(w)
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	if r.FormValue("messaging_product") != "whatsapp" {
		invalidParam("The parameter messaging_product is required and must be whatsapp.").write(w)
		return
	}
	typ := r.FormValue("type")
	if typ == "" {
		missingParam("The parameter type is required.").write(w)
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		missingParam("The parameter file is required.").write(w)
		return
	}
	defer func() { _ = file.Close() }()
	data, err := io.ReadAll(file)
	if err != nil {
		invalidParam("Unreadable file part.").write(w)
		return
	}
	base, _, err := mime.ParseMediaType(typ)
	limit, ok := uploadLimits[strings.ToLower(base)]
	if err != nil || !ok {
		mediaUploadError("Param file must be a file with one of the following types: audio/aac, audio/amr, audio/mpeg, audio/mp4, audio/ogg, text/plain, application/pdf, application/vnd.ms-powerpoint, application/msword, application/vnd.ms-excel, application/vnd.openxmlformats-officedocument.wordprocessingml.document, application/vnd.openxmlformats-officedocument.presentationml.presentation, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, image/jpeg, image/png, image/webp, video/3gpp, video/mp4. Received file of type '" + typ + "'.").write(w)
		return
	}
	if int64(len(data)) > limit {
		mediaUploadError("File of type " + base + " exceeds the maximum size of " + strconv.FormatInt(limit, 10) + " bytes.").write(w)
		return
	}

	id := newNumericID()
	sum := sha256.Sum256(data)
	s.mu.Lock()
	s.media[id] = &mediaFile{mimeType: typ, data: data, sha256: hex.EncodeToString(sum[:])}
	s.uploads = append(s.uploads, UploadedMedia{ID: id, Filename: header.Filename, MimeType: typ, Data: data})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": id})
}

func mediaUploadError(details string) *apiError {
	return &apiError{http.StatusBadRequest, graphErr{Code: 131053, Message: "(#131053) Media upload error", Details: details}}
}
