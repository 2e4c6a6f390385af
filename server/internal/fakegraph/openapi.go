package fakegraph

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed" // Meta's OpenAPI file
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/pkg/errors"
)

// Meta's OpenAPI description of the Cloud API (openapi/README.md), gzipped
// because the file is larger than the repository's 1 MB limit.
//
//go:embed openapi/business-messaging-api_v23.0.yaml.gz
var specGz []byte

// specVersion is the Graph version of the spec's paths: the plugin's own
// version segment (v25.0 in tests) is mapped to it when matching.
const specVersion = "v23.0"

// Violation is a request that Meta's OpenAPI description does not allow.
type Violation struct {
	Method string
	Path   string
	Reason string
}

func (v Violation) String() string { return v.Method + " " + v.Path + ": " + v.Reason }

// Operations the fake serves, keyed by the names used in specOperation.
const (
	opSendMessage  = "sendMessage"
	opMarkRead     = "markRead" // synthetic, see patchSpec
	opUploadMedia  = "uploadMedia"
	opRetrieveURL  = "retrieveMediaUrl"
	opDownload     = "downloadMedia"
	opListTemplate = "listTemplates"
)

type specOp struct {
	path   string // as written in the spec
	method string
}

var specOps = map[string]specOp{
	opSendMessage:  {"/{Version}/{Phone-Number-ID}/messages", http.MethodPost},
	opMarkRead:     {"/{Version}/{Phone-Number-ID}/messages", http.MethodPost},
	opUploadMedia:  {"/{Version}/{Phone-Number-ID}/media", http.MethodPost},
	opRetrieveURL:  {"/{Version}/{Media-ID}", http.MethodGet},
	opDownload:     {"/{Version}/{Media-URL}", http.MethodGet},
	opListTemplate: {"/{Version}/{WABA-ID}/message_templates", http.MethodGet},
}

// loadedSpec is the parsed, patched spec with one route per operation.
type loadedSpec struct {
	doc     *openapi3.T
	routes  map[string]*routers.Route
	elapsed time.Duration
	err     error
}

var (
	specOnce sync.Once
	spec     loadedSpec
)

// openAPI parses the spec once per test binary (0.15-0.25 s, 0.8 s under
// -race on a busy machine; the fake is started by hundreds of tests).
func openAPI() *loadedSpec {
	specOnce.Do(func() {
		start := time.Now()
		spec.doc, spec.routes, spec.err = loadSpec()
		spec.elapsed = time.Since(start)
	})
	return &spec
}

// SpecLoadTime is how long parsing Meta's OpenAPI file took (0 before the first fake starts).
func SpecLoadTime() time.Duration { return openAPI().elapsed }

func loadSpec() (*openapi3.T, map[string]*routers.Route, error) {
	zr, err := gzip.NewReader(bytes.NewReader(specGz))
	if err != nil {
		return nil, nil, errors.Wrap(err, "openapi spec is not gzip")
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, nil, errors.Wrap(err, "failed to gunzip openapi spec")
	}
	keep := map[string]bool{}
	for _, so := range specOps {
		keep[so.path] = true
	}
	if raw, err = prunePaths(raw, keep); err != nil {
		return nil, nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, nil, errors.Wrap(err, "failed to parse openapi spec")
	}
	// doc.Validate is not run: Meta's file fails it on examples of schemas
	// that patchSpec corrects, and the requests, not the file, are under test.
	if err := patchSpec(doc); err != nil {
		return nil, nil, err
	}
	// For a 3.1 document kin-openapi validates with its JSON Schema 2020-12
	// engine, which recompiles the schema on every request, ignores
	// discriminators and reports only "jsonschema validation failed". Its
	// built-in validator handles everything the operations used here need
	// (the loader has already merged 3.1's $ref siblings), so it is used.
	doc.OpenAPI = "3.0.3"
	routes := map[string]*routers.Route{}
	for name, so := range specOps {
		pi := doc.Paths.Value(so.path)
		if pi == nil {
			return nil, nil, errors.Errorf("openapi spec has no path %s", so.path)
		}
		op := pi.GetOperation(so.method)
		if op == nil {
			return nil, nil, errors.Errorf("openapi spec has no %s %s", so.method, so.path)
		}
		if name == opMarkRead {
			op = markReadOperation(doc, op)
		}
		routes[name] = &routers.Route{Spec: doc, Path: so.path, PathItem: pi, Method: so.method, Operation: op}
	}
	return doc, routes, nil
}

