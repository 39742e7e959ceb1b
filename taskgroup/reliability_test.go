package taskgroup_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
)

// Faults: Stream input iterators that panic or stop early, and a Group
// whose Wait never comes after a panic.

// An input iterator that panics: the panic propagates as it is from the
// range statement, after every call in flight has seen the cancellation
// and returned.
func TestReliabilityStreamInputPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running, canceled atomic.Int64
		in := func(yield func(int) bool) {
			for i := range 10 {
				if i == 6 {
					panic("input broke")
				}
				if !yield(i) {
					return
				}
			}
		}
		fn := func(ctx context.Context, v int) (int, error) {
			running.Add(1)
			defer running.Add(-1)
			select {
			case <-time.After(time.Duration(10-v) * time.Second): // later elements finish sooner
			case <-ctx.Done():
				canceled.Add(1)
				return 0, ctx.Err()
			}
			return v, nil
		}
		r, _ := catch(func() {
			for range taskgroup.Stream(t.Context(), in, fn, taskgroup.Limit(4)) {
			}
		})
		if r != "input broke" {
			t.Fatalf("ranging panicked with %v, want the input's panic as it is", r)
		}
		if n := running.Load(); n != 0 {
			t.Errorf("%d calls still running when the panic reached the caller, want 0", n)
		}
		if canceled.Load() == 0 {
			t.Errorf("no call in flight saw the cancellation")
		}
	})
}

// An input iterator that stops early: the stream yields exactly the
// results of the elements it produced, in order, and no error.
func TestReliabilityStreamInputStopsEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := func(yield func(int) bool) {
			for i := range 5 {
				if !yield(i) {
					return
				}
			}
			// stops here, as if its source ran dry
		}
		var got []int
		for v, err := range taskgroup.Stream(t.Context(), in, func(ctx context.Context, v int) (int, error) {
			time.Sleep(time.Duration(5-v) * time.Millisecond)
			return v * v, nil
		}, taskgroup.Limit(3)) {
			if err != nil {
				t.Fatalf("Stream yielded error %v, want none", err)
			}
			got = append(got, v)
		}
		want := []int{0, 1, 4, 9, 16}
		if len(got) != len(want) {
			t.Fatalf("Stream yielded %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Stream yielded %v, want %v", got, want)
			}
		}
	})
}

// A Group whose function panicked and whose Wait is never called must not
// hide the panic: the program dies with it within nursery.DefaultGrace.
// The child process runs the scenario in a synctest bubble, so that the
// grace period passes in virtual time.

const groupWatchdogEnv = "TASKGROUP_RELIABILITY_WATCHDOG"

func groupPanicFunc() error { panic("group boom") }

var groupWatchdogScenarios = map[string]func(t *testing.T){
	"Wait never called": func(t *testing.T) {
		var g taskgroup.Group
		//scoped:allow lostwait: the scenario never calls Wait on purpose
		g.Go(groupPanicFunc)
		time.Sleep(nursery.DefaultGrace + time.Second) // never calls Wait
	},
	"Wait called within the grace period": func(t *testing.T) {
		var g taskgroup.Group
		g.Go(groupPanicFunc)
		time.Sleep(nursery.DefaultGrace - time.Millisecond)
		r, _ := catch(func() { _ = g.Wait() })
		if pe, ok := r.(*nursery.PanicError); !ok || pe.Value != "group boom" {
			t.Errorf("Wait panicked with %v, want the *PanicError", r)
		}
		time.Sleep(2 * nursery.DefaultGrace) // the stopped watchdog stays quiet
	},
}

func TestReliabilityGroupWaitNeverCalled(t *testing.T) {
	if name, ok := os.LookupEnv(groupWatchdogEnv); ok {
		synctest.Test(t, groupWatchdogScenarios[name])
		return
	}
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	for name, wantCrash := range map[string]bool{"Wait never called": true, "Wait called within the grace period": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, exe, "-test.run=^TestReliabilityGroupWaitNeverCalled$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), groupWatchdogEnv+"="+name, "GORACE=atexit_sleep_ms=0")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("the child hung:\n%s", out.String())
			}
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatalf("running the child: %v", err)
			}
			if !wantCrash {
				if err != nil {
					t.Errorf("the child failed with %v, want it to pass:\n%s", err, out.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("the child exited 0, want a crash:\n%s", out.String())
			}
			for _, w := range []string{"panic: ", "group boom", "taskgroup_test.groupPanicFunc", "no Group.Wait took it up"} {
				if !strings.Contains(out.String(), w) {
					t.Errorf("the child's output is\n%s\nwant it to contain %q", out.String(), w)
				}
			}
			if strings.Contains(out.String(), "deadlock") {
				t.Errorf("the child died of a deadlock, not the watchdog:\n%s", out.String())
			}
		})
	}
}
