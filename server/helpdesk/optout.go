package helpdesk

import (
	"strings"
	"unicode"

	"github.com/pkg/errors"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// DefaultOptOutWords are the opt-out words when the setting is empty.
const DefaultOptOutWords = "PARAR, STOP, SAIR"

// OptOutWords is the opt-out setting parsed: folded words a whole message is compared with.
type OptOutWords []string

// ParseOptOutWords splits the setting on commas and new lines; empty means the defaults.
func ParseOptOutWords(setting string) OptOutWords {
	if strings.TrimSpace(setting) == "" {
		setting = DefaultOptOutWords
	}
	var out OptOutWords
	for _, w := range strings.FieldsFunc(setting, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if f := foldWord(w); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Match reports whether a whole message is one of the words, ignoring case, accents, spaces and
// trailing punctuation ("Parar!" and "sáir" count; "parar de enviar" does not).
func (w OptOutWords) Match(text string) bool {
	longest := 0
	for _, word := range w {
		longest = max(longest, len(word))
	}
	if len(text) > 4*longest+16 {
		return false // far longer than any word with accents, spaces and punctuation around it
	}
	f := foldWord(text)
	if f == "" {
		return false
	}
	for _, word := range w {
		if f == word {
			return true
		}
	}
	return false
}

// foldWord lowercases, strips accents and the punctuation around a word.
func foldWord(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	folded = strings.ToLower(strings.TrimSpace(folded))
	return strings.TrimFunc(folded, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}

// SetOptedOut marks or unmarks a person as opted out and reports whether that changed anything.
func (pp *People) SetOptedOut(id string, out bool) (*Person, bool, error) {
	changed := false
	p, err := store.UpdateJSON(pp.KV, store.PersonKey(id), func(p *Person, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "person %s", id)
		}
		changed = p.OptedOut != out
		if changed {
			p.OptedOut, p.UpdatedAt = out, pp.now()
		}
		return changed, nil
	})
	if err != nil {
		return nil, false, err
	}
	return &p, changed, nil
}
