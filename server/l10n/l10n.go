// Package l10n localizes the plugin's server-side strings: English defaults live in catalog.go,
// Brazilian Portuguese in assets/i18n/active.pt-BR.json, and a test keeps the two in step.
package l10n

import (
	"github.com/mattermost/mattermost/server/public/pluginapi/i18n"
	"github.com/pkg/errors"
)

// Translator renders messages in a user's or the server's locale.
type Translator struct {
	bundle   *i18n.Bundle
	messages map[string]string
}

// New loads the translations shipped in the plugin bundle.
func New(api i18n.PluginAPI) (*Translator, error) {
	bundle, err := i18n.InitBundle(api, "assets/i18n")
	if err != nil {
		return nil, errors.Wrap(err, "failed to load translations")
	}
	return &Translator{bundle: bundle, messages: English()}, nil
}

// Localizer picks a language; build one with ForUser or ForServer.
type Localizer = i18n.Localizer

// ForUser localizes for a user's locale setting.
func (t *Translator) ForUser(userID string) *Localizer { return t.bundle.GetUserLocalizer(userID) }

// ForServer localizes for posts everybody sees, in the server's default locale.
func (t *Translator) ForServer() *Localizer { return t.bundle.GetServerLocalizer() }

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
