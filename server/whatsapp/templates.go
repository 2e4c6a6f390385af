package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// Template is a message template (HSM) as listed by the Graph API (§4). The
// JSON tags are the wire names, so a listing can be cached as is.
type Template struct {
	ID              string              `json:"id"`
	Name            string              `json:"name"`
	Language        string              `json:"language"`
	Status          string              `json:"status"`   // APPROVED, PENDING, REJECTED, PAUSED…
	Category        string              `json:"category"` // MARKETING, UTILITY, AUTHENTICATION
	ParameterFormat string              `json:"parameter_format,omitempty"`
	Components      []TemplateComponent `json:"components"`
}

// TemplateComponent is one part of a template definition.
type TemplateComponent struct {
	Type    string           `json:"type"`             // HEADER, BODY, FOOTER, BUTTONS
	Format  string           `json:"format,omitempty"` // HEADER: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
}

// TemplateButton is a button of the BUTTONS component.
type TemplateButton struct {
	Type string `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, FLOW…
	Text string `json:"text,omitempty"`
	URL  string `json:"url,omitempty"`
}

// ButtonParam is a button that needs a value at send time.
type ButtonParam struct {
	Index   int    // 0-based among all the template's buttons
	SubType string // "url" (dynamic suffix) or "copy_code" (coupon code)
}

// TemplateParams are the values for BuildTemplateMessage.
type TemplateParams struct {
	Header []string // TEXT header variables, in order

	// Media header (IMAGE, VIDEO, DOCUMENT): an uploaded id or a public link.
	HeaderMediaID   string
	HeaderMediaLink string
	HeaderFilename  string // DOCUMENT header

	Body []string // body variables, in order ({{1}}, {{2}}… or names by first appearance)

	// Named holds values by placeholder name for NAMED templates; when set it
	// replaces Header and Body.
	Named map[string]string

	Buttons      map[int]string // by button index: dynamic URL suffix or coupon code
	QuickReplies map[int]string // optional payloads of QUICK_REPLY buttons, by index

	ReplyTo   string
	BizOpaque string
}

// ErrTemplateNotApproved is wrapped when a template that is not APPROVED is built.
var ErrTemplateNotApproved = errors.New("template is not approved")

// TemplateParamError reports parameters that do not fit the template; Meta
// would answer 132000/132012 for them after the fact.
type TemplateParamError struct {
	Template  string
	Component string // "header", "body", "button 1", "template"
	Want, Got int
	Reason    string // set when the problem is not a count
}

func (e *TemplateParamError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("template %q %s: %s", e.Template, e.Component, e.Reason)
	}
	return fmt.Sprintf("template %q %s expects %d parameter(s), got %d", e.Template, e.Component, e.Want, e.Got)
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// placeholders lists the distinct variables of text in order: by number for
// positional templates, by first appearance for named ones.
func placeholders(text string) []string {
	var names []string
	seen := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	sort.SliceStable(names, func(i, j int) bool {
		return numericLess(names[i], names[j])
	})
	return names
}

// numericLess orders "2" before "10"; names keep their appearance order.
func numericLess(a, b string) bool {
	na, nb := isDigits(a), isDigits(b)
	if !na || !nb {
		return false
	}
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Approved reports whether the template may be sent.
func (t Template) Approved() bool { return strings.EqualFold(t.Status, "APPROVED") }

// Named reports whether the template uses {{name}} placeholders.
func (t Template) Named() bool { return strings.EqualFold(t.ParameterFormat, "NAMED") }

func (t Template) component(typ string) *TemplateComponent {
	for i := range t.Components {
		if strings.EqualFold(t.Components[i].Type, typ) {
			return &t.Components[i]
		}
	}
	return nil
}

// HeaderFormat is TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION, or "" without header.
func (t Template) HeaderFormat() string {
	h := t.component("HEADER")
	if h == nil {
		return ""
	}
	if h.Format == "" {
		return "TEXT"
	}
	return strings.ToUpper(h.Format)
}

func isMediaFormat(f string) bool {
	return f == "IMAGE" || f == "VIDEO" || f == "DOCUMENT" || f == "LOCATION"
}

// HeaderParamNames lists the TEXT header variables.
func (t Template) HeaderParamNames() []string {
	if t.HeaderFormat() != "TEXT" {
		return nil
	}
	return placeholders(t.component("HEADER").Text)
}

// HeaderParams counts header parameters; a media header counts as one.
func (t Template) HeaderParams() int {
	if isMediaFormat(t.HeaderFormat()) {
		return 1
	}
	return len(t.HeaderParamNames())
}

// BodyParamNames lists the body variables.
func (t Template) BodyParamNames() []string {
	b := t.component("BODY")
	if b == nil {
		return nil
	}
	return placeholders(b.Text)
}

// BodyParams counts body parameters.
func (t Template) BodyParams() int { return len(t.BodyParamNames()) }

// ButtonParams lists the buttons that need a value: URL buttons with a
// variable and COPY_CODE buttons.
func (t Template) ButtonParams() []ButtonParam {
	bc := t.component("BUTTONS")
	if bc == nil {
		return nil
	}
	var out []ButtonParam
	for i, b := range bc.Buttons {
		switch strings.ToUpper(b.Type) {
		case "URL":
			if len(placeholders(b.URL)) > 0 {
				out = append(out, ButtonParam{Index: i, SubType: "url"})
			}
		case "COPY_CODE":
			out = append(out, ButtonParam{Index: i, SubType: "copy_code"})
		}
	}
	return out
}

// URLButtonParams lists the indexes of URL buttons with a dynamic suffix.
func (t Template) URLButtonParams() []int {
	var out []int
	for _, b := range t.ButtonParams() {
		if b.SubType == "url" {
			out = append(out, b.Index)
		}
	}
	return out
}

// ParamCount is the number of values a send needs in total.
func (t Template) ParamCount() int {
	return t.HeaderParams() + t.BodyParams() + len(t.ButtonParams())
}

// FindTemplate returns the template with that name and language (any
// language when empty, preferring an approved one).
func FindTemplate(templates []Template, name, language string) (Template, bool) {
	var found *Template
	for i := range templates {
		t := &templates[i]
		if t.Name != name || (language != "" && !strings.EqualFold(t.Language, language)) {
			continue
		}
		if found == nil || (!found.Approved() && t.Approved()) {
			found = t
		}
	}
	if found == nil {
		return Template{}, false
	}
	return *found, true
}

// ParamsFromList spreads a flat list of values (as typed after a slash
// command) over the template: header, then body, then dynamic buttons. A
// media header value is a link when it starts with https://, else a media id.
func (t Template) ParamsFromList(values []string) (TemplateParams, error) {
	var p TemplateParams
	if want := t.ParamCount(); len(values) != want {
		return p, &TemplateParamError{Template: t.Name, Component: "template", Want: want, Got: len(values)}
	}
	if isMediaFormat(t.HeaderFormat()) {
		if strings.HasPrefix(strings.ToLower(values[0]), "https://") {
			p.HeaderMediaLink = values[0]
		} else {
			p.HeaderMediaID = values[0]
		}
		values = values[1:]
	} else {
		n := t.HeaderParams()
		p.Header, values = values[:n], values[n:]
	}
	n := t.BodyParams()
	p.Body, values = values[:n], values[n:]
	for i, b := range t.ButtonParams() {
		if p.Buttons == nil {
			p.Buttons = map[int]string{}
		}
		p.Buttons[b.Index] = values[i]
	}
	return p, nil
}

// resolve matches values to a component's placeholders, by name for NAMED
// templates given p.Named, by position otherwise.
func (t Template) resolve(component string, names, positional []string, named map[string]string) ([]OutParam, error) {
	if t.Named() && named != nil {
		params := make([]OutParam, 0, len(names))
		for _, n := range names {
			v, ok := named[n]
			if !ok || v == "" {
				return nil, &TemplateParamError{Template: t.Name, Component: component, Reason: fmt.Sprintf("missing value for {{%s}}", n)}
			}
			params = append(params, ParamNamedText(n, v))
		}
		return params, nil
	}
	if len(positional) != len(names) {
		return nil, &TemplateParamError{Template: t.Name, Component: component, Want: len(names), Got: len(positional)}
	}
	params := make([]OutParam, 0, len(names))
	for i, v := range positional {
		if strings.TrimSpace(v) == "" {
			return nil, &TemplateParamError{Template: t.Name, Component: component, Reason: fmt.Sprintf("value %d is empty", i+1)}
		}
		p := ParamText(v)
		if t.Named() {
			p.Name = names[i]
		}
		params = append(params, p)
	}
	return params, nil
}

// BuildTemplateMessage builds the send for template t from its definition,
// one parameter per placeholder, and refuses before anything is sent when the
// template is not approved or the values do not fit (*TemplateParamError).
func BuildTemplateMessage(t Template, to string, p TemplateParams) (OutMessage, error) {
	if !t.Approved() {
		return OutMessage{}, errors.Wrapf(ErrTemplateNotApproved, "template %q (%s) is %s; only APPROVED templates can be sent", t.Name, t.Language, t.Status)
	}
	out := &OutTemplate{Name: t.Name, Language: t.Language}
	if t.Named() && p.Named != nil {
		if err := t.checkNamed(p.Named); err != nil {
			return OutMessage{}, err
		}
	}

	header, err := t.buildHeader(p)
	if err != nil {
		return OutMessage{}, err
	}
	if header != nil {
		out.Components = append(out.Components, *header)
	}

	body, err := t.resolve("body", t.BodyParamNames(), p.Body, p.Named)
	if err != nil {
		return OutMessage{}, err
	}
	if len(body) > 0 {
		out.Components = append(out.Components, OutComponent{Type: "body", Parameters: body})
	}

	buttons, err := t.buildButtons(p)
	if err != nil {
		return OutMessage{}, err
	}
	out.Components = append(out.Components, buttons...)

	m := OutMessage{To: to, Type: OutTypeTemplate, Template: out, ReplyTo: p.ReplyTo, BizOpaque: p.BizOpaque}
	if err := m.Validate(); err != nil {
		return OutMessage{}, err
	}
	return m, nil
}

// checkNamed refuses values for placeholders the template does not have.
func (t Template) checkNamed(named map[string]string) error {
	known := map[string]bool{}
	for _, n := range append(t.HeaderParamNames(), t.BodyParamNames()...) {
		known[n] = true
	}
	for n := range named {
		if !known[n] {
			return &TemplateParamError{Template: t.Name, Component: "template", Reason: fmt.Sprintf("has no {{%s}} placeholder", n)}
		}
	}
	return nil
}

func (t Template) buildHeader(p TemplateParams) (*OutComponent, error) {
	format := t.HeaderFormat()
	hasMedia := p.HeaderMediaID != "" || p.HeaderMediaLink != ""
	switch format {
	case "", "TEXT":
		if hasMedia {
			return nil, &TemplateParamError{Template: t.Name, Component: "header", Reason: "has no media header"}
		}
		params, err := t.resolve("header", t.HeaderParamNames(), p.Header, p.Named)
		if err != nil || len(params) == 0 {
			return nil, err
		}
		return &OutComponent{Type: "header", Parameters: params}, nil
	case "IMAGE", "VIDEO", "DOCUMENT":
		if len(p.Header) > 0 {
			return nil, &TemplateParamError{Template: t.Name, Component: "header", Reason: fmt.Sprintf("is %s: give a media id or link, not text", format)}
		}
		if p.HeaderMediaID != "" && p.HeaderMediaLink != "" {
			return nil, &TemplateParamError{Template: t.Name, Component: "header", Reason: "give a media id or a link, not both"}
		}
		if !hasMedia {
			return nil, &TemplateParamError{Template: t.Name, Component: "header", Reason: fmt.Sprintf("needs the %s (media id or link)", strings.ToLower(format))}
		}
		param := OutParam{Type: strings.ToLower(format), MediaID: p.HeaderMediaID, MediaLink: p.HeaderMediaLink}
		if format == "DOCUMENT" {
			param.Filename = p.HeaderFilename
		}
		return &OutComponent{Type: "header", Parameters: []OutParam{param}}, nil
	default:
		return nil, &TemplateParamError{Template: t.Name, Component: "header", Reason: fmt.Sprintf("%s headers are not supported", format)}
	}
}

func (t Template) buildButtons(p TemplateParams) ([]OutComponent, error) {
	var buttons []TemplateButton
	if bc := t.component("BUTTONS"); bc != nil {
		buttons = bc.Buttons
	}
	dynamic := map[int]string{}
	for _, b := range t.ButtonParams() {
		dynamic[b.Index] = b.SubType
	}
	for i := range p.Buttons {
		if _, ok := dynamic[i]; !ok {
			return nil, &TemplateParamError{Template: t.Name, Component: fmt.Sprintf("button %d", i), Reason: "takes no parameter"}
		}
	}
	for i := range p.QuickReplies {
		if i < 0 || i >= len(buttons) || !strings.EqualFold(buttons[i].Type, "QUICK_REPLY") {
			return nil, &TemplateParamError{Template: t.Name, Component: fmt.Sprintf("button %d", i), Reason: "is not a quick reply button"}
		}
	}

	var out []OutComponent
	for i, b := range buttons {
		name := fmt.Sprintf("button %d", i)
		switch sub, ok := dynamic[i]; {
		case ok:
			v := strings.TrimSpace(p.Buttons[i])
			if v == "" {
				return nil, &TemplateParamError{Template: t.Name, Component: name, Want: 1, Got: 0}
			}
			param := ParamText(v)
			if sub == "copy_code" {
				param = ParamCouponCode(v)
			}
			out = append(out, OutComponent{Type: "button", SubType: sub, Index: i, Parameters: []OutParam{param}})
		case strings.EqualFold(b.Type, "QUICK_REPLY") && p.QuickReplies[i] != "":
			out = append(out, OutComponent{Type: "button", SubType: "quick_reply", Index: i, Parameters: []OutParam{ParamPayload(p.QuickReplies[i])}})
		}
	}
	return out, nil
}

// Render fills the template's header, body and footer text with p, for
// showing what the customer receives. Missing values stay as placeholders.
func (t Template) Render(p TemplateParams) string {
	fill := func(text string, values []string) string {
		names := placeholders(text)
		return placeholderRE.ReplaceAllStringFunc(text, func(ph string) string {
			name := placeholderRE.FindStringSubmatch(ph)[1]
			if v, ok := p.Named[name]; ok && t.Named() {
				return v
			}
			for i, n := range names {
				if n == name && i < len(values) {
					return values[i]
				}
			}
			return ph
		})
	}
	var parts []string
	if h := t.component("HEADER"); h != nil && t.HeaderFormat() == "TEXT" && h.Text != "" {
		parts = append(parts, "*"+fill(h.Text, p.Header)+"*")
	}
	if b := t.component("BODY"); b != nil {
		parts = append(parts, fill(b.Text, p.Body))
	}
	if f := t.component("FOOTER"); f != nil && f.Text != "" {
		parts = append(parts, "_"+f.Text+"_")
	}
	return strings.Join(parts, "\n\n")
}

// templateFields are the fields ListTemplates asks for (§4).
const templateFields = "name,status,category,language,components,parameter_format,id"

// maxTemplatePages bounds paging so a misbehaving server cannot loop us forever.
const maxTemplatePages = 200

// TemplateLister lists a WhatsApp Business Account's message templates; *Client is one.
type TemplateLister interface {
	ListTemplates(ctx context.Context) ([]Template, error)
}

// ListTemplates fetches every template of the WhatsApp Business Account,
// following paging.next through all pages.
func (c *Client) ListTemplates(ctx context.Context) ([]Template, error) {
	if err := c.ready("waba"); err != nil {
		return nil, err
	}
	q := url.Values{"fields": {templateFields}, "limit": {"100"}}
	next := c.endpoint(c.cfg.WABAID, "message_templates") + "?" + q.Encode()
	seen := map[string]bool{}
	templates := []Template{}
	for page := 1; next != ""; page++ {
		if page > maxTemplatePages {
			return nil, errors.Errorf("template listing exceeded %d pages", maxTemplatePages)
		}
		if seen[next] {
			return nil, errors.New("template listing returned the same page twice")
		}
		seen[next] = true
		if err := c.checkPagingURL(next); err != nil {
			return nil, err
		}
		resp, err := c.do(ctx, apiRequest{method: http.MethodGet, url: next, idempotent: true})
		if err != nil {
			return nil, errors.Wrapf(err, "failed to list WhatsApp templates (page %d)", page)
		}
		var body struct {
			Data   []Template `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := json.Unmarshal(resp.body, &body); err != nil {
			return nil, errors.Wrapf(err, "unreadable template listing (page %d)", page)
		}
		templates = append(templates, body.Data...)
		next = withoutAccessToken(body.Paging.Next)
	}
	return templates, nil
}

// checkPagingURL keeps the bearer token on the configured Graph host: a
// paging link elsewhere is refused rather than followed.
func (c *Client) checkPagingURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("invalid paging link") // the parse error would quote the link
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return errors.Errorf("refusing paging link to another host %s://%s", u.Scheme, u.Host)
	}
	return nil
}

// withoutAccessToken drops the access_token Graph puts in paging links: the token travels in
// the Authorization header only, never in a URL that errors and logs could quote.
func withoutAccessToken(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	q := u.Query()
	if !q.Has("access_token") {
		return raw
	}
	q.Del("access_token")
	u.RawQuery = q.Encode()
	return u.String()
}
