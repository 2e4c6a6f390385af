// Package format converts text between Mattermost and WhatsApp: emoji shortcodes, markdown.
package format

import (
	"sort"
	"strconv"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// Emoji converts between Mattermost emoji names and Unicode using the server's own table.
type Emoji struct {
	byUnicode map[string]string
}

// NewEmoji indexes model.SystemEmojis by their Unicode text. Where several names share one
// emoji the shortest (then alphabetically first) name wins, so results are stable.
func NewEmoji() *Emoji {
	names := make([]string, 0, len(model.SystemEmojis))
	for name := range model.SystemEmojis {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) < len(names[j])
		}
		return names[i] < names[j]
	})
	e := &Emoji{byUnicode: make(map[string]string, len(names))}
	for _, name := range names {
		if u := Unicode(name); u != "" {
			if _, taken := e.byUnicode[u]; !taken {
				e.byUnicode[u] = name
			}
		}
	}
	return e
}

// Unicode returns the emoji for a Mattermost name ("+1" -> 👍), or "" when unknown.
func Unicode(name string) string {
	code, ok := model.SystemEmojis[name]
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, part := range strings.Split(code, "-") {
		r, err := strconv.ParseUint(part, 16, 32)
		if err != nil {
			return ""
		}
		b.WriteRune(rune(r)) //nolint:gosec // ParseUint above caps r at 32 bits
	}
	return b.String()
}

// Name returns the Mattermost emoji name for a Unicode emoji, ignoring variation selectors.
func (e *Emoji) Name(unicode string) (string, bool) {
	if name, ok := e.byUnicode[unicode]; ok {
		return name, true
	}
	name, ok := e.byUnicode[strings.ReplaceAll(unicode, "\ufe0f", "")]
	return name, ok
}
