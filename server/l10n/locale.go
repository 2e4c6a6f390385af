package l10n

import goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

// ForLocale localizes for a given locale (e.g. a chat group's language); empty means the server's.
func (t *Translator) ForLocale(locale string) *Localizer {
	if locale == "" {
		return t.ForServer()
	}
	return goi18n.NewLocalizer(t.bundle.Bundle, locale)
}
