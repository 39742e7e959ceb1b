package nursery_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// Guarantee 2: the first failure cancels the nursery's context with that
// failure as the cause.

func TestFirstFailureCancels(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []nursery.Option
		// fail is started as a task, or called in the body if inBody.
		fail   func(ctx context.Context) error
		inBody bool
		// wantCause checks the cause the sibling saw.
		wantCause func(cause error) bool
		want      string
	}{
		{
			name:      "task error",
			fail:      func(context.Context) error { return errA },
			wantCause: func(c error) bool { return c == errA },
			want:      "errA",
		},
		{
			name:      "body error",
			fail:      func(context.Context) error { return errA },
			inBody:    true,
			wantCause: func(c error) bool { return c == errA },
			want:      "errA",
		},
		{
			name:      "task panic",
			fail:      func(context.Context) error { panic("boom") },
			wantCause: isPanicError("boom"),
			want:      `a *PanicError with Value "boom"`,
		},
		{
			name:      "body panic",
			fail:      func(context.Context) error { panic("boom") },
			inBody:    true,
			wantCause: isPanicError("boom"),
			want:      `a *PanicError with Value "boom"`,
		},
		{
			name:      "task Goexit",
			fail:      func(context.Context) error { runtime.Goexit(); return nil },
			wantCause: func(c error) bool { return c == nursery.ErrGoexit },
			want:      "ErrGoexit",
		},
		{
			name:      "body Goexit",
			fail:      func(context.Context) error { runtime.Goexit(); return nil },
			inBody:    true,
			wantCause: func(c error) bool { return c == nursery.ErrGoexit },
			want:      "ErrGoexit",
		},
		{
			name:      "task panic under Supervise",
			opts:      []nursery.Option{nursery.Supervise()},
			fail:      func(context.Context) error { panic("boom") },
			wantCause: isPanicError("boom"),
			want:      `a *PanicError with Value "boom"`,
		},
		{
			name:      "task Goexit under Supervise",
			opts:      []nursery.Option{nursery.Supervise()},
			fail:      func(context.Context) error { runtime.Goexit(); return nil },
			wantCause: func(c error) bool { return c == nursery.ErrGoexit },
			want:      "ErrGoexit",
		},
		{
			name:      "task error under Limit",
			opts:      []nursery.Option{nursery.Limit(4)},
			fail:      func(context.Context) error { return errA },
			wantCause: func(c error) bool { return c == errA },
			want:      "errA",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const siblings = 3
				causes := make(chan error, siblings)
				capture(func() {
					_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						for range siblings {
							n.Go(func(ctx context.Context) error {
								<-ctx.Done()
								causes <- context.Cause(ctx)
								return ctx.Err()
							})
						}
						synctest.Wait() // the siblings are running
						if tc.inBody {
							return tc.fail(ctx)
						}
						n.Go(tc.fail)
						return nil
					}, tc.opts...)
				})
				for range siblings {
					if got := <-causes; !tc.wantCause(got) {
						t.Errorf("a sibling saw Cause(ctx) = %v, want %s", got, tc.want)
					}
				}
			})
		})
	}
}

func isPanicError(value any) func(error) bool {
	return func(err error) bool {
		pe, ok := err.(*nursery.PanicError)
		return ok && pe.Value == value
	}
}

// Under Supervise an error cancels nothing: the siblings run to the end
// and all the errors come back.
func TestSuperviseErrorsDoNotCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var canceled atomic.Bool
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error { return errA })
			n.Go(func(ctx context.Context) error {
				time.Sleep(time.Second) // errA is returned meanwhile
				canceled.Store(ctx.Err() != nil)
				return errB
			})
			time.Sleep(2 * time.Second)
			return errC
		}, nursery.Supervise())
		if canceled.Load() {
			t.Errorf("under Supervise a task error canceled the nursery, want no cancellation")
		}
		checkErrors(t, err, errA, errB, errC)
	})
}

// Guarantee 3: Run returns every root error, in order, and drops echoes.

func TestRootErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []nursery.Option
		body func(ctx context.Context, n *nursery.Nursery) error
		want []error
	}{
		{
			name: "no error",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { return nil })
				return nil
			},
		},
		{
			name: "one task error as it is",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { return errA })
				n.Go(waitDone)
				return nil
			},
			want: []error{errA},
		},
		{
			name: "body error as it is",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(waitDone)
				return errA
			},
			want: []error{errA},
		},
		{
			name: "errors after the first, in the order returned",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(ctx context.Context) error {
					<-ctx.Done()
					time.Sleep(2 * time.Second)
					return errC
				})
				n.Go(func(ctx context.Context) error {
					<-ctx.Done()
					time.Sleep(time.Second)
					return errB
				})
				n.Go(func(ctx context.Context) error {
					time.Sleep(time.Second)
					return errA
				})
				return nil
			},
			want: []error{errA, errB, errC},
		},
		{
			name: "the body's error in its place",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(ctx context.Context) error {
					time.Sleep(time.Second)
					return errA
				})
				n.Go(func(ctx context.Context) error {
					<-ctx.Done()
					time.Sleep(2 * time.Second)
					return errC
				})
				<-ctx.Done()
				time.Sleep(time.Second)
				return errB
			},
			want: []error{errA, errB, errC},
		},
		{
			name: "Supervise in the order returned",
			opts: []nursery.Option{nursery.Supervise()},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				for i, err := range []error{errC, errA, errB} {
					d := []time.Duration{3, 1, 2}[i] * time.Second
					n.Go(func(context.Context) error {
						time.Sleep(d)
						return err
					})
				}
				return nil
			},
			want: []error{errA, errB, errC},
		},
		{
			name: "echoes of the cause dropped",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				echoes := []func(ctx context.Context) error{
					func(ctx context.Context) error { return ctx.Err() },
					func(ctx context.Context) error { return fmt.Errorf("query: %w", ctx.Err()) },
					func(ctx context.Context) error { return context.Cause(ctx) },
					func(ctx context.Context) error { return fmt.Errorf("query: %w", context.Cause(ctx)) },
					func(ctx context.Context) error { return context.DeadlineExceeded },
				}
				for _, echo := range echoes {
					n.Go(func(ctx context.Context) error {
						<-ctx.Done()
						return echo(ctx)
					})
				}
				synctest.Wait()
				n.Go(func(context.Context) error { return errA })
				<-ctx.Done()
				return ctx.Err() // the body's echo
			},
			want: []error{errA},
		},
		{
			name: "echoes dropped under Limit",
			opts: []nursery.Option{nursery.Limit(1)},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { return errA })
				n.Go(func(ctx context.Context) error { return ctx.Err() })
				return nil
			},
			want: []error{errA},
		},
		{
			name: "the same error value reported once",
			opts: []nursery.Option{nursery.Supervise()},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { return errA })
				n.Go(func(context.Context) error {
					time.Sleep(time.Second)
					return errA // as a task that awaits a failed sibling would
				})
				time.Sleep(2 * time.Second)
				return errA
			},
			want: []error{errA},
		},
		{
			name: "a wrapper of an earlier error is its own root error under Supervise",
			opts: []nursery.Option{nursery.Supervise()},
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error { return errA })
				time.Sleep(time.Second)
				return errWrappedA
			},
			want: []error{errA, errWrappedA},
		},
		{
			name: "Canceled from a context of the task's own is a root error",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(waitDone)
				n.Go(func(ctx context.Context) error {
					own, cancel := context.WithCancel(context.Background())
					cancel()
					return own.Err()
				})
				return nil
			},
			want: []error{context.Canceled},
		},
		{
			name: "DeadlineExceeded from a timeout of the task's own is a root error",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(waitDone)
				n.Go(func(ctx context.Context) error {
					own, cancel := context.WithTimeout(ctx, time.Second)
					defer cancel()
					<-own.Done()
					return own.Err()
				})
				return nil
			},
			want: []error{context.DeadlineExceeded},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := nursery.Run(t.Context(), tc.body, tc.opts...)
				checkErrors(t, err, tc.want...)
			})
		})
	}
}

var errWrappedA = fmt.Errorf("retry: %w", errA)

// Several root errors come back joined, and errors.As reaches each.
func TestRootErrorsAs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e1, e2 := &codeError{1}, &codeError{2}
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(context.Context) error { return e1 })
			time.Sleep(time.Second)
			return fmt.Errorf("body: %w", e2)
		}, nursery.Supervise())
		parts := joined(err)
		if len(parts) != 2 {
			t.Fatalf("Run() = %v, want two errors joined", err)
		}
		for i, want := range []*codeError{e1, e2} {
			var got *codeError
			if !errors.As(parts[i], &got) || got != want {
				t.Errorf("errors.As(error %d of Run()) = %v, want %v", i, got, want)
			}
		}
		var got *codeError
		if !errors.As(err, &got) || got != e1 {
			t.Errorf("errors.As(Run()) = %v, want %v", got, e1)
		}
	})
}

