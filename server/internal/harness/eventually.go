package harness

import (
	"testing"
	"time"
)

// Eventually polls cond every 10ms until it holds, failing the test after timeout. Unlike
// testify's, cond runs on the test goroutine, so it may use require.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			if len(msgAndArgs) > 0 {
				if format, ok := msgAndArgs[0].(string); ok {
					t.Fatalf("condition not met within %s: "+format, append([]any{timeout}, msgAndArgs[1:]...)...)
				}
			}
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