// prunePaths drops the entries of the top-level "paths" mapping that are not
// in keep, before parsing: YAML parsing dominates the load (about 2 s of the
// 1.09 MB file under -race on a busy machine) and two thirds of the file are
// paths the plugin never calls. The file is block YAML with two-space
// indentation, so an entry starts at a line indented by exactly two spaces
// and the section ends at the next unindented line; components stay whole.
func prunePaths(raw []byte, keep map[string]bool) ([]byte, error) {
	lines := bytes.SplitAfter(raw, []byte("\n"))
	out := make([]byte, 0, len(raw)/3)
	inPaths, keeping := false, true
	found := 0
	for _, l := range lines {
		indented := len(l) > 0 && l[0] == ' '
		switch {
		case !indented && len(bytes.TrimSpace(l)) > 0:
			inPaths, keeping = bytes.Equal(bytes.TrimSpace(l), []byte("paths:")), true
		case inPaths && bytes.HasPrefix(l, []byte("  ")) && len(l) > 2 && l[2] != ' ':
			key := strings.TrimSuffix(strings.TrimSpace(string(l)), ":")
			keeping = keep[key]
			if keeping {
				found++
			}
		}
		if keeping {
			out = append(out, l...)
		}
	}
	if found != len(keep) {
		return nil, errors.Errorf("openapi spec: found %d of the %d paths used", found, len(keep))
	}
	return out, nil
}

