package nursery_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// Faults: tasks that ignore cancellation, panics while other tasks are
// being canceled, and a parent canceled during Start's handshake. The
// watchdog's crashes are in watchdog_test.go; the random trees of
// internal/proptest cover these faults in combination.

// A task that ignores cancellation past the grace period is reported to
// inspect.OnStall's hook, once, with its kind and how long it has been stalled;
// Run still waits for it and returns the failure that canceled it.
func TestReliabilityStallReport(t *testing.T) {
	var mu sync.Mutex
	var stalls []inspect.Stall
	stop := inspect.OnStall(2*time.Second, func(s inspect.Stall) {
		mu.Lock()
		stalls = append(stalls, s)
		mu.Unlock()
	})
	defer stop()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(nursery.Named("stubborn", func(context.Context) error {
				time.Sleep(5 * time.Second) // ignores its context
				return nil
			}))
			n.Go(func(context.Context) error {
				time.Sleep(time.Second)
				return errA
			})
			return nil
		}, nursery.Name("faults"))
		if err != errA {
			t.Errorf("Run() = %v, want %v", err, errA)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("Run returned after %v, want 5s: when the stubborn task returned", d)
		}
		synctest.Wait() // the hook runs in a goroutine of its own
	})
	mu.Lock()
	defer mu.Unlock()
	if len(stalls) != 1 {
		t.Fatalf("OnStall heard %d stalls (%+v), want 1", len(stalls), stalls)
	}
	s := stalls[0]
	if s.Task != "stubborn" || s.Scope != "faults" || s.Kind != "go" || s.Since != 2*time.Second {
		t.Errorf("OnStall heard %+v, want the stubborn go task of scope faults, stalled 2s", s)
	}
}

// A task that panics while the others are being canceled, after the
// first failure, is not lost: its panic wins over the error that canceled
// the nursery, and Run re-raises it once the others have returned.
func TestReliabilityPanicDuringCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var echoes atomic.Int32 // the tasks that returned their echo
		o := capture(func() {
			_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				for range 10 {
					n.Go(func(ctx context.Context) error {
						defer echoes.Add(1)
						<-ctx.Done()
						time.Sleep(time.Millisecond) // winding down
						return ctx.Err()
					})
				}
				n.Go(func(context.Context) error {
					time.Sleep(time.Second)
					return errA
				})
				n.Go(func(ctx context.Context) error {
					<-ctx.Done()
					panic("panic while canceling")
				})
				return nil
			})
		})
		pe := asPanicError(t, o)
		if pe.Value != "panic while canceling" {
			t.Errorf("Run panicked with %v, want the late panic", describe(pe))
		}
		if n := echoes.Load(); n != 10 {
			t.Errorf("Run panicked with %d of the 10 canceled tasks returned, want all", n)
		}
	})
}

// A parent canceled while Start waits for ready: the task sees the
// cancellation, and Start returns the task's error without failing the
// nursery; the body passes it on, and Run, seeing only echoes, returns
// the parent's cause. A task that calls ready after
// the cancellation makes Start return nil.
func TestReliabilityParentCanceledDuringStart(t *testing.T) {
	errParent := errors.New("parent canceled")
	for _, readyLate := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			parent, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			time.AfterFunc(time.Second, func() { cancel(errParent) })
			var startErr error
			err := nursery.Run(parent, func(ctx context.Context, n *nursery.Nursery) error {
				startErr = n.Start(func(ctx context.Context, ready func()) error {
					<-ctx.Done()
					if readyLate {
						ready()
					}
					return ctx.Err()
				})
				return startErr // the caller's to handle: here, passed on
			})
			want := error(context.Canceled)
			if readyLate {
				want = nil
			}
			if startErr != want {
				t.Errorf("ready late %v: Start() = %v, want %v", readyLate, startErr, want)
			}
			if err != errParent {
				t.Errorf("ready late %v: Run() = %v, want the parent's cause", readyLate, err)
			}
		})
	}
}
