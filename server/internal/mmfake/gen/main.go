// Command gen writes base_gen.go for package mmfake: a Base type with every method of
// plugin.API answering zero values plus an "unavailable" error.
//
// The fake API embeds Base, so a plugin calling a method the fake does not model gets an
// error back; without it the call would panic inside net/rpc and kill the test binary.
//
// Usage (see the go:generate line in package mmfake):
//
//	go run ./gen -o base_gen.go
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
)

func main() {
	out := flag.String("o", "base_gen.go", "output file")
	counting := flag.Bool("counting", false, "write the Counting wrapper instead of Base")
	flag.Parse()

	gen := generate
	if *counting {
		gen = generateCounting
	}
	src, err := gen()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

var (
	appErrorType = reflect.TypeFor[*model.AppError]()
	errorType    = reflect.TypeFor[error]()
)

// aliases spells types that reach plugin.API through a type alias by the alias, so the
// generated file imports only modules this repository requires directly (mlog.Level is an
// alias of logr.Level).
var aliases = map[string]struct{ path, name string }{
	"github.com/mattermost/logr/v2.Level": {"github.com/mattermost/mattermost/server/public/shared/mlog", "mlog.Level"},
}

// generate renders base_gen.go from the plugin.API interface compiled into this binary, so
// the output always matches the server/public version in go.mod.
func generate() ([]byte, error) {
	api := reflect.TypeFor[plugin.API]()
	imports := map[string]bool{"net/http": true, "errors": true, "github.com/mattermost/mattermost/server/public/model": true}

	var methods bytes.Buffer
	for i := range api.NumMethod() {
		m := api.Method(i)
		src, err := renderMethod(m.Name, m.Type, imports)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		methods.WriteString(src)
	}

	var b bytes.Buffer
	writeHeader(&b, "mmfake/gen", imports)
	fmt.Fprintf(&b, `// Base answers all %d methods of plugin.API with zero values. Methods returning a
// *model.AppError return a 501 error with id mmfake.not_implemented; methods returning an
// error return an error starting with "mmfake: method unavailable".
type Base struct{}

func unavailableAppError(method string) *model.AppError {
	return model.NewAppError(method, "mmfake.not_implemented", nil, "", http.StatusNotImplemented)
}

func unavailableError(method string) error {
	return errors.New("mmfake: method unavailable: " + method)
}

`, api.NumMethod())
	b.Write(methods.Bytes())

	return format.Source(b.Bytes())
}

func renderMethod(name string, t reflect.Type, imports map[string]bool) (string, error) {
	params := make([]string, t.NumIn())
	for i := range t.NumIn() {
		in := t.In(i)
		if t.IsVariadic() && i == t.NumIn()-1 {
			s, err := typeString(in.Elem(), imports)
			if err != nil {
				return "", err
			}
			params[i] = "..." + s
			continue
		}
		s, err := typeString(in, imports)
		if err != nil {
			return "", err
		}
		params[i] = s
	}

	results := make([]string, t.NumOut())
	for i := range t.NumOut() {
		s, err := typeString(t.Out(i), imports)
		if err != nil {
			return "", err
		}
		results[i] = fmt.Sprintf("r%d %s", i, s)
	}

	var body string
	if n := t.NumOut(); n > 0 {
		switch t.Out(n - 1) {
		case appErrorType:
			body = fmt.Sprintf("\tr%d = unavailableAppError(%q)\n", n-1, name)
		case errorType:
			body = fmt.Sprintf("\tr%d = unavailableError(%q)\n", n-1, name)
		}
		body += "\treturn\n"
	}

	sig := fmt.Sprintf("func (Base) %s(%s)", name, strings.Join(params, ", "))
	if len(results) > 0 {
		sig += " (" + strings.Join(results, ", ") + ")"
	}
	return sig + " {\n" + body + "}\n\n", nil
}

// typeString spells t as Go source, recording the import path of every named type it uses.
func typeString(t reflect.Type, imports map[string]bool) (string, error) {
	if t.Name() != "" {
		if t.PkgPath() == "" {
			if t.Kind() == reflect.Uint8 {
				return "byte", nil
			}
			return t.Name(), nil
		}
		if a, ok := aliases[t.PkgPath()+"."+t.Name()]; ok {
			imports[a.path] = true
			return a.name, nil
		}
		imports[t.PkgPath()] = true
		// reflect spells named types as "pkgname.Name", which is what source needs as long
		// as no two imports share a package name; the compile of base_gen.go checks that.
		return t.String(), nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		s, err := typeString(t.Elem(), imports)
		return "*" + s, err
	case reflect.Slice:
		s, err := typeString(t.Elem(), imports)
		return "[]" + s, err
	case reflect.Array:
		s, err := typeString(t.Elem(), imports)
		return fmt.Sprintf("[%d]%s", t.Len(), s), err
	case reflect.Map:
		k, err := typeString(t.Key(), imports)
		if err != nil {
			return "", err
		}
		v, err := typeString(t.Elem(), imports)
		return "map[" + k + "]" + v, err
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any", nil
		}
	}
	return "", fmt.Errorf("unsupported type %s", t)
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// generateCounting renders counting_gen.go: a wrapper that counts every plugin.API call by
// method before delegating, so benchmarks can report how many server calls a plugin makes.
func generateCounting() ([]byte, error) {
	api := reflect.TypeFor[plugin.API]()
	imports := map[string]bool{"github.com/mattermost/mattermost/server/public/plugin": true}
	var methods bytes.Buffer
	for i := range api.NumMethod() {
		m := api.Method(i)
		t := m.Type
		params := make([]string, t.NumIn())
		args := make([]string, t.NumIn())
		for j := range t.NumIn() {
			in := t.In(j)
			variadic := t.IsVariadic() && j == t.NumIn()-1
			if variadic {
				in = in.Elem()
			}
			s, err := typeString(in, imports)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.Name, err)
			}
			args[j] = fmt.Sprintf("p%d", j)
			if variadic {
				s = "..." + s
				args[j] += "..."
			}
			params[j] = fmt.Sprintf("p%d %s", j, s)
		}
		results := make([]string, t.NumOut())
		for j := range t.NumOut() {
			s, err := typeString(t.Out(j), imports)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.Name, err)
			}
			results[j] = s
		}
		sig := fmt.Sprintf("func (c *Counting) %s(%s)", m.Name, strings.Join(params, ", "))
		call := fmt.Sprintf("c.api.%s(%s)", m.Name, strings.Join(args, ", "))
		switch len(results) {
		case 0:
			fmt.Fprintf(&methods, "%s {\n\tc.count(%q)\n\t%s\n}\n\n", sig, m.Name, call)
		case 1:
			fmt.Fprintf(&methods, "%s %s {\n\tc.count(%q)\n\treturn %s\n}\n\n", sig, results[0], m.Name, call)
		default:
			fmt.Fprintf(&methods, "%s (%s) {\n\tc.count(%q)\n\treturn %s\n}\n\n", sig, strings.Join(results, ", "), m.Name, call)
		}
	}
	var b bytes.Buffer
	writeHeader(&b, "mmfake/gen -counting", imports)
	fmt.Fprintf(&b, "// Counting forwards all %d methods of plugin.API and counts each call.\n", api.NumMethod())
	b.WriteString("type Counting struct {\n\tapi plugin.API\n\tcalls *callCounter\n}\n\n")
	b.WriteString("var _ plugin.API = (*Counting)(nil)\n\n")
	b.Write(methods.Bytes())
	return format.Source(b.Bytes())
}

// writeHeader writes the generated-file banner, the package clause and the imports, standard
// library first.
func writeHeader(b *bytes.Buffer, generator string, imports map[string]bool) {
	paths := make([]string, 0, len(imports))
	for p := range imports {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	fmt.Fprintf(b, "// Code generated by %s; DO NOT EDIT.\n\n", generator)
	b.WriteString("package mmfake\n\nimport (\n")
	for _, std := range []bool{true, false} {
		for _, p := range paths {
			if isStd(p) == std {
				fmt.Fprintf(b, "\t%q\n", p)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(")\n\n")
}
