package fakegraph

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Template seeds the fake's template catalog. Zero Status, Category and
// ParameterFormat default to APPROVED, UTILITY and POSITIONAL; a zero ID is
// generated.
type Template struct {
	ID              string
	Name            string
	Language        string
	Status          string
	Category        string
	ParameterFormat string
	Components      []TemplateComponent
}

// TemplateComponent is a component of a seeded template (HEADER, BODY,
// FOOTER, BUTTONS; Format for headers: TEXT, IMAGE, VIDEO, DOCUMENT).
type TemplateComponent struct {
	Type    string
	Format  string
	Text    string
	Buttons []TemplateButton
}

// TemplateButton is a button of a seeded template (QUICK_REPLY, URL, COPY_CODE…).
type TemplateButton struct {
	Type string
	Text string
	URL  string
}

func (t Template) wire() map[string]any {
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	comps := []any{}
	for _, c := range t.Components {
		m := map[string]any{"type": strings.ToUpper(c.Type)}
		if c.Format != "" {
			m["format"] = strings.ToUpper(c.Format)
		}
		if c.Text != "" {
			m["text"] = c.Text
			if vars := templateVars(c.Text); len(vars) > 0 && strings.EqualFold(c.Type, "BODY") {
				m["example"] = map[string]any{"body_text": []any{exampleValues(vars)}}
			}
		}
		if len(c.Buttons) > 0 {
			buttons := []any{}
			for _, b := range c.Buttons {
				bm := map[string]any{"type": strings.ToUpper(b.Type), "text": b.Text}
				if b.URL != "" {
					bm["url"] = b.URL
				}
				buttons = append(buttons, bm)
			}
			m["buttons"] = buttons
		}
		comps = append(comps, m)
	}
	return map[string]any{
		"id":               def(t.ID, newNumericID()),
		"name":             t.Name,
		"language":         t.Language,
		"status":           def(t.Status, "APPROVED"),
		"category":         def(t.Category, "UTILITY"),
		"parameter_format": def(t.ParameterFormat, "POSITIONAL"),
		"components":       comps,
	}
}

func exampleValues(vars []string) []any {
	out := make([]any, len(vars))
	for i, v := range vars {
		out[i] = "example_" + v
	}
	return out
}

// SetTemplates replaces the template catalog.
func (s *Server) SetTemplates(templates ...Template) {
	list := make([]map[string]any, 0, len(templates))
	for _, t := range templates {
		list = append(list, t.wire())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates = list
}

// SetTemplatesJSON replaces the catalog with wire-format templates: a JSON
// array of template objects, or a listing page {"data": [...]}.
func (s *Server) SetTemplatesJSON(raw []byte) error {
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		var page struct {
			Data []map[string]any `json:"data"`
		}
		if err2 := json.Unmarshal(raw, &page); err2 != nil || page.Data == nil {
			return errors.Wrap(err, "templates JSON must be an array or {\"data\": [...]}")
		}
		list = page.Data
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates = list
	return nil
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	return n, err == nil && n >= 0
}

// serveTemplates lists templates with cursor paging like the Graph API:
// page size from limit (default 25), paging.next an absolute URL.
func (s *Server) serveTemplates(w http.ResponseWriter, r *http.Request, wabaID string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(r).write(w)
		return
	}
	if wabaID != s.opts.WABAID {
		unsupportedObject("get", wabaID).write(w)
		return
	}
	q := r.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalidParam("Param limit must be a positive integer.").write(w)
			return
		}
		limit = n
	}
	offset := 0
	if v := q.Get("after"); v != "" {
		n, ok := decodeCursor(v)
		if !ok {
			invalidParam("Invalid cursor.").write(w)
			return
		}
		offset = n
	}
	statuses := map[string]bool{}
	for _, st := range strings.Split(q.Get("status"), ",") {
		if st = strings.TrimSpace(st); st != "" {
			statuses[strings.ToUpper(st)] = true
		}
	}

	s.mu.Lock()
	var all []map[string]any
	for _, t := range s.templates {
		if st, _ := t["status"].(string); len(statuses) == 0 || statuses[strings.ToUpper(st)] {
			all = append(all, t)
		}
	}
	s.mu.Unlock()

	offset = min(offset, len(all))
	end := min(offset+limit, len(all))
	page := all[offset:end]
	resp := map[string]any{"data": page}
	if page == nil {
		resp["data"] = []any{}
	}
	if len(page) > 0 {
		paging := map[string]any{"cursors": map[string]any{"before": encodeCursor(offset), "after": encodeCursor(end)}}
		if end < len(all) {
			next := url.Values{}
			for k, v := range q {
				next[k] = v
			}
			next.Set("after", encodeCursor(end))
			next.Del("access_token")
			if s.pagingToken() {
				next.Set("access_token", s.opts.AccessToken) // as the real Graph API does
			}
			paging["next"] = s.URL + r.URL.Path + "?" + next.Encode()
		}
		if offset > 0 {
			prev := url.Values{}
			for k, v := range q {
				prev[k] = v
			}
			prev.Del("after")
			prev.Del("access_token")
			prev.Set("before", encodeCursor(offset))
			paging["previous"] = s.URL + r.URL.Path + "?" + prev.Encode()
		}
		resp["paging"] = paging
	}
	writeJSON(w, http.StatusOK, resp)
}

