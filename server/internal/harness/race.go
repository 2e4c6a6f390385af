//go:build race

package harness

// raceEnabled: the test binary runs under the race detector, so plugins are built with it
// too and races inside the plugin fail the test.
const raceEnabled = true
