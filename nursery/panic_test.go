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

	"github.com/scoped-go/scoped/nursery"
)

// Guarantee 4: a panic is never lost. A Goexit is handled the same way.

// panickingTask is a task whose name the panic's stack must show.
func panickingTask(ctx context.Context) error {
	panic("task boom")
}

func TestTaskPanic(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []nursery.Option
	}{
		{name: "unlimited"},
		{name: "Supervise", opts: []nursery.Option{nursery.Supervise()}},
		{name: "Limit", opts: []nursery.Option{nursery.Limit(1)}},
		{name: "Supervise and Limit", opts: []nursery.Option{nursery.Supervise(), nursery.Limit(2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				o := capture(func() {
					_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						n.Go(panickingTask)
						return nil
					}, tc.opts...)
				})
				pe := asPanicError(t, o)
				if pe.Value != "task boom" {
					t.Errorf("PanicError.Value = %#v, want %#v", pe.Value, "task boom")
				}
				if !strings.Contains(string(pe.Stack), "nursery_test.panickingTask") {
					t.Errorf("PanicError.Stack = %s\nwant it to show nursery_test.panickingTask", pe.Stack)
				}
				msg := pe.Error()
				if !strings.Contains(msg, "task boom") || !strings.Contains(msg, string(pe.Stack)) {
					t.Errorf("PanicError.Error() = %q, want the value %q and the stack", msg, "task boom")
				}
				if pe.Unwrap() != nil {
					t.Errorf("PanicError.Unwrap() = %v for a string value, want nil", pe.Unwrap())
				}
			})
		})
	}
}

// A panic with an error value unwraps to it.
func TestPanicErrorUnwrap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ce := &codeError{7}
		o := capture(func() {
			_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { panic(fmt.Errorf("decode: %w", ce)) })
				return nil
			})
		})
		pe := asPanicError(t, o)
		if !errors.Is(pe, ce) {
			t.Errorf("errors.Is(PanicError, value) = false, want true")
		}
		var got *codeError
		if !errors.As(pe, &got) || got != ce {
			t.Errorf("errors.As(PanicError, *codeError) = %v, want %v", got, ce)
		}
		if !strings.Contains(pe.Error(), "decode: code 7") {
			t.Errorf("PanicError.Error() = %q, want it to contain %q", pe.Error(), "decode: code 7")
		}
	})
}

// The siblings of a panicking task are canceled at once, with the
// *PanicError as cause, and Run waits for them before it re-panics.
func TestPanicCancelsAndAwaitsSiblings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var (
			finished atomic.Int32
			canceled atomic.Int64 // when the siblings' context was done
			cause    atomic.Value
		)
		o := capture(func() {
			_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				for range 3 {
					n.Go(func(ctx context.Context) error {
						<-ctx.Done()
						canceled.Store(int64(time.Since(start)))
						cause.Store(context.Cause(ctx))
						time.Sleep(time.Second) // cleaning up
						finished.Add(1)
						return ctx.Err()
					})
				}
				synctest.Wait()
				time.Sleep(time.Minute)
				n.Go(panickingTask)
				return nil
			})
		})
		// capture has returned: the panic was recovered in the caller.
		if got := finished.Load(); got != 3 {
			t.Errorf("Run re-panicked after %d of 3 siblings finished, want all", got)
		}
		if got := time.Duration(canceled.Load()); got != time.Minute {
			t.Errorf("the siblings were canceled at %v, want at once when the task panicked (%v)", got, time.Minute)
		}
		pe := asPanicError(t, o)
		if got, ok := cause.Load().(*nursery.PanicError); !ok || got != pe {
			t.Errorf("a sibling saw Cause(ctx) = %v, want the *PanicError Run raised", cause.Load())
		}
	})
}

