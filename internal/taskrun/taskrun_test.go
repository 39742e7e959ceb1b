package taskrun_test

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/internal/taskrun"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func panicky() error { panic("boom") }

// TestRunOutcomes checks each way a function can end: what end is told,
// and whether Run returns afterwards.
func TestRunOutcomes(t *testing.T) {
	errX := errors.New("x")
	for _, tt := range []struct {
		name       string
		f          func() error
		want       taskrun.Outcome
		runReturns bool
	}{
		{name: "nil", f: func() error { return nil }, want: taskrun.Outcome{}, runReturns: true},
		{name: "error", f: func() error { return errX }, want: taskrun.Outcome{Err: errX}, runReturns: true},
		{name: "panic", f: panicky, want: taskrun.Outcome{Panic: &taskrun.Panic{Value: "boom"}}, runReturns: true},
		{name: "Goexit", f: func() error { runtime.Goexit(); return nil }, want: taskrun.Outcome{Goexit: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got taskrun.Outcome
			ends, returned := 0, false
			done := make(chan struct{})
			go func() {
				defer close(done)
				taskrun.Run(func(f func() error) error { return f() }, tt.f, func(o taskrun.Outcome) { got = o; ends++ })
				returned = true
			}()
			<-done
			if ends != 1 {
				t.Fatalf("end called %d times, want 1", ends)
			}
			if got.Err != tt.want.Err || (got.Panic == nil) != (tt.want.Panic == nil) || got.Goexit != tt.want.Goexit {
				t.Errorf("outcome = %+v, want %+v", got, tt.want)
			}
			if got.Returned() != (tt.want.Panic == nil && !tt.want.Goexit) {
				t.Errorf("Returned() = %v for %+v", got.Returned(), got)
			}
			if tt.want.Panic != nil {
				if got.Panic.Value != tt.want.Panic.Value {
					t.Errorf("Panic.Value = %v, want %v", got.Panic.Value, tt.want.Panic.Value)
				}
				if !strings.Contains(string(got.Panic.Stack), "taskrun_test.panicky") {
					t.Errorf("Stack lacks the panicking frame:\n%s", got.Panic.Stack)
				}
			}
			if returned != tt.runReturns {
				t.Errorf("Run returned = %v, want %v", returned, tt.runReturns)
			}
		})
	}
}

// TestCallOutcomes checks Call: a return comes back to the caller without
// a call of end; a panic or Goexit is told to end, once, as Run tells it.
func TestCallOutcomes(t *testing.T) {
	errX := errors.New("x")
	for _, tt := range []struct {
		name     string
		f        func() error
		wantErr  error
		wantEnd  taskrun.Outcome
		returned bool // Call returns true
		returns  bool // Call returns at all
	}{
		{name: "nil", f: func() error { return nil }, returned: true, returns: true},
		{name: "error", f: func() error { return errX }, wantErr: errX, returned: true, returns: true},
		{name: "panic", f: panicky, wantEnd: taskrun.Outcome{Panic: &taskrun.Panic{Value: "boom"}}, returns: true},
		{name: "Goexit", f: func() error { runtime.Goexit(); return nil }, wantEnd: taskrun.Outcome{Goexit: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got taskrun.Outcome
			ends, returns := 0, false
			var err error
			var returned bool
			done := make(chan struct{})
			go func() {
				defer close(done)
				err, returned = taskrun.Call(func(f func() error) error { return f() }, tt.f, func(o taskrun.Outcome) { got = o; ends++ })
				returns = true
			}()
			<-done
			if returns != tt.returns || (returns && (returned != tt.returned || err != tt.wantErr)) {
				t.Fatalf("Call returned (%v, %v) (at all: %v), want (%v, %v) (at all: %v)", err, returned, returns, tt.wantErr, tt.returned, tt.returns)
			}
			wantEnds := 1
			if tt.returned {
				wantEnds = 0
			}
			if ends != wantEnds {
				t.Fatalf("end called %d times, want %d", ends, wantEnds)
			}
			if (got.Panic == nil) != (tt.wantEnd.Panic == nil) || got.Goexit != tt.wantEnd.Goexit || got.Err != nil {
				t.Errorf("end told %+v, want %+v", got, tt.wantEnd)
			}
			if tt.wantEnd.Panic != nil && got.Panic.Value != tt.wantEnd.Panic.Value {
				t.Errorf("Panic.Value = %v, want %v", got.Panic.Value, tt.wantEnd.Panic.Value)
			}
		})
	}
}

// TestRunEndPanics checks that a panic in end is not swallowed, whether f
// returned or panicked.
func TestRunEndPanics(t *testing.T) {
	for _, f := range []func() error{func() error { return nil }, panicky} {
		var got any
		func() {
			defer func() { got = recover() }()
			taskrun.Run(func(f func() error) error { return f() }, f, func(taskrun.Outcome) { panic("from end") })
		}()
		if got != "from end" {
			t.Errorf("recovered %v, want the panic from end", got)
		}
	}
}

// TestWatchdogStopped checks that a watchdog stopped within its grace, or
// re-armed after a Stop, does not fire early.
func TestWatchdogStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var w taskrun.Watchdog
		fired := func() (string, any) { t.Error("watchdog fired"); return "", nil }
		w.Arm(time.Second, fired)
		w.Arm(time.Hour, fired) // armed already: no effect
		time.Sleep(time.Second - time.Millisecond)
		w.Stop()
		time.Sleep(time.Hour)
		w.Arm(time.Second, fired)
		time.Sleep(time.Second / 2)
		w.Stop()
		w.Stop() // idempotent
		time.Sleep(time.Hour)
	})
}

const crashEnv = "TASKRUN_WATCHDOG_CRASH"

// TestWatchdogCrashes checks, in a child process, that an armed watchdog
// not stopped within its grace prints its message and panics with its
// value.
func TestWatchdogCrashes(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		synctest.Test(t, func(t *testing.T) {
			var w taskrun.Watchdog
			w.Arm(time.Second, func() (string, any) { return "watchdog message", "watchdog value" })
			time.Sleep(2 * time.Second)
		})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchdogCrashes$")
	cmd.Env = append(os.Environ(), crashEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child passed, want a crash:\n%s", out)
	}
	for _, want := range []string{"watchdog message", "panic: watchdog value"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("crash output lacks %q:\n%s", want, out)
		}
	}
}
