package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeServer answers the three calls deploy makes the way Mattermost's API v4 does and records
// what it was sent.
type fakeServer struct {
	mu       sync.Mutex
	uploaded []byte
	forced   string
	enabled  []string
	auth     []string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v4/users/login":
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body["login_id"] != "admin" || body["password"] != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"id":"api.user.login.invalid_credentials","message":"bad","status_code":401}`)
			return
		}
		w.Header().Set("Token", "session-token")
		_, _ = io.WriteString(w, `{"id":"u1","username":"admin"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v4/plugins":
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.forced = r.FormValue("force")
		file, _, err := r.FormFile("plugin")
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.uploaded, _ = io.ReadAll(file)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"whatsapp-helpdesk","version":"0.1.0"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v4/plugins/whatsapp-helpdesk/enable":
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.enabled = append(f.enabled, "whatsapp-helpdesk")
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func bundle(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "b.tar.gz")
	if err := os.WriteFile(path, []byte("bundle bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDeployWithTokenUploadsForcedAndEnables(t *testing.T) {
	f := &fakeServer{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	err := deploy(context.Background(), envOf(map[string]string{"MM_SERVICESETTINGS_SITEURL": srv.URL, "MM_ADMIN_TOKEN": "pat"}), "whatsapp-helpdesk", bundle(t))
	if err != nil {
		t.Fatal(err)
	}
	if string(f.uploaded) != "bundle bytes" || f.forced != "true" {
		t.Fatalf("upload: %q force=%q", f.uploaded, f.forced)
	}
	if len(f.enabled) != 1 || !strings.EqualFold(f.auth[0], "Bearer pat") || !strings.EqualFold(f.auth[1], "Bearer pat") {
		t.Fatalf("enabled %v with auth %v", f.enabled, f.auth)
	}
}

func TestDeployWithPasswordLogsInFirst(t *testing.T) {
	f := &fakeServer{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	env := map[string]string{"MM_SERVICESETTINGS_SITEURL": srv.URL, "MM_ADMIN_USERNAME": "admin", "MM_ADMIN_PASSWORD": "s3cret"}
	if err := deploy(context.Background(), envOf(env), "whatsapp-helpdesk", bundle(t)); err != nil {
		t.Fatal(err)
	}
	// Client4 sends the session as "BEARER <token>"; the server compares the scheme case-insensitively.
	if !strings.EqualFold(f.auth[0], "Bearer session-token") {
		t.Fatalf("upload sent %q", f.auth[0])
	}
	env["MM_ADMIN_PASSWORD"] = "wrong"
	if err := deploy(context.Background(), envOf(env), "whatsapp-helpdesk", bundle(t)); err == nil || !strings.Contains(err.Error(), "log in") {
		t.Fatalf("a wrong password was not reported: %v", err)
	}
}

func TestDeployExplainsMissingSettings(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"no site url":    {"MM_ADMIN_TOKEN": "pat"},
		"no credentials": {"MM_SERVICESETTINGS_SITEURL": "http://127.0.0.1:1"},
	} {
		err := deploy(context.Background(), envOf(env), "whatsapp-helpdesk", bundle(t))
		if err == nil || !strings.Contains(err.Error(), "MM_") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
