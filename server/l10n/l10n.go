// Package l10n localizes the plugin's server-side strings: English defaults live in catalog.go,
// Brazilian Portuguese in assets/i18n/active.pt-BR.json, and a test keeps the two in step.
package l10n

import (
	"sync/atomic"

	"github.com/mattermost/mattermost/server/public/pluginapi/i18n"
	"github.com/pkg/errors"
)

// Translator renders messages in a user's or the server's locale.
type Translator struct {
	bundle   *i18n.Bundle
	api      i18n.PluginAPI
	messages map[string]string
	// server caches the server-locale localizer: reading the config on every post would cost
	// a plugin API call per message. RefreshServerLocale drops it when the config changes.
	server atomic.Pointer[Localizer]
}

// New loads the translations shipped in the plugin bundle.
func New(api i18n.PluginAPI) (*Translator, error) {
	bundle, err := i18n.InitBundle(api, "assets/i18n")
	if err != nil {
		return nil, errors.Wrap(err, "failed to load translations")
	}
	return &Translator{bundle: bundle, api: api, messages: English()}, nil
}

// Localizer picks a language; build one with ForUser or ForServer.
type Localizer = i18n.Localizer

// ForUser localizes for a user's locale setting.
func (t *Translator) ForUser(userID string) *Localizer { return t.bundle.GetUserLocalizer(userID) }

// ForServer localizes for posts everybody sees, in the server's default locale.
func (t *Translator) ForServer() *Localizer {
	if l := t.server.Load(); l != nil {
		return l
	}
	l := t.bundle.GetServerLocalizer()
	t.server.Store(l)
	return l
}

// RefreshServerLocale forgets the cached server locale after a configuration change.
func (t *Translator) RefreshServerLocale() { t.server.Store(nil) }

// T renders message id with template data ({{.Name}} placeholders).
func (t *Translator) T(l *Localizer, id string, data map[string]any) string {
	s := t.bundle.LocalizeWithConfig(l, &i18n.LocalizeConfig{
		DefaultMessage: &i18n.Message{ID: id, Other: t.messages[id]},
		TemplateData:   data,
	})
	if s == "" {
		return id
	}
	return s
}
