package format

import (
	"strings"
	"testing"
	"unicode"

	"github.com/mattermost/mattermost/server/public/shared/markdown"
	"github.com/stretchr/testify/assert"
)

// TestConversionBothWays is the table of the two converters: a WhatsApp text, the Mattermost
// markdown it is shown as, and (when the row says so) back again.
func TestConversionBothWays(t *testing.T) {
	for _, tc := range []struct {
		name, whatsapp, mattermost string
		roundTrip                  bool
	}{
		{"plain", "olá, tudo bem", "olá, tudo bem", true},
		{"bold", "é *urgente*", "é **urgente**", true},
		{"italic", "um _aparte_ aqui", "um _aparte_ aqui", true},
		{"strike", "~antigo~ novo", "~~antigo~~ novo", true},
		{"mono", "rode ```make dist``` já", "rode `make dist` já", true},
		{"nested", "*_muito_ importante*", "**_muito_ importante**", true},
		{"two spans", "*a* e *b*", "**a** e **b**", true},
		{"inside a word stays", "2*3*4 e snake_case_name", "2\\*3\\*4 e snake\\_case\\_name", false},
		{"unclosed", "*sem fim", "\\*sem fim", false},
		{"space inside markers", "* não negrito *", "\\* não negrito \\*", false},
		{"mono block", "```linha 1\nlinha 2```", "\n```\nlinha 1\nlinha 2\n```\n", false},
		{"mono with backticks", "```a`b```", "`` a`b ``", false},
		{"bare url visible", "veja https://example.com/a_b?x=1", "veja https://example.com/a_b?x=1", true},
		{"image is inert", "![x](https://tracker.example/p.png)", "\\!\\[x\\]\\(https://tracker.example/p.png\\)", false},
		{"disguised link shows its url", "[banco](https://evil.example)", "\\[banco\\]\\(https://evil.example\\)", false},
		{"mentions", "@all @channel @here @alice", "@\u200ball @\u200bchannel @\u200bhere @\u200balice", false},
		{"email stays", "ana@example.com", "ana@example.com", true},
		{"html and headings", "# oi <b>x</b>", "\\# oi \\<b\\>x\\</b\\>", false},
		{"nul dropped", "a\x00b", "ab", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.mattermost, FromWhatsApp(tc.whatsapp))
			if tc.roundTrip {
				assert.Equal(t, tc.whatsapp, ToWhatsApp(FromWhatsApp(tc.whatsapp)), "back to WhatsApp")
			}
		})
	}
}

func TestInertAndUnescape(t *testing.T) {
	for _, in := range []string{"Maria *Souza*", "@all", "![x](http://t.example/p.png)", "[a](b)", "relatório_final (1).pdf", "~town-square"} {
		out := Inert(in)
		assertSafe(t, out)
		assert.Equal(t, in, Unescape(out))
		assert.NotContains(t, out, "**")
	}
	assert.Equal(t, "D'Ávila +55 21 9999-0000", Inert("D'Ávila +55 21 9999-0000"))
}

// assertSafe checks md as Mattermost reads it: no image, no link whose text is not its
// destination, and no word its mention parser would take for a mention.
func assertSafe(t testing.TB, md string) {
	t.Helper()
	markdown.Inspect(md, func(n any) bool {
		switch n.(type) {
		case *markdown.InlineImage, *markdown.ReferenceImage:
			t.Fatalf("image in %q", md)
		case *markdown.InlineLink, *markdown.ReferenceLink:
			t.Fatalf("link with its own text in %q", md)
		}
		return true
	})
	for _, word := range mentionWords(md) {
		t.Fatalf("mention %q in %q", word, md)
	}
}

// mentionWords splits text the way Mattermost's mention parser does and returns the words it
// would check as mentions.
func mentionWords(text string) []string {
	var out []string
	for _, word := range strings.FieldsFunc(text, func(c rune) bool {
		return c != ':' && c != '.' && c != '-' && c != '_' && c != '@' && !unicode.IsLetter(c) && !unicode.IsNumber(c)
	}) {
		parts := append([]string{word}, strings.FieldsFunc(word, func(c rune) bool { return c == '.' || c == '-' || c == ':' })...)
		for _, p := range parts {
			p = strings.TrimLeft(p, "_")
			if len(p) > 1 && p[0] == '@' && p[1] != '@' {
				out = append(out, p)
			}
		}
	}
	return out
}
