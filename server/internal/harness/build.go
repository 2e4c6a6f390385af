package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/shared/mlog"
)

type buildResult struct {
	once sync.Once
	path string
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*buildResult{}
	binDir   = sync.OnceValues(func() (string, error) { return os.MkdirTemp("", "harness-bin-") })
)

// BuildPlugin compiles the plugin's main package once per test binary and returns the
// executable's path. Concurrent callers for the same package wait for one build.
//
// When the tests run with -race the plugin is built with -race as well, so a data race
// inside the plugin fails the test that provoked it; set HARNESS_PLUGIN_RACE=0 to build
// without it. The binary lives in a temp directory that Main removes.
func BuildPlugin(t testing.TB, mainPkgDir string) string {
	t.Helper()
	dir, err := filepath.Abs(mainPkgDir)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	race := pluginRace()

	key := fmt.Sprintf("%s race=%t", dir, race)
	buildsMu.Lock()
	r, ok := builds[key]
	if !ok {
		r = &buildResult{}
		builds[key] = r
	}
	buildsMu.Unlock()

	if race {
		quickRaceExit()
	}
	r.once.Do(func() { r.path, r.err = build(t, dir, race) })
	if r.err != nil {
		t.Fatalf("harness: %v", r.err)
	}
	return r.path
}

// pluginRace reports whether BuildPlugin adds -race.
func pluginRace() bool {
	return raceEnabled && os.Getenv("HARNESS_PLUGIN_RACE") != "0"
}

func build(t testing.TB, dir string, race bool) (string, error) {
	out, err := binDir()
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(out, filepath.Base(dir)+"-*")
	if err != nil {
		return "", err
	}
	_ = f.Close()

	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", f.Name()}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = dir
	start := time.Now()
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %w\n%s", dir, err, output)
	}
	t.Logf("harness: built %s (race=%t) in %s", dir, race, time.Since(start).Round(time.Millisecond))
	return f.Name(), nil
}

var raceEnvOnce sync.Once

// quickRaceExit stops race-enabled plugin processes (which inherit our environment) from
// sleeping a second at exit, the race runtime's default, which every node shutdown would
// otherwise wait for.
func quickRaceExit() {
	raceEnvOnce.Do(func() {
		if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
			_ = os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=0"))
		}
	})
}

// Main runs a package's tests with TMPDIR pointed at a fresh directory and removes it
// afterwards, so plugin binaries and the unix sockets crashed plugins leave behind do not
// pile up. It also gives the server-global mlog logger (used by plugin.Environment for a
// few messages) no targets, so they do not interleave with test output. Call it from
// TestMain:
//
//	func TestMain(m *testing.M) { harness.Main(m) }
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "harness-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
	_ = os.Setenv("TMPDIR", dir)
	if quiet, err := mlog.NewLogger(); err == nil {
		mlog.InitGlobalLogger(quiet)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