// patchSpec corrects the rules of Meta's file that are wrong for requests
// Meta's servers accept (and Meta documents). Each is as narrow as possible:
//
//  1. Every XxxMessage is allOf[BaseMessageProperties, {additionalProperties:
//     false, ...}]. additionalProperties sees only its own schema's
//     properties, so as written every message is refused for carrying
//     messaging_product, to, recipient_type or context. The closed branch
//     gets the base properties, so unknown fields are still refused.
//  2. biz_opaque_callback_data is documented for every send (CLOUD_API.md §3;
//     the file itself has it in CallRequestPayload) but missing from
//     BaseMessageProperties: added as a string.
//  3. LanguageObject requires "policy"; it is legacy and optional
//     (CLOUD_API.md §3), and the file's own template examples omit it.
//  4. The button "index" pattern ^[2-6, 11-14]$ is a broken character class
//     that refuses "0" and "1" (the description says 0-9; the file's own
//     example is "0"): replaced by ^[0-9]$.
//  5. TemplateComponent, ParameterObject and ButtonParameterObject carry a
//     discriminator without oneOf (allOf polymorphism), which kin-openapi
//     ignores, so template parameters would go unchecked. The places that
//     use them get a oneOf over the discriminator's mapping instead: the
//     subtypes are checked, not skipped.
//  6. The copy_code button (sub_type copy_code, parameter coupon_code) is
//     documented by Meta (CLOUD_API.md §3) but missing from the enums: added
//     with its own required coupon_code string.
//  7. The media upload's multipart schema lists file and messaging_product
//     but not "type" (the MIME type), which Meta documents as required
//     (CLOUD_API.md §3.1); kin-openapi refuses undeclared parts.
//
// The loader copies a referenced schema when the $ref has siblings (OpenAPI
// 3.1), so patches go to every copy, found by its $ref name.
func patchSpec(doc *openapi3.T) error {
	const prefix = "#/components/schemas/"
	named := map[string][]*openapi3.Schema{}
	var messages []*openapi3.Schema
	err := doc.WalkSchemas(func(pointer string, sr *openapi3.SchemaRef) error {
		name := strings.TrimPrefix(sr.Ref, prefix)
		if sr.Ref == "" {
			name = strings.TrimPrefix(pointer, "/components/schemas/")
		}
		named[name] = append(named[name], sr.Value)
		if v := sr.Value; len(v.AllOf) == 2 && v.AllOf[0].Ref == prefix+"BaseMessageProperties" {
			messages = append(messages, v)
		}
		return nil
	})
	if err != nil {
		return errors.Wrap(err, "failed to walk openapi spec")
	}
	each := func(name string, fn func(*openapi3.Schema) error) error {
		if len(named[name]) == 0 {
			return errors.Errorf("openapi spec has no schema %s", name)
		}
		for _, s := range named[name] {
			if err := fn(s); err != nil {
				return errors.Wrapf(err, "openapi spec: schema %s", name)
			}
		}
		return nil
	}
	prop := func(s *openapi3.Schema, path ...string) (*openapi3.SchemaRef, error) {
		var ref *openapi3.SchemaRef
		for _, p := range path {
			if s == nil {
				return nil, errors.Errorf("no %s", strings.Join(path, "."))
			}
			if p == "[]" {
				ref = s.Items
			} else {
				ref = s.Properties[p]
			}
			if ref == nil || ref.Value == nil {
				return nil, errors.Errorf("no %s", strings.Join(path, "."))
			}
			s = ref.Value
		}
		return ref, nil
	}
	// closedPart is the inline allOf member that holds a subtype's own rules.
	closedPart := func(s *openapi3.Schema) *openapi3.Schema {
		if len(s.AllOf) != 2 {
			return nil
		}
		return s.AllOf[1].Value
	}

	var base *openapi3.Schema
	if err := each("BaseMessageProperties", func(s *openapi3.Schema) error {
		s.Properties["biz_opaque_callback_data"] = openapi3.NewStringSchema().NewRef() // 2
		base = s
		return nil
	}); err != nil {
		return err
	}
	for _, m := range messages { // 1
		closed := closedPart(m)
		if closed == nil || closed.AdditionalProperties.Has == nil || *closed.AdditionalProperties.Has {
			continue
		}
		for name, p := range base.Properties {
			if _, own := closed.Properties[name]; !own {
				closed.Properties[name] = p
			}
		}
	}

	if err := each("LanguageObject", func(s *openapi3.Schema) error { // 3
		s.Required = slices.DeleteFunc(slices.Clone(s.Required), func(r string) bool { return r == "policy" })
		return nil
	}); err != nil {
		return err
	}

	button := func(s *openapi3.Schema) error { // 4, 6
		for _, field := range []string{"index", "sub_type"} {
			ref, err := prop(s, field)
			if err != nil {
				return err
			}
			if field == "index" {
				ref.Value.Pattern = `^[0-9]$`
			} else {
				addEnum(ref.Value, "copy_code")
			}
		}
		return nil
	}
	if err := each("TemplateComponent", button); err != nil {
		return err
	}
	if err := each("ButtonComponent", func(s *openapi3.Schema) error { return button(closedPart(s)) }); err != nil {
		return err
	}
	couponRef := prefix + "ButtonCouponCodeParameter"
	if err := each("ButtonParameterObject", func(s *openapi3.Schema) error { // 6
		typ, err := prop(s, "type")
		if err != nil {
			return err
		}
		addEnum(typ.Value, "coupon_code")
		s.Discriminator.Mapping["coupon_code"] = openapi3.MappingRef{Ref: couponRef}
		return nil
	}); err != nil {
		return err
	}
	btnParam := doc.Components.Schemas["ButtonParameterObject"]
	doc.Components.Schemas["ButtonCouponCodeParameter"] = (&openapi3.Schema{AllOf: openapi3.SchemaRefs{
		openapi3.NewSchemaRef(prefix+"ButtonParameterObject", btnParam.Value),
		openapi3.NewObjectSchema().WithRequired([]string{"coupon_code"}).
			WithProperty("type", &openapi3.Schema{Enum: []any{"coupon_code"}}).
			WithProperty("coupon_code", openapi3.NewStringSchema()).NewRef(),
	}}).NewRef()

	// 5: TemplateObject.components.items, and each component's parameters.items.
	schemas := doc.Components.Schemas
	if err := each("TemplateObject", func(s *openapi3.Schema) error {
		items, err := prop(s, "components", "[]")
		if err != nil {
			return err
		}
		return polymorphic(schemas, items)
	}); err != nil {
		return err
	}
	for _, name := range []string{"HeaderComponent", "BodyComponent", "ButtonComponent"} {
		if err := each(name, func(s *openapi3.Schema) error {
			items, err := prop(closedPart(s), "parameters", "[]")
			if err != nil {
				return err
			}
			return polymorphic(schemas, items)
		}); err != nil {
			return err
		}
	}

	// 7
	upload := doc.Paths.Value(specOps[opUploadMedia].path).Post.RequestBody.Value.Content.Get("multipart/form-data")
	if upload == nil || upload.Schema == nil || upload.Schema.Value == nil {
		return errors.New("openapi spec: upload has no multipart schema")
	}
	if _, ok := upload.Schema.Value.Properties["type"]; !ok {
		upload.Schema.Value.Properties["type"] = openapi3.NewStringSchema().NewRef()
	}
	return nil
}

