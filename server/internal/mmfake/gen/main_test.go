package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBaseIsUpToDate fails when server/public changed plugin.API and base_gen.go was not
// regenerated (go generate ./server/internal/mmfake).
func TestBaseIsUpToDate(t *testing.T) {
	want, err := generate()
	require.NoError(t, err)

	got, err := os.ReadFile("../base_gen.go")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "run: go generate ./server/internal/mmfake")
}

// TestCountingIsUpToDate is the same check for counting_gen.go.
func TestCountingIsUpToDate(t *testing.T) {
	want, err := generateCounting()
	require.NoError(t, err)

	got, err := os.ReadFile("../counting_gen.go")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "run: go generate ./server/internal/mmfake")
}