// A task that returns context.Canceled from a context of its own while the
// nursery is live has failed: its siblings are canceled with that error.
func TestOwnCancellationCancelsSiblings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cause atomic.Value
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error {
				<-ctx.Done()
				cause.Store(context.Cause(ctx))
				return ctx.Err()
			})
			n.Go(func(ctx context.Context) error {
				own, cancel := context.WithCancel(context.Background())
				cancel()
				return own.Err()
			})
			return nil
		})
		if err != context.Canceled {
			t.Errorf("Run() = %v, want context.Canceled", err)
		}
		if got := cause.Load(); got != context.Canceled {
			t.Errorf("a sibling saw Cause(ctx) = %v, want context.Canceled", got)
		}
	})
}

// Guarantee 5: the parent's cancellation reaches the tasks with its cause;
// echoes of it come back as that cause, real errors as they are.

var errParent = errors.New("parent gone")

func TestParentCancellation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tasks []func(ctx context.Context) error
		body  func(ctx context.Context) error // nil: return nil
		want  []error
	}{
		{
			name: "echoes return the parent's cause",
			tasks: []func(ctx context.Context) error{
				waitDone,
				func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) },
				func(ctx context.Context) error { <-ctx.Done(); return fmt.Errorf("query: %w", ctx.Err()) },
			},
			want: []error{errParent},
		},
		{
			name: "the body's echo returns the parent's cause",
			body: waitDone,
			want: []error{errParent},
		},
		{
			name: "a real error as it is",
			tasks: []func(ctx context.Context) error{
				waitDone,
				func(ctx context.Context) error { <-ctx.Done(); return errA },
			},
			want: []error{errA},
		},
		{
			name: "all nil is nil",
			tasks: []func(ctx context.Context) error{
				func(ctx context.Context) error { <-ctx.Done(); return nil },
				func(ctx context.Context) error { <-ctx.Done(); return nil },
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent, cancel := context.WithCancelCause(t.Context())
				defer cancel(nil)
				var causes atomic.Int32
				err := nursery.Run(parent, func(ctx context.Context, n *nursery.Nursery) error {
					for _, task := range tc.tasks {
						n.Go(func(ctx context.Context) error {
							err := task(ctx)
							if context.Cause(ctx) == errParent {
								causes.Add(1)
							}
							return err
						})
					}
					synctest.Wait()
					cancel(errParent)
					if tc.body != nil {
						return tc.body(ctx)
					}
					return nil
				})
				checkErrors(t, err, tc.want...)
				if got, want := int(causes.Load()), len(tc.tasks); got != want {
					t.Errorf("%d of %d tasks saw Cause(ctx) = errParent, want all", got, want)
				}
			})
		})
	}
}

func TestParentDeadline(t *testing.T) {
	nilAtDeadline := func(ctx context.Context) error { <-ctx.Done(); return nil }
	for _, tc := range []struct {
		name  string
		tasks []func(ctx context.Context) error
		want  []error
	}{
		{name: "echo", tasks: []func(context.Context) error{waitDone, waitDone}, want: []error{context.DeadlineExceeded}},
		{
			name:  "real error",
			tasks: []func(context.Context) error{waitDone, func(ctx context.Context) error { <-ctx.Done(); return errA }},
			want:  []error{errA},
		},
		{name: "nil", tasks: []func(context.Context) error{nilAtDeadline, nilAtDeadline}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				start := time.Now()
				err := nursery.Run(parent, func(ctx context.Context, n *nursery.Nursery) error {
					for _, task := range tc.tasks {
						n.Go(task)
					}
					return nil
				})
				checkErrors(t, err, tc.want...)
				if got := time.Since(start); got != time.Minute {
					t.Errorf("Run returned after %v, want at the parent's deadline, %v", got, time.Minute)
				}
			})
		})
	}
}

// Guarantee 5 and Cancel: Cancel ends the nursery early without failing it.

var errStop = errors.New("enough results")

