package taskgroup_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
)

type task = func(context.Context) (int, error)

// after returns a task that returns v and err after d.
func after(d time.Duration, v int, err error) task {
	return func(context.Context) (int, error) {
		time.Sleep(d)
		return v, err
	}
}

// waitCancel returns a task that waits for its context and echoes it,
// storing the cause it saw in cause.
func waitCancel(returned *atomic.Int32, cause *atomic.Value) task {
	return func(ctx context.Context) (int, error) {
		<-ctx.Done()
		if cause != nil {
			cause.Store(context.Cause(ctx))
		}
		returned.Add(1)
		return 0, ctx.Err()
	}
}

// runAll calls All, Any or Settled, by name, with tasks.
var runAll = map[string]func(tasks []task){
	"All":     func(tasks []task) { taskgroup.All(context.Background(), tasks...) },
	"Any":     func(tasks []task) { taskgroup.Any(context.Background(), tasks...) },
	"Settled": func(tasks []task) { taskgroup.Settled(context.Background(), tasks...) },
}

func TestAllKeepsTaskOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The tasks finish in reverse order.
		got, err := taskgroup.All(context.Background(),
			after(3*time.Second, 0, nil), after(2*time.Second, 1, nil), after(time.Second, 2, nil))
		if want := []int{0, 1, 2}; err != nil || !slices.Equal(got, want) {
			t.Errorf("All = %v, %v want %v, nil", got, err, want)
		}
	})
}

func TestAllAnySettledRunEveryTaskAtOnce(t *testing.T) {
	const n = 50 // more than GOMAXPROCS: no default limit applies
	for _, call := range []string{"All", "Any", "Settled"} {
		t.Run(call, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var running atomic.Int32
				release := make(chan struct{})
				tasks := make([]task, n)
				for i := range tasks {
					tasks[i] = func(context.Context) (int, error) {
						running.Add(1)
						<-release
						return i, nil
					}
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					runAll[call](tasks)
				}()
				synctest.Wait()
				if got := running.Load(); got != n {
					t.Errorf("%s: %d tasks running want %d", call, got, n)
				}
				close(release)
				<-done
			})
		})
	}
}

func TestAllFailureCancelsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var returned atomic.Int32
		var cause atomic.Value
		got, err := taskgroup.All(context.Background(),
			waitCancel(&returned, &cause), after(time.Second, 0, errA), waitCancel(&returned, nil))
		if got != nil || err != errA {
			t.Errorf("All = %v, %v want nil, %v", got, err, errA)
		}
		if n := returned.Load(); n != 2 {
			t.Errorf("All returned with %d of 2 canceled tasks returned", n)
		}
		if c := cause.Load(); c != errA {
			t.Errorf("sibling's Cause(ctx) = %v want %v", c, errA)
		}
	})
}

func TestAllParentCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		time.AfterFunc(time.Second, func() { cancel(errB) })
		var returned atomic.Int32
		got, err := taskgroup.All(ctx, waitCancel(&returned, nil), waitCancel(&returned, nil))
		if got != nil || err != errB {
			t.Errorf("All = %v, %v want nil, %v", got, err, errB)
		}
	})
}

func TestAllNoTasks(t *testing.T) {
	got, err := taskgroup.All[int](context.Background())
	if got == nil || len(got) != 0 || err != nil {
		t.Errorf("All() = %#v, %v want []int{}, nil", got, err)
	}
}

func TestAnyReturnsFirstSuccessAndCancelsLosers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var returned atomic.Int32
		var cause atomic.Value
		got, err := taskgroup.Any(context.Background(),
			waitCancel(&returned, &cause),
			after(2*time.Second, 2, nil),
			after(time.Second, 1, nil),
			waitCancel(&returned, nil))
		if got != 1 || err != nil {
			t.Errorf("Any = %v, %v want 1, nil", got, err)
		}
		if n := returned.Load(); n != 2 {
			t.Errorf("Any returned with %d of 2 losers returned", n)
		}
		c, _ := cause.Load().(error)
		if !errors.Is(c, context.Canceled) {
			t.Errorf("loser's Cause(ctx) = %v want an error that is context.Canceled", c)
		}
	})
}

func TestAnyFailureDoesNotCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got, err := taskgroup.Any(context.Background(),
			after(0, 0, errA),
			func(ctx context.Context) (int, error) {
				time.Sleep(time.Second)
				return 7, ctx.Err() // nil unless the failure canceled ctx
			})
		if got != 7 || err != nil {
			t.Errorf("Any = %v, %v want 7, nil", got, err)
		}
	})
}

func TestAnyErrors(t *testing.T) {
	canceled, cancel := context.WithCancelCause(context.Background())
	cancel(errB)
	errC := errors.New("c")
	tests := []struct {
		name  string
		ctx   context.Context
		tasks []task
		want  error   // compared with ==, if not nil
		wantJ []error // the errors joined, in this order
	}{
		{name: "no tasks", ctx: context.Background(), want: taskgroup.ErrNoTasks},
		{name: "one failure is returned as is", ctx: context.Background(), tasks: []task{after(0, 0, errA)}, want: errA},
		{name: "all fail: joined in task order", ctx: context.Background(),
			tasks: []task{after(2*time.Second, 0, errA), after(time.Second, 0, errC)}, wantJ: []error{errA, errC}},
		{name: "parent canceled first", ctx: canceled,
			tasks: []task{func(ctx context.Context) (int, error) { return 0, ctx.Err() }}, want: errB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, err := taskgroup.Any(tt.ctx, tt.tasks...)
				if tt.wantJ == nil {
					if err != tt.want {
						t.Errorf("Any = %v want %v", err, tt.want)
					}
					return
				}
				j, ok := err.(interface{ Unwrap() []error })
				if !ok || !slices.Equal(j.Unwrap(), tt.wantJ) {
					t.Errorf("Any = %v want %v joined", err, tt.wantJ)
				}
			})
		})
	}
}

func TestSettledNeverCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := taskgroup.Settled(context.Background(),
			after(0, 1, errA),
			func(ctx context.Context) (int, error) {
				time.Sleep(time.Second) // long after the failure
				return 2, ctx.Err()
			},
			after(0, 3, nil))
		want := []taskgroup.Result[int]{{Value: 1, Err: errA}, {Value: 2}, {Value: 3}}
		if !slices.Equal(got, want) {
			t.Errorf("Settled = %v want %v", got, want)
		}
	})
}

func TestAllAnySettledPanicReraised(t *testing.T) {
	for _, call := range []string{"All", "Any", "Settled"} {
		t.Run(call, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var returned atomic.Int32
				var cause atomic.Value
				tasks := []task{
					waitCancel(&returned, &cause),
					func(context.Context) (int, error) {
						time.Sleep(time.Second)
						panic("task-boom")
					},
				}
				r, _ := catch(func() { runAll[call](tasks) })
				pe, ok := r.(*nursery.PanicError)
				if !ok || pe.Value != "task-boom" {
					t.Fatalf("%s panicked with %v want a *nursery.PanicError of task-boom", call, r)
				}
				if returned.Load() != 1 {
					t.Errorf("%s panicked before the other task returned", call)
				}
				if c := cause.Load(); c != error(pe) {
					t.Errorf("the other task's Cause(ctx) = %v want the *PanicError", c)
				}
			})
		})
	}
}

func TestAllAnySettledGoexitReraised(t *testing.T) {
	exit := func(context.Context) (int, error) {
		runtime.Goexit()
		return 0, nil
	}
	for name, call := range runAll {
		if _, goexit := catch(func() { call([]task{exit}) }); !goexit {
			t.Errorf("%s with a task that calls runtime.Goexit: the caller did not exit", name)
		}
	}
}

func TestAllAnySettledNilTaskPanics(t *testing.T) {
	ctx := context.Background()
	ran := false
	ok := func(context.Context) (int, error) { ran = true; return 0, nil }
	wantPanic(t, "All(ok, nil)", "nil task (index 1)", func() { taskgroup.All(ctx, ok, nil) })
	wantPanic(t, "Any(nil)", "nil task (index 0)", func() { taskgroup.Any(ctx, nil, ok) })
	wantPanic(t, "Settled(nil)", "nil task", func() { taskgroup.Settled(ctx, ok, ok, nil) })
	if ran {
		t.Error("a task ran although a later one was nil")
	}
}