func addEnum(s *openapi3.Schema, v string) {
	if !slices.Contains(s.Enum, any(v)) {
		s.Enum = append(s.Enum, v)
	}
}

// polymorphic replaces *use, a reference to a schema with a discriminator
// but no oneOf, with a oneOf over the discriminator's mapping. It is
// idempotent: copies of one schema share their sub-schemas.
func polymorphic(schemas openapi3.Schemas, use *openapi3.SchemaRef) error {
	if len(use.Value.OneOf) > 0 {
		return nil
	}
	d := use.Value.Discriminator
	if d == nil || len(d.Mapping) == 0 {
		return errors.New("expected a discriminated schema")
	}
	keys := make([]string, 0, len(d.Mapping))
	for k := range d.Mapping {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	one := &openapi3.Schema{Discriminator: d}
	for _, k := range keys {
		// The loader leaves mappings outside a oneOf unresolved.
		m := d.Mapping[k]
		target, ok := schemas[strings.TrimPrefix(m.Ref, "#/components/schemas/")]
		if !ok || target.Value == nil {
			return errors.Errorf("unresolved discriminator mapping %s", m.Ref)
		}
		one.OneOf = append(one.OneOf, openapi3.NewSchemaRef(m.Ref, target.Value))
	}
	*use = *one.NewRef()
	return nil
}

// markReadOperation is sendMessage with the read receipt's body: the file
// describes MarkMessageRequestPayload and uses it in sendMessage's examples
// ("Send typing indicator and read receipt"), but sendMessage's requestBody
// only lists Message, which a read receipt (no "type") can never match.
func markReadOperation(doc *openapi3.T, send *openapi3.Operation) *openapi3.Operation {
	op := *send
	op.OperationID = opMarkRead
	body := openapi3.NewRequestBody().WithRequired(true).
		WithJSONSchemaRef(openapi3.NewSchemaRef("#/components/schemas/MarkMessageRequestPayload",
			doc.Components.Schemas["MarkMessageRequestPayload"].Value))
	op.RequestBody = &openapi3.RequestBodyRef{Value: body}
	return &op
}

// validateRequest checks r (whose body is raw) against operation name and
// returns the reasons it violates the spec.
func validateRequest(r *http.Request, raw []byte, name string, pathParams map[string]string) []string {
	sp := openAPI()
	if sp.err != nil {
		return []string{"openapi spec unusable: " + sp.err.Error()}
	}
	route := sp.routes[name]
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(raw))
	params := map[string]string{"Version": specVersion}
	for k, v := range pathParams {
		params[k] = v
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:          true,
			SkipSettingDefaults: true, // validate what was sent, not defaults
			AuthenticationFunc:  bearerAuth,
		},
	}
	err := openapi3filter.ValidateRequest(context.Background(), in)
	if err == nil {
		return nil
	}
	return flatten(err)
}