// A panic in the body propagates as it is, after the tasks have returned.
func TestBodyPanic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value any
	}{
		{name: "string", value: "body boom"},
		{name: "error", value: errA},
		{name: "PanicError of a nested Run", value: &nursery.PanicError{Value: "inner"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var finished atomic.Bool
				o := capture(func() {
					_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						n.Go(func(ctx context.Context) error {
							<-ctx.Done()
							time.Sleep(time.Second)
							finished.Store(true)
							return nil
						})
						synctest.Wait()
						panic(tc.value)
					})
				})
				if !o.panicked || o.value != tc.value {
					t.Errorf("Run() %v, want a panic with the body's value %s as it is", o, describe(tc.value))
				}
				if !finished.Load() {
					t.Errorf("Run re-panicked before the task returned")
				}
			})
		})
	}
}

// When several panic, the first is raised, whatever else happens.
func TestFirstPanicWins(t *testing.T) {
	secondPanic := func(ctx context.Context) error {
		<-ctx.Done()
		panic("second")
	}
	for _, tc := range []struct {
		name string
		opts []nursery.Option
		body func(ctx context.Context, n *nursery.Nursery) error
		// want is the value raised: a *PanicError's Value if wrapped.
		want    any
		wrapped bool
	}{
		{
			name: "two tasks",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(secondPanic)
				n.Go(secondPanic)
				synctest.Wait()
				n.Go(func(context.Context) error { panic("first") })
				return nil
			},
			want: "first", wrapped: true,
		},
		{
			name: "task then body",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { panic("first") })
				<-ctx.Done()
				panic("second")
			},
			want: "first", wrapped: true,
		},
		{
			name: "body then task",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(secondPanic)
				synctest.Wait()
				panic("first")
			},
			want: "first", wrapped: false,
		},
		{
			name: "panic wins over an earlier Goexit",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(secondPanic)
				synctest.Wait()
				n.Go(func(context.Context) error { runtime.Goexit(); return nil })
				return nil
			},
			want: "second", wrapped: true,
		},
		{
			name: "panic wins over errors",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { return errA })
				n.Go(secondPanic)
				<-ctx.Done()
				return errB
			},
			want: "second", wrapped: true,
		},
		{
			name: "panic wins over errors under Supervise",
			opts: []nursery.Option{nursery.Supervise()},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { return errA })
				time.Sleep(time.Second)
				n.Go(func(context.Context) error { panic("first") })
				return errB
			},
			want: "first", wrapped: true,
		},
		{
			name: "first of several under Limit",
			opts: []nursery.Option{nursery.Limit(2)},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(secondPanic)
				synctest.Wait()
				n.Go(func(context.Context) error { panic("first") })
				return nil
			},
			want: "first", wrapped: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				o := capture(func() { _ = nursery.Run(t.Context(), tc.body, tc.opts...) })
				if !tc.wrapped {
					if !o.panicked || o.value != tc.want {
						t.Errorf("Run() %v, want a panic with %v as it is", o, tc.want)
					}
					return
				}
				if pe := asPanicError(t, o); pe.Value != tc.want {
					t.Errorf("Run() panicked with Value %v, want %v", pe.Value, tc.want)
				}
			})
		})
	}
}

// A *PanicError re-raised by a nested Run reaches the outer caller as the
// same value, with the stack of the task that panicked.
func TestNestedPanicKeepsInnerStack(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inTask bool // the inner Run is called in a task, or in the outer body
	}{
		{name: "inner Run in a task", inTask: true},
		{name: "inner Run in the body", inTask: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var innerPE *nursery.PanicError
				inner := func(ctx context.Context) error {
					defer func() {
						// Note the inner nursery's *PanicError and let it go on.
						r := recover()
						innerPE, _ = r.(*nursery.PanicError)
						panic(r)
					}()
					return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
						n.Go(panickingTask)
						return nil
					}, nursery.Name("inner"))
				}
				o := capture(func() {
					_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						if tc.inTask {
							n.Go(inner)
							return nil
						}
						return inner(ctx)
					}, nursery.Name("outer"))
				})
				if innerPE == nil {
					t.Fatalf("the inner Run did not panic with a *PanicError")
				}
				pe := asPanicError(t, o)
				if pe != innerPE {
					t.Errorf("outer Run panicked with %p (Value %v), want the inner *PanicError %p as it is", pe, pe.Value, innerPE)
				}
				checkInnerPanic(t, pe)
			})
		})
	}
}

