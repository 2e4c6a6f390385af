package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// retomar is the §4 example template.
const retomarJSON = `{ "id": "1234567890123456",
  "name": "retomar_atendimento",
  "language": "pt_BR",
  "status": "APPROVED",
  "category": "UTILITY",
  "parameter_format": "POSITIONAL",
  "components": [
    { "type": "HEADER", "format": "IMAGE", "example": { "header_handle": ["https://scontent.whatsapp.net/v/t61..."] } },
    { "type": "BODY", "text": "Olá {{1}}, seu atendimento {{2}} está aguardando sua resposta. Podemos continuar?",
      "example": { "body_text": [["Maria", "4821"]] } },
    { "type": "FOOTER", "text": "Equipe de Suporte" },
    { "type": "BUTTONS", "buttons": [
        { "type": "QUICK_REPLY", "text": "Continuar atendimento" },
        { "type": "URL", "text": "Ver protocolo", "url": "https://exemplo.com/p/{{1}}", "example": ["https://exemplo.com/p/4821"] } ] }
  ] }`

func retomar(t *testing.T) Template {
	var tmpl Template
	require.NoError(t, json.Unmarshal([]byte(retomarJSON), &tmpl))
	return tmpl
}

func TestTemplatePlaceholders(t *testing.T) {
	r := retomar(t)
	assert.True(t, r.Approved())
	assert.False(t, r.Named())
	assert.Equal(t, "IMAGE", r.HeaderFormat())
	assert.Equal(t, 1, r.HeaderParams())
	assert.Equal(t, 2, r.BodyParams())
	assert.Equal(t, []int{1}, r.URLButtonParams())
	assert.Equal(t, 4, r.ParamCount())

	tests := []struct {
		name                 string
		tmpl                 Template
		header, body, button int
	}{
		{"no placeholders", Template{Components: []TemplateComponent{{Type: "BODY", Text: "Oi!"}}}, 0, 0, 0},
		{"repeated and out of order", Template{Components: []TemplateComponent{{Type: "BODY", Text: "{{2}} {{1}} {{1}} {{10}} {{3}} {{4}} {{5}} {{6}} {{7}} {{8}} {{9}}"}}}, 0, 10, 0},
		{"text header", Template{Components: []TemplateComponent{{Type: "HEADER", Format: "TEXT", Text: "Pedido {{1}}"}, {Type: "BODY", Text: "x"}}}, 1, 0, 0},
		{"header without format is text", Template{Components: []TemplateComponent{{Type: "header", Text: "Oi {{1}}"}}}, 1, 0, 0},
		{"video header", Template{Components: []TemplateComponent{{Type: "HEADER", Format: "VIDEO"}}}, 1, 0, 0},
		{"document header", Template{Components: []TemplateComponent{{Type: "HEADER", Format: "DOCUMENT"}}}, 1, 0, 0},
		{"named", Template{ParameterFormat: "NAMED", Components: []TemplateComponent{{Type: "BODY", Text: "Oi {{customer_name}}, pedido {{order_id}} de {{customer_name}}"}}}, 0, 2, 0},
		{"static url and copy code", Template{Components: []TemplateComponent{{Type: "BUTTONS", Buttons: []TemplateButton{
			{Type: "URL", URL: "https://x.com/static"}, {Type: "COPY_CODE"}, {Type: "PHONE_NUMBER"}, {Type: "URL", URL: "https://x.com/{{1}}"}}}}}, 0, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.header, tt.tmpl.HeaderParams())
			assert.Equal(t, tt.body, tt.tmpl.BodyParams())
			assert.Len(t, tt.tmpl.ButtonParams(), tt.button)
		})
	}
	named := Template{ParameterFormat: "NAMED", Components: []TemplateComponent{{Type: "BODY", Text: "{{b}} {{a}} {{b}}"}}}
	assert.Equal(t, []string{"b", "a"}, named.BodyParamNames(), "names keep their order of appearance")
}