var templateVarRE = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// templateVars lists the distinct placeholders of a template text.
func templateVars(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range templateVarRE.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

func templateError(status, code int, msg, details string) *apiError {
	return &apiError{status, graphErr{Code: code, Message: fmt.Sprintf("(#%d) %s", code, msg), Details: details}}
}

func countMismatch(component string, got, want int) *apiError {
	return templateError(http.StatusBadRequest, 132000, "Number of parameters does not match the expected number of params",
		fmt.Sprintf("%s: number of localizable_params (%d) does not match the expected number of params (%d)", component, got, want))
}

// validateTemplateSend checks a template send against the catalog the way
// Meta does: existence and status (132001/132015/132016), parameter counts
// (132000) and header format (132012).
func (s *Server) validateTemplateSend(obj map[string]any) *apiError {
	name, _ := obj["name"].(string)
	lang, _ := obj["language"].(map[string]any)
	code, _ := lang["code"].(string)
	if name == "" || code == "" {
		return missingParam("The parameters template['name'] and template['language']['code'] are required.")
	}
	tmpl := s.findTemplate(name, code)
	if tmpl == nil {
		return templateError(http.StatusNotFound, 132001, "Template name does not exist in the translation",
			fmt.Sprintf("template name (%s) does not exist in %s", name, code))
	}
	switch status, _ := tmpl["status"].(string); strings.ToUpper(status) {
	case "APPROVED":
	case "PAUSED":
		return templateError(http.StatusBadRequest, 132015, "Template is paused", "Template is paused due to low quality.")
	case "DISABLED":
		return templateError(http.StatusBadRequest, 132016, "Template has been disabled", "Template is disabled due to low quality.")
	default:
		return templateError(http.StatusNotFound, 132001, "Template name does not exist in the translation",
			fmt.Sprintf("template name (%s) is %s in %s", name, status, code))
	}
	named := strings.EqualFold(fmt.Sprint(tmpl["parameter_format"]), "NAMED")

	// Gather what the request supplies.
	given := map[string][]map[string]any{}
	buttons := map[int]map[string]any{}
	comps, _ := obj["components"].([]any)
	for _, c := range comps {
		cm, _ := c.(map[string]any)
		typ, _ := cm["type"].(string)
		var params []map[string]any
		plist, _ := cm["parameters"].([]any)
		for _, p := range plist {
			pm, _ := p.(map[string]any)
			if apiErr := checkParam(pm); apiErr != nil {
				return apiErr
			}
			params = append(params, pm)
		}
		switch strings.ToLower(typ) {
		case "header", "body":
			given[strings.ToLower(typ)] = params
		case "button":
			idx, err := strconv.Atoi(fmt.Sprint(cm["index"]))
			if err != nil {
				return invalidParam("Param template['components'][]['index'] must be a number string.")
			}
			cm["parameters"] = params
			buttons[idx] = cm
		default:
			return invalidParam("Param template['components'][]['type'] must be one of {header, body, button}.")
		}
	}

	// Compare with the definition.
	tcomps, _ := tmpl["components"].([]any)
	var tbuttons []any
	for _, c := range tcomps {
		cm, _ := c.(map[string]any)
		typ, _ := cm["type"].(string)
		text, _ := cm["text"].(string)
		switch strings.ToUpper(typ) {
		case "HEADER":
			format, _ := cm["format"].(string)
			switch format = strings.ToUpper(format); format {
			case "", "TEXT":
				if apiErr := checkTextParams("header", text, given["header"], named); apiErr != nil {
					return apiErr
				}
			default:
				received := "UNKNOWN"
				if ps := given["header"]; len(ps) == 1 {
					received = strings.ToUpper(fmt.Sprint(ps[0]["type"]))
				}
				if received != format {
					return templateError(http.StatusBadRequest, 132012, "Parameter format does not match format in the created template",
						fmt.Sprintf("header: Format mismatch, expected %s, received %s", format, received))
				}
			}
			delete(given, "header")
		case "BODY":
			if apiErr := checkTextParams("body", text, given["body"], named); apiErr != nil {
				return apiErr
			}
			delete(given, "body")
		case "BUTTONS":
			tbuttons, _ = cm["buttons"].([]any)
		}
	}
	for comp, ps := range given {
		if len(ps) > 0 {
			return countMismatch(comp, len(ps), 0)
		}
	}
	return checkButtons(tbuttons, buttons)
}

func (s *Server) findTemplate(name, lang string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.templates {
		if t["name"] == name && strings.EqualFold(fmt.Sprint(t["language"]), lang) {
			return t
		}
	}
	return nil
}

// checkParam validates one parameter object's shape.
func checkParam(p map[string]any) *apiError {
	typ, _ := p["type"].(string)
	switch typ {
	case "text":
		if s, ok := p["text"].(string); !ok || s == "" {
			return invalidParam("Parameter of type text is missing text value.")
		}
	case "image", "video", "document":
		m, _ := p[typ].(map[string]any)
		id, _ := m["id"].(string)
		link, _ := m["link"].(string)
		if id == "" && link == "" {
			return invalidParam("Parameter of type %s requires an id or link.", typ)
		}
	case "payload":
		if s, _ := p["payload"].(string); s == "" {
			return invalidParam("Parameter of type payload is missing payload value.")
		}
	case "coupon_code":
		if s, _ := p["coupon_code"].(string); s == "" {
			return invalidParam("Parameter of type coupon_code is missing coupon_code value.")
		}
	case "currency", "date_time", "location":
		if _, ok := p[typ].(map[string]any); !ok {
			return invalidParam("Parameter of type %s is missing its object.", typ)
		}
	default:
		return invalidParam("Parameter type %q is not valid.", typ)
	}
	return nil
}

func checkTextParams(component, text string, params []map[string]any, named bool) *apiError {
	vars := templateVars(text)
	if len(params) != len(vars) {
		return countMismatch(component, len(params), len(vars))
	}
	if !named {
		return nil
	}
	want := map[string]bool{}
	for _, v := range vars {
		want[v] = true
	}
	for _, p := range params {
		n, _ := p["parameter_name"].(string)
		if !want[n] {
			return invalidParam("%s: parameter_name %q does not match the template.", component, n)
		}
		delete(want, n)
	}
	return nil
}

func checkButtons(defs []any, given map[int]map[string]any) *apiError {
	for i, d := range defs {
		dm, _ := d.(map[string]any)
		typ := strings.ToUpper(fmt.Sprint(dm["type"]))
		urlText, _ := dm["url"].(string)
		g, ok := given[i]
		delete(given, i)
		var params []map[string]any
		sub := ""
		if ok {
			params, _ = g["parameters"].([]map[string]any)
			sub, _ = g["sub_type"].(string)
		}
		switch {
		case typ == "URL" && len(templateVars(urlText)) > 0:
			if !ok || !strings.EqualFold(sub, "url") || len(params) != 1 {
				return countMismatch(fmt.Sprintf("buttons[%d] url", i), len(params), 1)
			}
		case typ == "COPY_CODE":
			if !ok || !strings.EqualFold(sub, "copy_code") || len(params) != 1 || params[0]["type"] != "coupon_code" {
				return countMismatch(fmt.Sprintf("buttons[%d] copy_code", i), len(params), 1)
			}
		case typ == "QUICK_REPLY":
			if ok && (!strings.EqualFold(sub, "quick_reply") || len(params) != 1 || params[0]["type"] != "payload") {
				return invalidParam("buttons[%d]: quick_reply takes one payload parameter.", i)
			}
		case ok:
			return countMismatch(fmt.Sprintf("buttons[%d]", i), len(params), 0)
		}
	}
	for i := range given {
		return invalidParam("Template has no button at index %d.", i)
	}
	return nil
}

// SetPagingAccessToken makes paging links carry the access token in their query, as the real
// Graph API's do, so clients can be tested for not leaking it.
func (s *Server) SetPagingAccessToken(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenInPaging = on
}

func (s *Server) pagingToken() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenInPaging
}
