package nursery_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/cancel"
	"github.com/scoped-go/scoped/nursery"
)

// Guarantee 1: Run returns only after its body and every task, including
// tasks started by tasks, have returned.

func TestRunWaitsForTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const tasks = 10
		var done atomic.Int32
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			for i := range tasks {
				n.Go(func(ctx context.Context) error {
					time.Sleep(time.Duration(i+1) * time.Second)
					done.Add(1)
					return nil
				})
			}
			return nil
		})
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
		if got := done.Load(); got != tasks {
			t.Errorf("Run returned after %d of %d tasks finished, want all", got, tasks)
		}
	})
}

func TestRunWaitsForBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var bodyDone atomic.Bool
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error { return nil })
			time.Sleep(time.Second)
			bodyDone.Store(true)
			return nil
		})
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
		if !bodyDone.Load() {
			t.Errorf("Run returned before its body did")
		}
	})
}

// A task starts a grandchild once the body has returned: Run still waits
// for it.
func TestRunWaitsForGrandchildStartedAfterBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var bodyReturned, sawBodyReturned, grandchildDone atomic.Bool
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error {
				time.Sleep(time.Second) // the body returns meanwhile
				sawBodyReturned.Store(bodyReturned.Load())
				n.Go(func(ctx context.Context) error {
					time.Sleep(time.Second)
					grandchildDone.Store(true)
					return nil
				})
				return nil
			})
			bodyReturned.Store(true)
			return nil
		})
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
		if !sawBodyReturned.Load() {
			t.Errorf("the task started its child before the body returned; the test proves nothing")
		}
		if !grandchildDone.Load() {
			t.Errorf("Run returned before a task started after the body returned")
		}
	})
}

// Each task starts the next as its last statement, so that the task count
// would drop to zero between one task and the next if starting did not
// count the new task before the old one ends. Run waits for the whole
// chain. It runs on the real scheduler, where that window would show.
func TestRunWaitsForChainOfLastStatementStarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []nursery.Option
	}{
		{name: "unlimited"},
		// With Limit(1) a task that starts the next waits for its own slot:
		// the next waits in the queue instead.
		{name: "limit=1", opts: []nursery.Option{nursery.Limit(1), nursery.Queue(1)}},
		{name: "limit=4", opts: []nursery.Option{nursery.Limit(4)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const depth = 1000
			var started, last atomic.Int32
			err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				var link func(i int32) func(context.Context) error
				link = func(i int32) func(context.Context) error {
					return func(ctx context.Context) error {
						started.Add(1)
						if i == depth {
							last.Store(i)
							return nil
						}
						n.Go(link(i + 1))
						return nil
					}
				}
				n.Go(link(1))
				return nil
			}, tc.opts...)
			if err != nil {
				t.Errorf("Run() = %v, want nil", err)
			}
			if got := started.Load(); got != depth {
				t.Errorf("Run returned after %d of %d chained tasks started, want all", got, depth)
			}
			if got := last.Load(); got != depth {
				t.Errorf("Run returned before the last chained task finished (last = %d), want %d", got, depth)
			}
		})
	}
}

// The tasks' context is canceled when Run returns, and the cause the
// nursery invents for it is a cancellation.
func TestContextCanceledWhenRunReturns(t *testing.T) {
	for _, tc := range []struct {
		name      string
		task      func(context.Context) error
		wantCause error // nil: any cancellation
	}{
		{name: "success", task: func(context.Context) error { return nil }},
		{name: "failure keeps its cause", task: func(context.Context) error { return errA }, wantCause: errA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var nctx context.Context
			_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				nctx = ctx
				n.Go(tc.task)
				return nil
			})
			if nctx.Err() == nil {
				t.Fatalf("after Run returned, ctx.Err() = nil, want the context canceled")
			}
			cause := context.Cause(nctx)
			if tc.wantCause != nil {
				if cause != tc.wantCause {
					t.Errorf("after Run returned, Cause(ctx) = %v, want %v", cause, tc.wantCause)
				}
				return
			}
			if !cancel.IsCancellation(cause) {
				t.Errorf("after Run returned, Cause(ctx) = %v, want a cancellation (errors.Is context.Canceled)", cause)
			}
		})
	}
}

// Run works inside a synctest bubble, whatever path it takes: every test
// above and below that uses synctest.Test proves it too, since a goroutine
// of the library left outside the bubble, or a Run that does not return,
// makes the bubble panic.
func TestRunInsideSynctestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			for range 5 {
				n.Go(func(ctx context.Context) error {
					time.Sleep(time.Hour)
					return nil
				})
			}
			n.Go(func(ctx context.Context) error {
				return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(waitDone)
					time.Sleep(time.Minute)
					n.Cancel(nil)
					return nil
				}, nursery.Limit(1), nursery.Name("inner"))
			})
			return nil
		}, nursery.Limit(2))
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
		// Six tasks, two at a time: three rounds of an hour (the inner
		// nursery takes a minute of the third).
		if got, want := time.Since(start), 3*time.Hour; got != want {
			t.Errorf("Run took %v of virtual time, want %v", got, want)
		}
	})
}