func TestBuildTemplateMessageMatchesSpec(t *testing.T) {
	m, err := BuildTemplateMessage(retomar(t), "551187654321", TemplateParams{
		HeaderMediaID: "1013859600285441",
		Body:          []string{"Maria", "4821"},
		Buttons:       map[int]string{1: "4821"},
		QuickReplies:  map[int]string{0: "REOPEN_4821"},
		BizOpaque:     "mm:post:1",
	})
	require.NoError(t, err)
	got, err := m.WireJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "551187654321", "type": "template",
		"biz_opaque_callback_data": "mm:post:1",
		"template": {
		"name": "retomar_atendimento",
		"language": { "code": "pt_BR" },
		"components": [
		  { "type": "header", "parameters": [ { "type": "image", "image": { "id": "1013859600285441" } } ] },
		  { "type": "body", "parameters": [ { "type": "text", "text": "Maria" }, { "type": "text", "text": "4821" } ] },
		  { "type": "button", "sub_type": "quick_reply", "index": "0",
		    "parameters": [ { "type": "payload", "payload": "REOPEN_4821" } ] },
		  { "type": "button", "sub_type": "url", "index": "1",
		    "parameters": [ { "type": "text", "text": "4821" } ] }
		] } }`, string(got))
}

func TestBuildTemplateMessageRefusals(t *testing.T) {
	r := retomar(t)
	ok := TemplateParams{HeaderMediaID: "1", Body: []string{"Maria", "4821"}, Buttons: map[int]string{1: "4821"}}
	with := func(f func(p *TemplateParams)) TemplateParams {
		p := ok
		p.Buttons = map[int]string{1: "4821"}
		f(&p)
		return p
	}
	textHeader := Template{Name: "t", Language: "en", Status: "APPROVED", Components: []TemplateComponent{
		{Type: "HEADER", Format: "TEXT", Text: "Pedido {{1}}"}, {Type: "BODY", Text: "Oi"}}}

	tests := []struct {
		name   string
		tmpl   Template
		params TemplateParams
		want   string
	}{
		{"too few body values", r, with(func(p *TemplateParams) { p.Body = []string{"Maria"} }), "body expects 2 parameter(s), got 1"},
		{"too many body values", r, with(func(p *TemplateParams) { p.Body = []string{"a", "b", "c"} }), "body expects 2 parameter(s), got 3"},
		{"empty body value", r, with(func(p *TemplateParams) { p.Body = []string{"Maria", " "} }), "value 2 is empty"},
		{"missing header media", r, with(func(p *TemplateParams) { p.HeaderMediaID = "" }), "header: needs the image"},
		{"text for media header", r, with(func(p *TemplateParams) { p.Header = []string{"x"} }), "header: is IMAGE: give a media id or link, not text"},
		{"id and link", r, with(func(p *TemplateParams) { p.HeaderMediaLink = "https://x" }), "not both"},
		{"missing url suffix", r, with(func(p *TemplateParams) { p.Buttons = nil }), "button 1 expects 1 parameter(s), got 0"},
		{"value for static button", r, with(func(p *TemplateParams) { p.Buttons[0] = "x" }), "button 0: takes no parameter"},
		{"payload for url button", r, with(func(p *TemplateParams) { p.QuickReplies = map[int]string{1: "x"} }), "not a quick reply"},
		{"media for text header", textHeader, TemplateParams{HeaderMediaID: "1", Header: []string{"1"}}, "has no media header"},
		{"missing text header value", textHeader, TemplateParams{}, "header expects 1 parameter(s), got 0"},
		{"location header", Template{Name: "l", Language: "en", Status: "APPROVED", Components: []TemplateComponent{{Type: "HEADER", Format: "LOCATION"}}},
			TemplateParams{HeaderMediaID: "1"}, "LOCATION headers are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildTemplateMessage(tt.tmpl, "5511", tt.params)
			require.Error(t, err)
			var tpe *TemplateParamError
			assert.ErrorAs(t, err, &tpe)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	paused := r
	paused.Status = "PAUSED"
	_, err := BuildTemplateMessage(paused, "5511", ok)
	assert.ErrorIs(t, err, ErrTemplateNotApproved)
	assert.Contains(t, err.Error(), "PAUSED")

	_, err = BuildTemplateMessage(r, "", ok)
	assert.ErrorIs(t, err, ErrInvalidMessage, "recipient is still validated")
}

func TestBuildNamedTemplate(t *testing.T) {
	tmpl := Template{Name: "pedido", Language: "pt_BR", Status: "APPROVED", ParameterFormat: "NAMED",
		Components: []TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Pedido {{order_id}}"},
			{Type: "BODY", Text: "Oi {{customer_name}}, o pedido {{order_id}} saiu."},
		}}

	m, err := BuildTemplateMessage(tmpl, "5511", TemplateParams{Named: map[string]string{"order_id": "4821", "customer_name": "Maria"}})
	require.NoError(t, err)
	got, _ := m.WireJSON()
	assert.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511","type":"template","template":{
		"name":"pedido","language":{"code":"pt_BR"},"components":[
		{"type":"header","parameters":[{"type":"text","parameter_name":"order_id","text":"4821"}]},
		{"type":"body","parameters":[{"type":"text","parameter_name":"customer_name","text":"Maria"},{"type":"text","parameter_name":"order_id","text":"4821"}]}]}}`, string(got))

	// Positional values are matched to names in order of appearance.
	m, err = BuildTemplateMessage(tmpl, "5511", TemplateParams{Header: []string{"4821"}, Body: []string{"Maria", "4821"}})
	require.NoError(t, err)
	assert.Equal(t, "customer_name", m.Template.Components[1].Parameters[0].Name)

	_, err = BuildTemplateMessage(tmpl, "5511", TemplateParams{Named: map[string]string{"order_id": "1"}})
	assert.ErrorContains(t, err, "missing value for {{customer_name}}")
	_, err = BuildTemplateMessage(tmpl, "5511", TemplateParams{Named: map[string]string{"order_id": "1", "customer_name": "M", "typo": "x"}})
	assert.ErrorContains(t, err, "has no {{typo}} placeholder")
}