// bearerAuth checks the file's only scheme, bearerAuth (HTTP bearer).
func bearerAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	ss := in.SecurityScheme
	if ss == nil || ss.Type != "http" || !strings.EqualFold(ss.Scheme, "bearer") {
		return errors.Errorf("unexpected security scheme %s", in.SecuritySchemeName)
	}
	token, ok := strings.CutPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return errors.New("no bearer token in Authorization")
	}
	return nil
}

// flatten turns kin-openapi's nested errors into one line per problem. The
// tree is walked one level at a time on purpose (hence any(err)): errors.As
// would jump past the RequestError that names the parameter, and
// MultiError.As answers with its first element only.
func flatten(err error) []string {
	switch e := any(err).(type) {
	case nil:
		return nil
	case openapi3.MultiError:
		var out []string
		for _, inner := range e {
			out = append(out, flatten(inner)...)
		}
		return out
	case *openapi3filter.RequestError:
		prefix := "request"
		switch {
		case e.Parameter != nil:
			prefix = fmt.Sprintf("%s parameter %q", e.Parameter.In, e.Parameter.Name)
		case e.RequestBody != nil:
			prefix = "request body"
		}
		lines := flatten(e.Err)
		if len(lines) == 0 {
			lines = []string{e.Reason}
		} else if _, schema := any(e.Err).(*openapi3.SchemaError); !schema && e.Reason != "" && e.Reason != e.Err.Error() {
			lines = []string{e.Reason + ": " + strings.Join(lines, "; ")}
		}
		for i, l := range lines {
			lines[i] = prefix + ": " + l
		}
		return lines
	case *openapi3.SchemaError:
		// A oneOf/allOf failure says "doesn't match"; its origin (a list or a
		// nested schema error, not a sentinel like ErrOneOfConflict) says why.
		if composite(e.Origin) {
			return flatten(e.Origin)
		}
		return []string{"/" + strings.Join(e.JSONPointer(), "/") + ": " + e.Reason}
	case *openapi3filter.SecurityRequirementsError:
		var out []string
		for _, inner := range e.Errors {
			out = append(out, "security: "+inner.Error())
		}
		return out
	}
	// oneOf's and allOf's error lists, under fmt wrappers and unexported types.
	if u, ok := any(err).(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
		return flatten(u.Unwrap())
	}
	return []string{strings.Join(strings.Fields(err.Error()), " ")}
}

func composite(err error) bool {
	switch any(err).(type) {
	case nil:
		return false
	case openapi3.MultiError, *openapi3.SchemaError:
		return true
	}
	u, ok := any(err).(interface{ Unwrap() error })
	return ok && u.Unwrap() != nil
}

// specRequest names the operation and path parameters of a request the
// fake routed to ep, with the version already checked by serveHTTP.
func specRequest(r *http.Request, ep Endpoint, raw []byte) (string, map[string]string) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch ep {
	case Messages:
		if isReadReceipt(raw) {
			return opMarkRead, map[string]string{"Phone-Number-ID": parts[1]}
		}
		return opSendMessage, map[string]string{"Phone-Number-ID": parts[1]}
	case Upload:
		return opUploadMedia, map[string]string{"Phone-Number-ID": parts[1]}
	case MediaInfo:
		return opRetrieveURL, map[string]string{"Media-ID": parts[1]}
	case MediaDownload:
		// The file's Download Media path is /{Version}/{Media-URL}, but the
		// url GET /{media-id} answers is a CDN url (lookaside.fbsbx.com/
		// whatsapp_business/attachments/?mid=…) outside /{Version}: only
		// the operation's headers and security are checked.
		u := *r.URL
		u.Scheme, u.Host = "", ""
		return opDownload, map[string]string{"Media-URL": url.PathEscape(u.String())}
	case Templates:
		return opListTemplate, map[string]string{"WABA-ID": parts[1]}
	}
	return "", nil
}

// isReadReceipt tells a mark-as-read from a send the way Meta does: by its
// "status" field (sends have "type" instead).
func isReadReceipt(raw []byte) bool {
	var probe struct {
		Status *string `json:"status"`
		Type   *string `json:"type"`
	}
	return json.Unmarshal(raw, &probe) == nil && probe.Status != nil && probe.Type == nil
}
