package taskgroup_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
)

var (
	errA = errors.New("a")
	errB = errors.New("b")
)

func TestGroupWaitReturnsFirstError(t *testing.T) {
	tests := []struct {
		name string
		errs []error
		want error
	}{
		{name: "none", want: nil},
		{name: "nil", errs: []error{nil}, want: nil},
		{name: "one", errs: []error{errA}, want: errA},
		{name: "first of two", errs: []error{errA, nil, errB}, want: errA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g taskgroup.Group
			for _, err := range tt.errs {
				// One at a time, so that the first error is known.
				g.Go(func() error { return err })
				g.Wait()
			}
			if got := g.Wait(); got != tt.want {
				t.Errorf("Wait() = %v want %v", got, tt.want)
			}
			if got := g.Wait(); got != tt.want {
				t.Errorf("second Wait() = %v want %v", got, tt.want)
			}
		})
	}
}

func TestGroupFirstErrorCancelsContext(t *testing.T) {
	g, ctx := taskgroup.WithContext(context.Background())
	g.Go(func() error {
		<-ctx.Done() // returns only once the sibling's error canceled ctx
		return ctx.Err()
	})
	g.Go(func() error { return errA })
	if got := g.Wait(); got != errA {
		t.Errorf("Wait() = %v want %v", got, errA)
	}
	if got := context.Cause(ctx); got != errA {
		t.Errorf("Cause(ctx) = %v want %v", got, errA)
	}
}

func TestGroupWaitCancelsContext(t *testing.T) {
	g, ctx := taskgroup.WithContext(context.Background())
	release := make(chan struct{})
	g.Go(func() error { <-release; return nil })
	if err := ctx.Err(); err != nil {
		t.Errorf("ctx.Err() while a task runs = %v want nil", err)
	}
	close(release)
	if err := g.Wait(); err != nil {
		t.Fatalf("Wait() = %v want nil", err)
	}
	if got := context.Cause(ctx); got != context.Canceled {
		t.Errorf("Cause(ctx) after Wait = %v want %v", got, context.Canceled)
	}
}

func TestGroupGoAfterWait(t *testing.T) {
	var g taskgroup.Group
	g.Go(func() error { return nil })
	if err := g.Wait(); err != nil {
		t.Fatalf("first Wait() = %v want nil", err)
	}
	ran := false
	g.Go(func() error { ran = true; return errA })
	if got := g.Wait(); got != errA || !ran {
		t.Errorf("Wait() after a second Go = %v (ran %v) want %v (ran true)", got, ran, errA)
	}
}

func TestGroupWaitFromSeveralGoroutines(t *testing.T) {
	var g taskgroup.Group
	release := make(chan struct{})
	g.Go(func() error { <-release; return errA })
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = g.Wait() })
	}
	close(release)
	wg.Wait()
	for i, err := range errs {
		if err != errA {
			t.Errorf("Wait() in goroutine %d = %v want %v", i, err, errA)
		}
	}
}

func TestGroupLimit(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		tasks int
		want  int // peak running
	}{
		{name: "limit 1", limit: 1, tasks: 5, want: 1},
		{name: "limit 3", limit: 3, tasks: 10, want: 3},
		{name: "negative is no limit", limit: -1, tasks: 7, want: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g taskgroup.Group
				g.SetLimit(tt.limit)
				release := make(chan struct{})
				var running atomic.Int32
				spawned := make(chan struct{})
				go func() {
					defer close(spawned)
					for range tt.tasks {
						g.Go(func() error {
							running.Add(1)
							<-release
							running.Add(-1)
							return nil
						})
					}
				}()
				synctest.Wait() // every task that could start has started
				if got := int(running.Load()); got != tt.want {
					t.Errorf("running with SetLimit(%d) = %d want %d", tt.limit, got, tt.want)
				}
				close(release)
				<-spawned
				g.Wait()
			})
		})
	}
}

func TestGroupTryGo(t *testing.T) {
	var g taskgroup.Group
	g.SetLimit(2)
	release := make(chan struct{})
	task := func() error { <-release; return nil }
	for i := range 2 {
		if !g.TryGo(task) {
			t.Fatalf("TryGo with %d of 2 running = false want true", i)
		}
	}
	if g.TryGo(task) {
		t.Error("TryGo at the limit = true want false")
	}
	close(release)
	g.Wait()

	g.SetLimit(0)
	if g.TryGo(task) {
		t.Error("TryGo with SetLimit(0) = true want false")
	}
}