func TestParamsFromList(t *testing.T) {
	r := retomar(t)
	p, err := r.ParamsFromList([]string{"https://cdn.exemplo.com/caixa.jpg", "Maria", "4821", "P-4821"})
	require.NoError(t, err)
	assert.Equal(t, "https://cdn.exemplo.com/caixa.jpg", p.HeaderMediaLink)
	assert.Equal(t, []string{"Maria", "4821"}, p.Body)
	assert.Equal(t, map[int]string{1: "P-4821"}, p.Buttons)
	_, err = BuildTemplateMessage(r, "5511", p)
	require.NoError(t, err)

	p, err = r.ParamsFromList([]string{"1013859600285441", "Maria", "4821", "P"})
	require.NoError(t, err)
	assert.Equal(t, "1013859600285441", p.HeaderMediaID)

	_, err = r.ParamsFromList([]string{"Maria"})
	var tpe *TemplateParamError
	require.ErrorAs(t, err, &tpe)
	assert.Equal(t, 4, tpe.Want)
	assert.Equal(t, 1, tpe.Got)
}

func TestRender(t *testing.T) {
	r := retomar(t)
	assert.Equal(t, "Olá Maria, seu atendimento 4821 está aguardando sua resposta. Podemos continuar?\n\n_Equipe de Suporte_",
		r.Render(TemplateParams{Body: []string{"Maria", "4821"}}))
	assert.Contains(t, r.Render(TemplateParams{Body: []string{"Maria"}}), "atendimento {{2}}", "missing values stay visible")
}

func TestFindTemplate(t *testing.T) {
	ts := []Template{
		{Name: "a", Language: "en", Status: "REJECTED"},
		{Name: "a", Language: "pt_BR", Status: "APPROVED"},
		{Name: "b", Language: "en", Status: "APPROVED"},
	}
	got, ok := FindTemplate(ts, "a", "")
	require.True(t, ok)
	assert.Equal(t, "pt_BR", got.Language, "approved preferred")
	got, ok = FindTemplate(ts, "a", "EN")
	require.True(t, ok)
	assert.Equal(t, "REJECTED", got.Status)
	_, ok = FindTemplate(ts, "c", "")
	assert.False(t, ok)
}

func TestListTemplatesPaging(t *testing.T) {
	var srv *httptest.Server
	var calls []string
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.URL.RequestURI())
		assert.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
		page := r.URL.Query().Get("after")
		next := ""
		switch page {
		case "":
			next = srv.URL + "/v25.0/104887219284913/message_templates?after=P2&access_token=tok"
		case "P2":
			next = srv.URL + "/v25.0/104887219284913/message_templates?after=P3"
		}
		body := fmt.Sprintf(`{"data":[{"id":"%s","name":"t%s","language":"pt_BR","status":"APPROVED","category":"UTILITY","components":[{"type":"BODY","text":"Oi {{1}}"}]}],
			"paging":{"cursors":{"before":"x","after":"y"}%s}}`, page, page, map[bool]string{true: `,"next":"` + next + `"`, false: ""}[next != ""])
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL)
	ts, err := c.ListTemplates(context.Background())
	require.NoError(t, err)
	require.Len(t, ts, 3)
	assert.Equal(t, []string{"t", "tP2", "tP3"}, []string{ts[0].Name, ts[1].Name, ts[2].Name})
	assert.Equal(t, 1, ts[2].BodyParams())
	require.Len(t, calls, 3)
	assert.True(t, strings.HasPrefix(calls[0], "/v25.0/104887219284913/message_templates?"))
	assert.Contains(t, calls[0], "limit=100")
	assert.Contains(t, calls[0], "fields=name%2Cstatus%2Ccategory%2Clanguage%2Ccomponents%2Cparameter_format%2Cid")
}

func TestListTemplatesRefusesForeignOrLoopingPages(t *testing.T) {
	var srv *httptest.Server
	next := ""
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, `{"data":[],"paging":{"next":%q}}`, next)
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL)

	next = "https://evil.example.com/v25.0/1/message_templates?after=x"
	_, err := c.ListTemplates(context.Background())
	assert.ErrorContains(t, err, "another host")

	next = srv.URL + "/v25.0/104887219284913/message_templates?after=same"
	_, err = c.ListTemplates(context.Background())
	assert.ErrorContains(t, err, "same page twice")
}

func TestTemplateFieldsFollowTheParameterOrder(t *testing.T) {
	tpl := Template{Name: "promo", Components: []TemplateComponent{
		{Type: "HEADER", Format: "IMAGE"},
		{Type: "BODY", Text: "Olá {{1}}, use {{2}}."},
		{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "QUICK_REPLY", Text: "Ok"}, {Type: "URL", URL: "https://x.test/{{1}}"}}},
	}}
	assert.Equal(t, []TemplateField{{"header_media", "image"}, {"body", "1"}, {"body", "2"}, {"button", "2 url"}}, tpl.Fields())
	assert.Equal(t, tpl.ParamCount(), len(tpl.Fields()))
}
