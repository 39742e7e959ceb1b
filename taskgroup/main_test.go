package taskgroup_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/scoped-go/scoped/nursery/inspect"
	"go.uber.org/goleak"
)

// TestMain runs the tests, and with SCOPED_TRACK=1 in the environment runs
// them all with an inspect tracker added (the tracked mode).
func TestMain(m *testing.M) {
	if v := os.Getenv("SCOPED_TRACK"); v != "" && v != "0" {
		inspect.Track()
	}
	goleak.VerifyTestMain(m)
}

// wantPanic calls f and checks that it panics with a message that starts
// with "taskgroup:" and contains want.
func wantPanic(t *testing.T, call, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg := fmt.Sprint(r)
		if r == nil || !strings.HasPrefix(msg, "taskgroup:") || !strings.Contains(msg, want) {
			t.Errorf("%s panicked with %v, want a panic starting %q and mentioning %q", call, r, "taskgroup:", want)
		}
	}()
	f()
}

// catch calls f and returns what it panicked with, and whether it called
// runtime.Goexit, in a goroutine of its own.
func catch(f func()) (r any, goexit bool) {
	done := make(chan struct{})
	go func() {
		returned := false
		defer func() {
			r = recover()
			goexit = !returned && r == nil
			close(done)
		}()
		f()
		returned = true
	}()
	<-done
	return r, goexit
}