func TestGroupSetLimitWhileRunningPanics(t *testing.T) {
	for _, limit := range []int{-1, 2} {
		var g taskgroup.Group
		g.SetLimit(limit)
		release := make(chan struct{})
		g.Go(func() error { <-release; return nil })
		wantPanic(t, "SetLimit while a task runs", "SetLimit", func() { g.SetLimit(1) })
		close(release)
		g.Wait()
		g.SetLimit(1) // nothing runs: allowed
	}
}

func TestGroupNilFunctionPanics(t *testing.T) {
	var g taskgroup.Group
	wantPanic(t, "Go(nil)", "nil function", func() { g.Go(nil) })
	wantPanic(t, "TryGo(nil)", "nil function", func() { g.TryGo(nil) })
}

func panickyTask() error {
	panic("boom")
}

func TestGroupPanicReraisedByWait(t *testing.T) {
	g, ctx := taskgroup.WithContext(context.Background())
	var sawCause atomic.Value
	siblingReturned := false
	g.Go(func() error {
		<-ctx.Done() // the panic cancels ctx at once
		sawCause.Store(context.Cause(ctx))
		siblingReturned = true
		return nil
	})
	g.Go(panickyTask)
	r, _ := catch(func() { g.Wait() })

	pe, ok := r.(*nursery.PanicError)
	if !ok {
		t.Fatalf("Wait panicked with %T %v want a *nursery.PanicError", r, r)
	}
	if pe.Value != "boom" {
		t.Errorf("PanicError.Value = %v want boom", pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "panickyTask") {
		t.Errorf("PanicError.Stack does not show the task's own frame:\n%s", pe.Stack)
	}
	if !siblingReturned {
		t.Error("Wait re-raised the panic before the sibling returned")
	}
	if got, _ := sawCause.Load().(error); got != error(pe) {
		t.Errorf("sibling's Cause(ctx) = %v want the *PanicError", got)
	}
	// Wait keeps reporting it.
	if r2, _ := catch(func() { g.Wait() }); r2 != r {
		t.Errorf("second Wait panicked with %v want the same *PanicError", r2)
	}
}

func TestGroupPanicWinsOverGoexit(t *testing.T) {
	var g taskgroup.Group
	g.Go(func() error { runtime.Goexit(); return nil })
	g.Go(panickyTask)
	r, goexit := catch(func() { g.Wait() })
	if _, ok := r.(*nursery.PanicError); !ok || goexit {
		t.Errorf("Wait: panic %v, Goexit %v want a *nursery.PanicError", r, goexit)
	}
}

func TestGroupGoexitReraisedByWait(t *testing.T) {
	g, ctx := taskgroup.WithContext(context.Background())
	g.Go(func() error {
		<-ctx.Done()
		return ctx.Err()
	})
	g.Go(func() error {
		runtime.Goexit()
		return nil
	})
	r, goexit := catch(func() { g.Wait() })
	if r != nil || !goexit {
		t.Errorf("Wait: panic %v, Goexit %v want Goexit", r, goexit)
	}
	if got := context.Cause(ctx); got != nursery.ErrGoexit {
		t.Errorf("Cause(ctx) = %v want %v", got, nursery.ErrGoexit)
	}
}

// A panic that a Wait takes up in time does not crash the program later.
func TestGroupWatchdogStandsDownAfterWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g taskgroup.Group
		g.Go(panickyTask)
		time.Sleep(nursery.DefaultGrace / 2)
		if r, _ := catch(func() { g.Wait() }); r == nil {
			t.Fatal("Wait did not panic")
		}
		time.Sleep(2 * nursery.DefaultGrace) // the watchdog would have fired by now
	})
}

const watchdogChild = "TASKGROUP_TEST_WATCHDOG_CHILD"

// A panic in a Group whose Wait is never called crashes the program after
// the grace period, with the original panic value in the crash output.
func TestGroupWatchdogCrashesWithoutWait(t *testing.T) {
	if os.Getenv(watchdogChild) == "1" {
		synctest.Test(t, func(t *testing.T) {
			var g taskgroup.Group
			//scoped:allow lostwait: the test checks the crash when Wait is never called
			g.Go(func() error { panic("lost-panic-value") })
			time.Sleep(2 * nursery.DefaultGrace) // virtual time: the watchdog fires
		})
		return // not reached: the program has crashed
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGroupWatchdogCrashesWithoutWait$", "-test.count=1")
	cmd.Env = append(os.Environ(), watchdogChild+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("child exited with %v want a crash; output:\n%s", err, out)
	}
	for _, want := range []string{"lost-panic-value", "no Group.Wait took it up"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output does not contain %q:\n%s", want, out)
		}
	}
}
