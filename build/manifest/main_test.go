package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed sources must carry plugin.json's id and version.
func TestGeneratedFilesMatchPluginJSON(t *testing.T) {
	if err := run(filepath.Join("..", ".."), true); err != nil {
		t.Fatal(err)
	}
}

func TestCheckFailsOnStaleFiles(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"server", filepath.Join("webapp", "src")} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(version string) {
		if err := os.WriteFile(filepath.Join(root, "plugin.json"), []byte(`{"id":"x","version":"`+version+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("1.0.0")
	if err := run(root, false); err != nil {
		t.Fatal(err)
	}
	if err := run(root, true); err != nil {
		t.Fatalf("fresh files are stale: %v", err)
	}
	write("1.0.1")
	err := run(root, true)
	if err == nil || !strings.Contains(err.Error(), "out of date") {
		t.Fatalf("a version bump was not noticed: %v", err)
	}
}
