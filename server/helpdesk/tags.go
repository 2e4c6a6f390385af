package helpdesk

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Tag limits: tags are short labels agents filter by, not notes.
const (
	MaxTagRunes = 32
	MaxTags     = 10
)

// CleanTags checks tags an agent typed: lowercase (upper case is folded), no spaces, at most
// MaxTagRunes characters each; duplicates are dropped. The result keeps the agent's order.
func CleanTags(tags []string) ([]string, error) {
	out := []string{}
	for _, raw := range tags {
		t := strings.ToLower(strings.TrimSpace(raw))
		t = strings.TrimPrefix(t, "#")
		if t == "" {
			continue
		}
		if strings.ContainsAny(t, " \t\n,") {
			return nil, Refuse(ErrInvalid, "error.tag_space", "Tag", raw)
		}
		if utf8.RuneCountInString(t) > MaxTagRunes {
			return nil, Refuse(ErrInvalid, "error.tag_long", "Tag", raw, "Max", MaxTagRunes)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// AddTags merges add into tags, refusing more than MaxTags in all.
func AddTags(tags, add []string) ([]string, error) {
	out := slices.Clone(tags)
	for _, t := range add {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, Refuse(ErrInvalid, "error.tags_many", "Max", MaxTags)
	}
	return out, nil
}

// RemoveTags drops remove from tags.
func RemoveTags(tags, remove []string) []string {
	return slices.DeleteFunc(slices.Clone(tags), func(t string) bool { return slices.Contains(remove, t) })
}
