package format

import (
	"regexp"
	"strings"
)

var (
	fencePattern      = regexp.MustCompile("(?s)```.*?```")
	inlineCodePattern = regexp.MustCompile("`([^`\n]+)`")
	linkPattern       = regexp.MustCompile(`!?\[([^\]\n]*)\]\(([^)\s]+)\)`)
	boldPattern       = regexp.MustCompile(`\*\*([^*\n]+?)\*\*|__([^_\n]+?)__`)
	italicStarPattern = regexp.MustCompile(`(^|[^*\w])\*([^*\s][^*\n]*?)\*($|[^*\w])`)
	strikePattern     = regexp.MustCompile(`~~([^~\n]+?)~~`)
	headingPattern    = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$`)
	shortcodePattern  = regexp.MustCompile(`:([a-z0-9_+\-]+):`)
)

// boldMark stands in for WhatsApp's bold asterisk while italics are rewritten, so that
// "**bold**" is not read again as "*italic*".
const boldMark = "\x00"

// ToWhatsApp converts a Mattermost message to WhatsApp's formatting: **bold** -> *bold*,
// *italic* -> _italic_, ~~strike~~ -> ~strike~, `code` -> ```code```, [text](url) -> text (url),
// headings -> bold lines, and :emoji: shortcodes -> Unicode. Code is left untouched.
func ToWhatsApp(md string) string {
	var b strings.Builder
	rest := md
	for {
		loc := fencePattern.FindStringIndex(rest)
		if loc == nil {
			b.WriteString(convertInline(rest))
			break
		}
		b.WriteString(convertInline(rest[:loc[0]]))
		b.WriteString(stripFenceLanguage(rest[loc[0]:loc[1]]))
		rest = rest[loc[1]:]
	}
	return b.String()
}

// stripFenceLanguage drops the ```go language tag WhatsApp would show literally.
func stripFenceLanguage(block string) string {
	body := strings.TrimSuffix(strings.TrimPrefix(block, "```"), "```")
	if nl := strings.IndexByte(body, '\n'); nl >= 0 && !strings.ContainsAny(body[:nl], " \t") {
		body = body[nl+1:]
	}
	return "```" + strings.TrimSuffix(body, "\n") + "```"
}

func convertInline(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range inlineCodePattern.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(convertText(s[last:m[0]]))
		b.WriteString("```" + s[m[2]:m[3]] + "```")
		last = m[1]
	}
	b.WriteString(convertText(s[last:]))
	return b.String()
}

func convertText(s string) string {
	if s == "" {
		return s
	}
	s = strings.ReplaceAll(s, boldMark, "")
	s = linkPattern.ReplaceAllStringFunc(s, func(m string) string {
		parts := linkPattern.FindStringSubmatch(m)
		text, url := parts[1], parts[2]
		if text == "" || text == url {
			return url
		}
		return text + " (" + url + ")"
	})
	s = headingPattern.ReplaceAllString(s, boldMark+"$1"+boldMark)
	s = boldPattern.ReplaceAllStringFunc(s, func(m string) string {
		parts := boldPattern.FindStringSubmatch(m)
		inner := parts[1]
		if inner == "" {
			inner = parts[2]
		}
		return boldMark + inner + boldMark
	})
	s = italicStarPattern.ReplaceAllString(s, "${1}_${2}_${3}")
	s = strikePattern.ReplaceAllString(s, "~$1~")
	s = shortcodePattern.ReplaceAllStringFunc(s, func(m string) string {
		if u := Unicode(m[1 : len(m)-1]); u != "" {
			return u
		}
		return m
	})
	return strings.ReplaceAll(s, boldMark, "*")
}
