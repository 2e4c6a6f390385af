package format

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestToWhatsApp(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "hello there", "hello there"},
		{"bold", "this is **important**", "this is *important*"},
		{"bold underscores", "__done__", "*done*"},
		{"italic star", "an *aside* here", "an _aside_ here"},
		{"italic underscore stays", "an _aside_ here", "an _aside_ here"},
		{"bold and italic", "**a** and *b*", "*a* and _b_"},
		{"strike", "~~old~~ new", "~old~ new"},
		{"inline code", "run `make dist` now", "run ```make dist``` now"},
		{"code is not converted", "`**x** :smile:`", "```**x** :smile:```"},
		{"fence", "see\n```go\nfmt.Println(\"**hi**\")\n```\nok", "see\n```fmt.Println(\"**hi**\")```\nok"},
		{"link", "[status page](https://status.example.com)", "status page (https://status.example.com)"},
		{"bare link text", "[https://a.b](https://a.b)", "https://a.b"},
		{"heading", "## Next steps", "*Next steps*"},
		{"emoji", "thanks :+1: :smile:", "thanks 👍 😄"},
		{"unknown emoji", "a :not_an_emoji: b", "a :not_an_emoji: b"},
		{"list star is not italic", "* one\n* two", "* one\n* two"},
		{"math stays", "2 * 3 * 4", "2 * 3 * 4"},
		{"nul bytes dropped", "a\x00b", "ab"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ToWhatsApp(tc.in))
		})
	}
}
