package format

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Customer text is untrusted: rendered as Mattermost markdown it could notify a whole channel
// (@all), make every agent's browser fetch a tracking image (![x](url)) or show one URL while
// linking another ([text](url)). Everything from WhatsApp goes through FromWhatsApp (message
// text, captions) or Inert (names, file names, contact cards, locations) before it is posted.

// zwsp breaks a mention: Mattermost splits words on it, so "@\u200ball" names nobody, yet it
// looks the same.
const zwsp = "\u200b"

var (
	urlPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s<>()\[\]{}"'\x60]+`)
	// WhatsApp spans, one per marker: the marker hugs non-space text on one line and is not
	// inside a word.
	waSpanPatterns = []*regexp.Regexp{spanPattern(`\*`), spanPattern(`_`), spanPattern(`~`), spanPattern("`")}
	placeholder    = regexp.MustCompile("\x00([0-9]+)\x00")
)

// mattermostMarkdown is what Mattermost's markdown gives meaning to; a backslash makes each
// literal.
const mattermostMarkdown = "\\`*_~[]()!#<>|{}$"

// NeutralizeMentions breaks every @word Mattermost could read as a mention (@all, @channel,
// @here, @someone): any @ that does not continue a word, as in an email address.
func NeutralizeMentions(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	prev := ' '
	for _, r := range s {
		b.WriteRune(r)
		if r == '@' && !unicode.IsLetter(prev) && !unicode.IsNumber(prev) {
			b.WriteString(zwsp)
			r = ' '
		}
		prev = r
	}
	return b.String()
}

// escape makes every markdown character literal.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(mattermostMarkdown, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Inert renders a customer-supplied string (a name, a file name, a contact, a place) as
// literal text: no formatting, no link syntax, no image, no mention.
func Inert(s string) string {
	return escape(NeutralizeMentions(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")))
}

// Unescape undoes Inert and FromWhatsApp's escaping for plain-text uses (ticket transcripts).
func Unescape(md string) string {
	md = strings.ReplaceAll(md, zwsp, "")
	var b strings.Builder
	rs := []rune(md)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) && strings.ContainsRune(mattermostMarkdown, rs[i+1]) {
			i++
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// FromWhatsApp renders a customer's message as safe Mattermost markdown: WhatsApp's *bold*,
// _italic_, ~strike~ and ```mono``` become **bold**, _italic_, ~~strike~~ and code; everything
// else is literal. Bare URLs stay visible as they are; link and image syntax is shown, not
// followed, and mentions notify nobody.
func FromWhatsApp(text string) string {
	text = NeutralizeMentions(strings.ReplaceAll(strings.ToValidUTF8(text, "\uFFFD"), "\x00", ""))
	var b strings.Builder
	rest := text
	for {
		start := strings.Index(rest, "```")
		if start < 0 {
			break
		}
		end := strings.Index(rest[start+3:], "```")
		if end < 0 {
			break
		}
		inner := rest[start+3 : start+3+end]
		if strings.TrimSpace(inner) == "" {
			b.WriteString(inline(rest[:start+3+end+3]))
			rest = rest[start+3+end+3:]
			continue
		}
		b.WriteString(inline(rest[:start]))
		b.WriteString(code(inner))
		rest = rest[start+3+end+3:]
	}
	b.WriteString(inline(rest))
	return b.String()
}

// code renders WhatsApp monospace: inline code on one line, a fenced block otherwise, with
// fences longer than any backtick run inside so the content cannot close them.
func code(inner string) string {
	run, longest := 0, 0
	for _, r := range inner {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if strings.Contains(inner, "\n") {
		fence := strings.Repeat("`", max(3, longest+1))
		return "\n" + fence + "\n" + strings.Trim(inner, "\n") + "\n" + fence + "\n"
	}
	fence := strings.Repeat("`", longest+1)
	if longest > 0 || strings.HasPrefix(inner, " ") || strings.HasSuffix(inner, " ") {
		return fence + " " + inner + " " + fence
	}
	return fence + inner + fence
}

// inline renders text outside code: URLs are kept whole, WhatsApp spans are converted, and
// the rest is escaped.
func inline(s string) string {
	if s == "" {
		return s
	}
	var urls []string
	s = urlPattern.ReplaceAllStringFunc(s, func(u string) string {
		urls = append(urls, u)
		return "\x00" + strconv.Itoa(len(urls)-1) + "\x00"
	})
	out := spans(s)
	return placeholder.ReplaceAllStringFunc(out, func(m string) string {
		i, _ := strconv.Atoi(m[1 : len(m)-1])
		return urls[i]
	})
}

var mattermostMark = map[string]string{"*": "**", "_": "_", "~": "~~"}

// spans converts the WhatsApp spans of s, outermost first, escaping everything else.
func spans(s string) string {
	var b strings.Builder
	for s != "" {
		m := firstSpan(s)
		if m == nil {
			b.WriteString(escape(s))
			break
		}
		b.WriteString(escape(s[:m[3]]))
		mark, inner := s[m[4]:m[5]], s[m[6]:m[7]]
		if mark == "`" {
			b.WriteString(code(inner))
		} else {
			b.WriteString(mattermostMark[mark] + spans(inner) + mattermostMark[mark])
		}
		s = s[m[9]:]
	}
	return b.String()
}

func spanPattern(m string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^\p{L}\p{N}` + m + `])(` + m + `)([^\s` + m + `](?:[^\n` + m + `]*[^\s` + m + `])?)(` + m + `)($|[^\p{L}\p{N}` + m + `])`)
}

// firstSpan finds the WhatsApp span that starts first, as submatch index pairs: whole, lead,
// open, inner, close, trail.
func firstSpan(s string) []int {
	var first []int
	for _, re := range waSpanPatterns {
		if m := re.FindStringSubmatchIndex(s); m != nil && (first == nil || m[4] < first[4]) {
			first = m
		}
	}
	return first
}
