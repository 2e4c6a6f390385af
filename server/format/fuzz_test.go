package format

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzToWhatsApp checks the converter on arbitrary text: no panic, valid UTF-8 in gives valid
// UTF-8 out, plain text passes unchanged, and conversion is not longer than a fixed bound.
func FuzzToWhatsApp(f *testing.F) {
	for _, seed := range []string{
		"hello", "**bold** and *italic* and ~~strike~~", "`code` ```fence```", "```go\nx := 1\n```",
		"[link](https://example.com) :smile: :+1:", "# heading\n- item\n* item", "2 * 3 * 4", "__a__ _b_",
		"**unclosed", "`unclosed", ":not_an_emoji:", "\x00", "**[a](b)**", "a ~~~~ b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := ToWhatsApp(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of valid input %q: %q", in, out)
		}
		if !strings.ContainsAny(in, "*_~`[#:!\x00") && out != in {
			t.Fatalf("plain text changed: %q -> %q", in, out)
		}
		if len(out) > 4*len(in)+16 {
			t.Fatalf("output grew unexpectedly: %d -> %d bytes", len(in), len(out))
		}
	})
}

// FuzzFromWhatsApp checks the customer-text converter on arbitrary input: no panic, valid
// UTF-8 stays valid, and Mattermost's own markdown parser finds no image, no disguised link and
// no mention in what is posted.
func FuzzFromWhatsApp(f *testing.F) {
	for _, seed := range []string{
		"olá", "*negrito* _itálico_ ~riscado~ ```mono```", "![x](https://t.example/p.png)", "[a](https://b.example)",
		"@all @channel @here @alice", "x:@all", "(@here)", "@@all", "```a\nb```", "*a _b_ c*", "https://a.example/[x](y)",
		"<https://a.example>", "[a]: https://b.example\n[a]", "\\[a](b)", "`x` ``y``", "*`a`*", "~~x~~",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := FromWhatsApp(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
		}
		assertSafe(t, out)
		assertSafe(t, Inert(in))
	})
}