func TestCancel(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cause     error // passed to Cancel
		wantCause error // what the tasks see
		extra     func(ctx context.Context) error
		want      []error
	}{
		{name: "cause", cause: errStop, wantCause: errStop},
		{name: "nil cause is Canceled", cause: nil, wantCause: context.Canceled},
		{
			name: "a real error after Cancel is returned", cause: errStop, wantCause: errStop,
			extra: func(ctx context.Context) error { <-ctx.Done(); return errA },
			want:  []error{errA},
		},
		{
			name: "a real error wrapping Canceled after Cancel(nil) is an echo", cause: nil, wantCause: context.Canceled,
			extra: func(ctx context.Context) error { <-ctx.Done(); return fmt.Errorf("flush: %w", ctx.Err()) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const tasks = 3
				causes := make(chan error, tasks)
				echoes := []func(ctx context.Context) error{
					func(ctx context.Context) error { return ctx.Err() },
					func(ctx context.Context) error { return context.Cause(ctx) },
					func(ctx context.Context) error { return fmt.Errorf("query: %w", context.Cause(ctx)) },
				}
				err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
					for _, echo := range echoes {
						n.Go(func(ctx context.Context) error {
							<-ctx.Done()
							causes <- context.Cause(ctx)
							return echo(ctx)
						})
					}
					if tc.extra != nil {
						n.Go(tc.extra)
					}
					synctest.Wait()
					n.Cancel(tc.cause)
					return context.Cause(ctx)
				})
				checkErrors(t, err, tc.want...)
				for range tasks {
					if got := <-causes; got != tc.wantCause {
						t.Errorf("after Cancel(%v), a task saw Cause(ctx) = %v, want %v", tc.cause, got, tc.wantCause)
					}
				}
			})
		})
	}
}

// Cancel from a task ends the nursery too, and does not wait for the tasks.
func TestCancelFromTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var returned atomic.Bool
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(waitDone)
			n.Go(func(ctx context.Context) error {
				n.Cancel(errStop) // would deadlock if Cancel waited for the tasks
				returned.Store(true)
				return nil
			})
			return nil
		})
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
		if !returned.Load() {
			t.Errorf("Cancel did not return")
		}
	})
}

// Cancel after a failure changes nothing: the failure stays the cause and
// the error comes back.
func TestCancelAfterFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cause atomic.Value
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(context.Context) error { return errA })
			<-ctx.Done()
			n.Cancel(errStop)
			n.Go(func(ctx context.Context) error {
				cause.Store(context.Cause(ctx))
				return ctx.Err()
			})
			return nil
		})
		checkErrors(t, err, errA)
		if got := cause.Load(); got != errA {
			t.Errorf("after Cancel following a failure, Cause(ctx) = %v, want %v", got, errA)
		}
	})
}

// fieldErrors is an error whose dynamic type is not comparable, like the
// map-typed validation errors some libraries return.
type fieldErrors map[string]string

func (e fieldErrors) Error() string { return fmt.Sprintf("invalid fields: %v", map[string]string(e)) }

// Errors of a type that is not comparable are root errors like any other:
// the nursery must not use them as map keys, and cannot tell two of them
// apart, so each is reported.
func TestNonComparableErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e1, e2 := fieldErrors{"name": "empty"}, fieldErrors{"age": "negative"}
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(context.Context) error { return e1 })
			time.Sleep(time.Second)
			n.Go(func(context.Context) error { return e2 })
			return nil
		}, nursery.Supervise())
		parts := joined(err)
		if len(parts) != 2 || fmt.Sprint(parts[0]) != e1.Error() || fmt.Sprint(parts[1]) != e2.Error() {
			t.Errorf("Run() = %v, want %v and %v joined", err, e1, e2)
		}
	})
}

// valueCause is a comparable error type with value receivers.
type valueCause struct{ reason string }

func (e valueCause) Error() string { return e.reason }

// When the tasks only echo the parent's cancellation, Run returns the
// parent's cause whatever its type, including one that is not comparable.
func TestParentCauseOfAnyType(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cause error
	}{
		{name: "pointer", cause: errParent},
		{name: "comparable value", cause: valueCause{"shutting down"}},
		{name: "not comparable", cause: fieldErrors{"request": "withdrawn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent, cancel := context.WithCancelCause(t.Context())
				defer cancel(nil)
				err := nursery.Run(parent, func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(waitDone)
					n.Go(func(ctx context.Context) error {
						<-ctx.Done()
						return fmt.Errorf("query: %w", ctx.Err())
					})
					synctest.Wait()
					cancel(tc.cause)
					return nil
				})
				if !reflect.DeepEqual(err, tc.cause) || reflect.TypeOf(err) != reflect.TypeOf(tc.cause) {
					t.Errorf("Run() = %v (%T), want the parent's cause %v (%T)", err, err, tc.cause, tc.cause)
				}
			})
		})
	}
}
