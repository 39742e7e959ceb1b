package nursery_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/internal/nurseryhook"
	"github.com/scoped-go/scoped/nursery"
)

// nurseryhook.GoIndexed, taskgroup's way to start a task per index without
// a closure per task, must start a task exactly as Go does: in an
// unlimited nursery on a goroutine of its own, and in a limited or tracked
// one through the same paths as Go.

func TestGoIndexedRunsEachIndex(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []nursery.Option
		track bool
		peak  int32 // the most tasks that may run at once; 0: no bound
	}{
		{name: "unlimited"},
		{name: "Limit(2)", opts: []nursery.Option{nursery.Limit(2)}, peak: 2},
		{name: "tracked", track: true},
		{name: "named", opts: []nursery.Option{nursery.Name("indexed")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.track {
				trackedTest(t)
			}
			synctest.Test(t, func(t *testing.T) {
				const tasks = 40
				var ran [tasks]atomic.Int32
				var g gauge
				var bodyCtx context.Context
				err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
					bodyCtx = ctx
					task := func(ctx context.Context, i int) error {
						g.enter()
						defer g.exit()
						// A tracked task's context (and the body's) wraps the
						// nursery's: the two share its Done channel.
						if ctx.Done() != bodyCtx.Done() {
							t.Errorf("task %d got a context other than the nursery's", i)
						}
						ran[i].Add(1)
						time.Sleep(time.Second) // virtual: the others start meanwhile, if the limit allows
						return nil
					}
					for i := range tasks {
						nurseryhook.GoIndexed(n, task, i)
					}
					return nil
				}, tc.opts...)
				if err != nil {
					t.Errorf("Run() = %v, want nil", err)
				}
				for i := range tasks {
					if got := ran[i].Load(); got != 1 {
						t.Errorf("task %d ran %d times, want once", i, got)
					}
				}
				if tc.peak > 0 && g.peak.Load() != tc.peak {
					t.Errorf("peak tasks running = %d, want %d", g.peak.Load(), tc.peak)
				}
			})
		})
	}
}

func TestGoIndexedFailures(t *testing.T) {
	for _, opts := range [][]nursery.Option{nil, {nursery.Limit(3)}} {
		t.Run(fmt.Sprintf("options=%d", len(opts)), func(t *testing.T) {
			t.Run("error", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						task := func(ctx context.Context, i int) error {
							if i == 1 {
								return errA
							}
							<-ctx.Done() // canceled by task 1's failure
							if cause := context.Cause(ctx); cause != errA {
								t.Errorf("task %d: Cause(ctx) = %v, want %v", i, cause, errA)
							}
							return ctx.Err()
						}
						for i := range 3 {
							nurseryhook.GoIndexed(n, task, i)
						}
						return nil
					}, opts...)
					checkErrors(t, err, errA)
				})
			})
			t.Run("panic", func(t *testing.T) {
				o := capture(func() {
					_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
						nurseryhook.GoIndexed(n, func(ctx context.Context, i int) error { panic(fmt.Sprint("index ", i)) }, 7)
						return nil
					}, opts...)
				})
				pe := asPanicError(t, o)
				if pe.Value != "index 7" {
					t.Errorf("PanicError.Value = %v, want %q", pe.Value, "index 7")
				}
			})
			t.Run("Goexit", func(t *testing.T) {
				var siblingCause error
				o := capture(func() {
					_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
						nurseryhook.GoIndexed(n, func(context.Context, int) error { runtime.Goexit(); return nil }, 0)
						nurseryhook.GoIndexed(n, func(ctx context.Context, i int) error {
							<-ctx.Done()
							siblingCause = context.Cause(ctx)
							return ctx.Err()
						}, 1)
						return nil
					}, opts...)
				})
				if !o.goexit {
					t.Errorf("Run() %v, want runtime.Goexit", o)
				}
				if !errors.Is(siblingCause, nursery.ErrGoexit) {
					t.Errorf("sibling's Cause(ctx) = %v, want nursery.ErrGoexit", siblingCause)
				}
			})
		})
	}
}

func TestGoIndexedMisuse(t *testing.T) {
	var kept *nursery.Nursery
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		kept = n
		wantPanic(t, "GoIndexed(nil task)", "nil task", func() { nurseryhook.GoIndexed(n, nil, 0) })
		return nil
	})
	wantPanic(t, "GoIndexed after Run returned", "after Run returned", func() {
		nurseryhook.GoIndexed(kept, func(context.Context, int) error { return nil }, 0)
	})
}

// A tracked task started by GoIndexed is recorded at the hook's caller, as
// taskgroup's tasks are recorded at the line in taskgroup that starts them.
func TestGoIndexedTrackedSite(t *testing.T) {
	trackedTest(t)
	synctest.Test(t, func(t *testing.T) {
		var snap []nursery.Scope
		_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			release := make(chan struct{})
			nurseryhook.GoIndexed(n, func(context.Context, int) error { <-release; return nil }, 0)
			synctest.Wait()
			snap = nursery.Snapshot()
			close(release)
			return nil
		})
		if len(snap) != 1 || len(snap[0].Tasks) != 2 {
			t.Fatalf("Snapshot() = %s, want one scope with the body and a task", treeOf(snap))
		}
		tk := snap[0].Tasks[1]
		if tk.Kind != "go" || tk.State != "running" || !strings.HasPrefix(tk.Site, "nursery/indexed_test.go:") {
			t.Errorf("task = %+v, want a running go task started at nursery/indexed_test.go:<line>", tk)
		}
	})
}