func checkInnerPanic(t *testing.T, pe *nursery.PanicError) {
	t.Helper()
	if pe.Value != "task boom" {
		t.Errorf("PanicError.Value = %v, want %v", pe.Value, "task boom")
	}
	if !strings.Contains(string(pe.Stack), "nursery_test.panickingTask") {
		t.Errorf("PanicError.Stack = %s\nwant the inner task's stack, with nursery_test.panickingTask", pe.Stack)
	}
	if msg := pe.Error(); !strings.Contains(msg, `"inner"`) {
		t.Errorf("PanicError.Error() = %q, want the inner scope's name", msg)
	}
}

// A task that calls runtime.Goexit fails the nursery: its siblings are
// canceled and awaited, then Run calls runtime.Goexit in its caller.
func TestGoexit(t *testing.T) {
	goexit := func(context.Context) error { runtime.Goexit(); return nil }
	for _, tc := range []struct {
		name string
		opts []nursery.Option
		body func(ctx context.Context, n *nursery.Nursery) error
	}{
		{
			name: "task",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(goexit)
				return nil
			},
		},
		{
			name: "body",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				synctest.Wait() // the sibling waits for cancellation
				runtime.Goexit()
				return nil
			},
		},
		{
			name: "task under Supervise",
			opts: []nursery.Option{nursery.Supervise()},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(goexit)
				return nil
			},
		},
		{
			name: "task under Limit",
			opts: []nursery.Option{nursery.Limit(2)},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(goexit)
				return nil
			},
		},
		{
			name: "wins over errors",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(ctx context.Context) error { <-ctx.Done(); return errA })
				n.Go(goexit)
				<-ctx.Done()
				return errB
			},
		},
		{
			name: "wins over errors under Supervise",
			opts: []nursery.Option{nursery.Supervise()},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { return errA })
				time.Sleep(time.Second)
				n.Go(goexit)
				return errB
			},
		},
		{
			name: "nested",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(ctx context.Context) error {
					return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
						n.Go(goexit)
						return nil
					})
				})
				return nil
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var finished atomic.Bool
				var cause atomic.Value
				o := capture(func() {
					_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						n.Go(func(ctx context.Context) error {
							<-ctx.Done()
							cause.Store(context.Cause(ctx))
							time.Sleep(time.Second) // cleaning up, within the grace period
							finished.Store(true)
							return ctx.Err()
						})
						return tc.body(ctx, n)
					}, tc.opts...)
				})
				if !o.goexit {
					t.Errorf("Run() %v, want it to call runtime.Goexit in the caller", o)
				}
				if !finished.Load() {
					t.Errorf("the caller's goroutine exited before the sibling returned")
				}
				if got := cause.Load(); got != nursery.ErrGoexit {
					t.Errorf("the sibling saw Cause(ctx) = %v, want ErrGoexit", got)
				}
			})
		})
	}
}

// A worker that called runtime.Goexit is replaced: the tasks started after
// it still run on a limited nursery, and Run does not hang.
func TestGoexitWorkerReplaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ran atomic.Int32
		o := capture(func() {
			_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { runtime.Goexit(); return nil })
				synctest.Wait() // the worker is gone and the nursery canceled
				for range 3 {
					n.Go(func(context.Context) error {
						ran.Add(1)
						return nil
					})
					synctest.Wait() // one at a time, so none waits behind the limit
				}
				return nil
			}, nursery.Limit(1))
		})
		if !o.goexit {
			t.Errorf("Run() %v, want it to call runtime.Goexit in the caller", o)
		}
		if got := ran.Load(); got != 3 {
			t.Errorf("%d of 3 tasks started after a worker's Goexit ran, want all", got)
		}
	})
}
