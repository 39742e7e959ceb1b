package nursery_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// The watchdog: a nursery that holds a panic or a Goexit and cannot close
// within the grace period crashes the program with the original panic.
// Each scenario runs in a child process, inside a synctest bubble, so that
// the grace period passes in virtual time and a crash ends only the child.

const watchdogEnv = "NURSERY_WATCHDOG_SCENARIO"

// watchdogPanicTask is the task whose name the crash output must show.
func watchdogPanicTask(ctx context.Context) error {
	panic("watchdog boom")
}

// straggler returns a task that ignores cancellation for d, or forever if
// d is 0.
func straggler(d time.Duration) func(context.Context) error {
	return func(context.Context) error {
		if d == 0 {
			select {} // durably blocked in the bubble: only the watchdog can end this
		}
		time.Sleep(d)
		return nil
	}
}

type watchdogScenario struct {
	name string
	run  func(ctx context.Context) // runs in the child's bubble
	// crash: the child must crash, with stderr showing want; otherwise it
	// must pass.
	crash bool
	want  []string
}

var watchdogScenarios = []watchdogScenario{
	{
		name: "task panic, straggler never returns",
		run: func(ctx context.Context) {
			_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(straggler(0))
				n.Go(watchdogPanicTask)
				return nil
			})
		},
		crash: true,
		want:  []string{"watchdog boom", "nursery_test.watchdogPanicTask"},
	},
	{
		name: "task panic, straggler returns just after DefaultGrace",
		run: func(ctx context.Context) {
			_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(straggler(nursery.DefaultGrace + time.Millisecond))
				n.Go(watchdogPanicTask)
				return nil
			}, nursery.Limit(4))
		},
		crash: true,
		want:  []string{"watchdog boom", "nursery_test.watchdogPanicTask"},
	},
	{
		name: "task panic, straggler returns just within DefaultGrace",
		run: func(ctx context.Context) {
			expectPanic("watchdog boom", func() {
				_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(straggler(nursery.DefaultGrace - time.Millisecond))
					n.Go(watchdogPanicTask)
					return nil
				})
			})
		},
	},
	{
		name: "Grace(1s), straggler returns just after",
		run: func(ctx context.Context) {
			_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(straggler(time.Second + time.Millisecond))
				n.Go(watchdogPanicTask)
				return nil
			}, nursery.Grace(time.Second))
		},
		crash: true,
		want:  []string{"watchdog boom", "nursery_test.watchdogPanicTask"},
	},
	{
		name: "Grace(1s), straggler returns just within",
		run: func(ctx context.Context) {
			expectPanic("watchdog boom", func() {
				_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(straggler(time.Second - time.Millisecond))
					n.Go(watchdogPanicTask)
					return nil
				}, nursery.Grace(time.Second))
			})
		},
	},
	{
		name: "body panic, straggler never returns",
		run: func(ctx context.Context) {
			_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(straggler(0))
				watchdogPanicBody()
				return nil
			}, nursery.Grace(time.Second))
		},
		crash: true,
		want:  []string{"watchdog body boom", "nursery_test.watchdogPanicBody"},
	},
	{
		name: "Goexit, straggler never returns",
		run: func(ctx context.Context) {
			_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(straggler(0))
				n.Go(func(context.Context) error { runtime.Goexit(); return nil })
				return nil
			}, nursery.Grace(time.Second))
		},
		crash: true,
		want:  []string{"Goexit"},
	},
	{
		name: "panic under Supervise, straggler never returns",
		run: func(ctx context.Context) {
			_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(straggler(0))
				n.Go(watchdogPanicTask)
				return nil
			}, nursery.Supervise(), nursery.Grace(time.Second))
		},
		crash: true,
		want:  []string{"watchdog boom", "nursery_test.watchdogPanicTask"},
	},
}

func watchdogPanicBody() {
	panic("watchdog body boom")
}

// expectPanic calls f, recovers its panic, and exits the child with an
// error unless it was a *PanicError with the value want.
func expectPanic(want any, f func()) {
	defer func() {
		r := recover()
		if pe, ok := r.(*nursery.PanicError); !ok || pe.Value != want {
			panic(errors.New("child: want a *PanicError for " + want.(string)))
		}
	}()
	f()
}

func TestWatchdog(t *testing.T) {
	if name, ok := os.LookupEnv(watchdogEnv); ok {
		for _, sc := range watchdogScenarios {
			if sc.name == name {
				synctest.Test(t, func(t *testing.T) { sc.run(t.Context()) })
				return
			}
		}
		t.Fatalf("no watchdog scenario %q", name)
	}
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(5 * time.Minute)
	}
	for _, sc := range watchdogScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-5*time.Second))
			defer cancel()
			cmd := exec.CommandContext(ctx, exe, "-test.run=^TestWatchdog$", "-test.count=1", "-test.v")
			// GORACE: a race-enabled child would wait a second at exit.
			cmd.Env = append(os.Environ(), watchdogEnv+"="+sc.name, "GORACE=atexit_sleep_ms=0")
			var stderr, stdout strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("the child did not finish before the test's deadline: it hung\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			}
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatalf("running the child: %v", err)
			}
			if !sc.crash {
				if err != nil {
					t.Errorf("the child exited with %v, want no crash\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("the child exited 0, want a crash\nstdout:\n%s", stdout.String())
			}
			// The crash is the watchdog's panic, not a test failure or the
			// bubble's deadlock report.
			if !strings.Contains(stderr.String(), "panic: ") || strings.Contains(stderr.String(), "deadlock") {
				t.Errorf("the child's stderr is\n%s\nwant the watchdog's panic", stderr.String())
			}
			for _, w := range sc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("the child's stderr is\n%s\nwant it to contain %q", stderr.String(), w)
				}
			}
		})
	}
}
