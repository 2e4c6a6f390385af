package bintest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBundleIsInstallable checks the tarball `make dist` wrote: what the System Console's
// plugin upload needs, with server binaries for both Linux architectures. `make test` builds the
// bundle first and passes its path.
func TestBundleIsInstallable(t *testing.T) {
	path := os.Getenv("WHATSAPP_HELPDESK_BUNDLE")
	if path == "" {
		t.Skip("WHATSAPP_HELPDESK_BUNDLE is set by `make test` after `make dist`")
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			files[h.Name] = data
		}
	}

	var manifest struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Settings struct {
			Settings []struct {
				Key    string `json:"key"`
				Secret bool   `json:"secret"`
			} `json:"settings"`
		} `json:"settings_schema"`
	}
	require.Contains(t, files, "whatsapp-helpdesk/plugin.json")
	require.NoError(t, json.Unmarshal(files["whatsapp-helpdesk/plugin.json"], &manifest))
	assert.Equal(t, "whatsapp-helpdesk", manifest.ID)
	assert.Equal(t, "WhatsApp Helpdesk", manifest.Name)
	assert.Contains(t, path, "whatsapp-helpdesk-"+manifest.Version+".tar.gz")
	secrets := map[string]bool{}
	for _, s := range manifest.Settings.Settings {
		secrets[s.Key] = s.Secret
	}
	for _, key := range []string{"AccessToken", "AppSecret", "WebhookVerifyToken"} {
		assert.True(t, secrets[key], "%s must be a secret setting", key)
	}

	for arch, machine := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		name := "whatsapp-helpdesk/server/dist/plugin-linux-" + arch
		require.Contains(t, files, name)
		bin, err := elf.NewFile(bytes.NewReader(files[name]))
		require.NoError(t, err, name)
		assert.Equal(t, machine, bin.Machine, name)
	}
	require.Contains(t, files, "whatsapp-helpdesk/webapp/dist/main.js")
	assert.Contains(t, string(files["whatsapp-helpdesk/webapp/dist/main.js"]), "registerPlugin")
	assert.Contains(t, files, "whatsapp-helpdesk/assets/icon.svg")
	assert.Contains(t, files, "whatsapp-helpdesk/assets/bot.png")
	assert.Contains(t, files, "whatsapp-helpdesk/assets/i18n/active.pt-BR.json")
}
