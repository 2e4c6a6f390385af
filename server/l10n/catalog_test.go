package l10n

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryStringHasBothLanguages keeps English and Brazilian Portuguese complete, with the same
// template placeholders, and checks that every id the code uses exists.
func TestEveryStringHasBothLanguages(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "assets", "i18n", "active.pt-BR.json"))
	require.NoError(t, err)
	var ptBR map[string]string
	require.NoError(t, json.Unmarshal(raw, &ptBR))
	en := English()

	placeholder := regexp.MustCompile(`\{\{\.\w+\}\}`)
	for id, text := range en {
		tr, ok := ptBR[id]
		if assert.True(t, ok, "missing pt-BR for %q", id) {
			assert.Equal(t, sortedMatches(placeholder, text), sortedMatches(placeholder, tr), "placeholders of %q", id)
		}
	}
	for id := range ptBR {
		assert.Contains(t, en, id, "pt-BR has an id with no English text")
	}

	// Ids referenced by the server code: literal "area.name" strings, for every area the catalog
	// has, so the strings of a new area are checked from its first one on.
	areas := map[string]bool{}
	for id := range en {
		area, _, _ := strings.Cut(id, ".")
		areas[area] = true
	}
	names := make([]string, 0, len(areas))
	for area := range areas {
		names = append(names, regexp.QuoteMeta(area))
	}
	sort.Strings(names)
	require.NotEmpty(t, names)
	used := regexp.MustCompile(`"((?:` + strings.Join(names, "|") + `)\.[a-z0-9_.]+)"`)
	err = filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "internal") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // a prefix completed at run time, like "inbound.media."+type
			}
			assert.Contains(t, en, m[1], "%s uses an unknown message id", path)
		}
		return nil
	})
	require.NoError(t, err)
}

func sortedMatches(re *regexp.Regexp, s string) []string {
	m := re.FindAllString(s, -1)
	sort.Strings(m)
	return m
}
