package wapost

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// contractFile lists the post types and prop keys the server writes; the webapp checks its own
// constants against the same file (webapp/tests/contract.test.ts), so neither side can drift.
const contractFile = "../../webapp/src/contract.json"

// Which constants of this package belong to the post contract.
var (
	propConst     = regexp.MustCompile(`^Prop[A-Z]`)
	postTypeConst = regexp.MustCompile(`PostType$`)
)

// TestPostContract reads this package's source, so a new, renamed or changed Prop* or *PostType
// constant fails here until contract.json (and with it the webapp) says the same.
func TestPostContract(t *testing.T) {
	raw, err := os.ReadFile(contractFile)
	if err != nil {
		t.Fatalf("read %s: %v", contractFile, err)
	}
	var contract struct {
		PostTypes map[string]string `json:"post_types"`
		Props     map[string]string `json:"props"`
	}
	if err := json.Unmarshal(raw, &contract); err != nil {
		t.Fatalf("parse %s: %v", contractFile, err)
	}

	props, postTypes := contractConstants(t, ".")
	if len(props) == 0 || len(postTypes) == 0 {
		t.Fatalf("no Prop* or *PostType constants in this package: if they moved, move this test (and %s's comment) with them", contractFile)
	}
	compare(t, "props", props, contract.Props)
	compare(t, "post_types", postTypes, contract.PostTypes)
}

// contractConstants collects the string constants of the package in dir whose names match.
func contractConstants(t *testing.T, dir string) (props, postTypes map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	props, postTypes = map[string]string{}, map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, ident := range vs.Names {
					var into map[string]string
					switch {
					case propConst.MatchString(ident.Name):
						into = props
					case postTypeConst.MatchString(ident.Name):
						into = postTypes
					default:
						continue
					}
					lit, ok := valueAt(vs, i).(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: %s is not a string literal; the contract test reads literals only", fset.Position(ident.Pos()), ident.Name)
					}
					value, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					into[ident.Name] = value
				}
			}
		}
	}
	return props, postTypes
}

func valueAt(vs *ast.ValueSpec, i int) ast.Expr {
	if i < len(vs.Values) {
		return vs.Values[i]
	}
	return nil
}

func compare(t *testing.T, section string, inGo, inJSON map[string]string) {
	t.Helper()
	if maps.Equal(inGo, inJSON) {
		return
	}
	for name, value := range inGo {
		if got, ok := inJSON[name]; !ok {
			t.Errorf("%s: %s = %q is missing from %s", section, name, value, contractFile)
		} else if got != value {
			t.Errorf("%s: %s is %q in Go but %q in %s", section, name, value, got, contractFile)
		}
	}
	for name, value := range inJSON {
		if _, ok := inGo[name]; !ok {
			t.Errorf("%s: %s = %q is in %s but not a constant of this package", section, name, value, contractFile)
		}
	}
}
