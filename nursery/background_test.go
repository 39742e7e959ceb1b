package nursery_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// TestBackgroundCanceledWhenOthersReturn pins, in virtual time, the moment
// a background task is canceled: when the body and every other task,
// including tasks started by tasks, have returned, and not before.
func TestBackgroundCanceledWhenOthersReturn(t *testing.T) {
	tests := []struct {
		name string
		body func(ctx context.Context, n *nursery.Nursery) error
		want time.Duration
	}{
		{
			name: "body returns at once",
			body: func(ctx context.Context, n *nursery.Nursery) error { return nil },
			want: 0,
		},
		{
			name: "body returns at 3s",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				time.Sleep(3 * time.Second)
				return nil
			},
			want: 3 * time.Second,
		},
		{
			name: "Go task ends at 5s",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(ctx context.Context) error {
					time.Sleep(5 * time.Second)
					return nil
				})
				return nil
			},
			want: 5 * time.Second,
		},
		{
			name: "task started at 5s by a task runs until 8s",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(ctx context.Context) error {
					time.Sleep(5 * time.Second)
					n.Go(func(ctx context.Context) error {
						time.Sleep(3 * time.Second)
						return nil
					})
					return nil
				})
				return nil
			},
			want: 8 * time.Second,
		},
		{
			name: "Start task runs until 4s after ready",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				return n.Start(func(ctx context.Context, ready func()) error {
					ready()
					time.Sleep(4 * time.Second)
					return nil
				})
			},
			want: 4 * time.Second,
		},
		{
			name: "Start task becomes ready at 2s",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(ctx context.Context) error {
					return n.Start(func(ctx context.Context, ready func()) error {
						time.Sleep(2 * time.Second)
						ready()
						return nil
					})
				})
				return nil
			},
			want: 2 * time.Second,
		},
		{
			name: "Spawn task ends at 6s",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				nursery.Spawn(n, func(ctx context.Context) (int, error) {
					time.Sleep(6 * time.Second)
					return 1, nil
				})
				return nil
			},
			want: 6 * time.Second,
		},
		{
			name: "limited tasks queued until 7s",
			body: func(ctx context.Context, n *nursery.Nursery) error {
				for range 7 {
					n.Go(func(ctx context.Context) error {
						time.Sleep(time.Second)
						return nil
					})
				}
				return nil
			},
			want: 7 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				begin := time.Now()
				var at time.Duration
				var cause error
				out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Background(func(ctx context.Context) error {
						<-ctx.Done()
						at = time.Since(begin)
						cause = context.Cause(ctx)
						return ctx.Err()
					})
					return tt.body(ctx, n)
				}, nursery.Limit(1), nursery.Queue(1)) // a queue, for the task that starts a task
				if at != tt.want {
					t.Errorf("background task canceled at %v, want %v", at, tt.want)
				}
				if !errors.Is(cause, context.Canceled) {
					t.Errorf("background task's Cause(ctx) = %v, want one that matches context.Canceled", cause)
				}
				if !out.returned || out.err != nil {
					t.Errorf("Run ended with %+v, want it to return nil", out)
				}
				if got := time.Since(begin); got != tt.want {
					t.Errorf("Run returned at %v, want %v", got, tt.want)
				}
			})
		})
	}
}

// TestBackgroundRunWaitsForIt: after canceling its background tasks, Run
// waits for them to return, however long they take.
func TestBackgroundRunWaitsForIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		begin := time.Now()
		flushed := false
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Background(func(ctx context.Context) error {
				<-ctx.Done()
				time.Sleep(2 * time.Second) // a last flush
				flushed = true
				return ctx.Err()
			})
			n.Go(func(ctx context.Context) error {
				time.Sleep(time.Second)
				return nil
			})
			return nil
		})
		if !flushed {
			t.Errorf("Run returned before its background task")
		}
		if !out.returned || out.err != nil {
			t.Errorf("Run ended with %+v, want it to return nil", out)
		}
		if got := time.Since(begin); got != 3*time.Second {
			t.Errorf("Run returned at %v, want 3s", got)
		}
	})
}

// TestBackgroundEchoIsNotAnError: however a background task echoes its
// cancellation, and whatever canceled it, the echo is dropped.
func TestBackgroundEchoIsNotAnError(t *testing.T) {
	echoes := []struct {
		name string
		echo func(ctx context.Context) error
	}{
		{"ctx.Err()", func(ctx context.Context) error { return ctx.Err() }},
		{"Cause(ctx)", func(ctx context.Context) error { return context.Cause(ctx) }},
		{"wrapped ctx.Err()", func(ctx context.Context) error { return fmt.Errorf("flush: %w", ctx.Err()) }},
		{"wrapped Cause(ctx)", func(ctx context.Context) error { return fmt.Errorf("flush: %w", context.Cause(ctx)) }},
	}
	ends := []struct {
		name    string
		body    func(ctx context.Context, n *nursery.Nursery) error
		wantErr error
	}{
		{"the others returned", func(ctx context.Context, n *nursery.Nursery) error {
			return nil
		}, nil},
		{"Cancel", func(ctx context.Context, n *nursery.Nursery) error {
			n.Cancel(s5err.stop)
			return nil
		}, nil},
		{"a task failed", func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error { return s5err.boom })
			<-ctx.Done()
			return nil
		}, s5err.boom},
	}
	for _, end := range ends {
		for _, echo := range echoes {
			t.Run(end.name+"/"+echo.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
						n.Background(func(ctx context.Context) error {
							<-ctx.Done()
							return echo.echo(ctx)
						})
						return end.body(ctx, n)
					})
					if !out.returned || out.err != end.wantErr {
						t.Errorf("Run ended with %+v, want it to return %v", out, end.wantErr)
					}
				})
			})
		}
	}
}

// TestBackgroundFailureFailsNursery: a background task's own failure,
// before the others are done, cancels the nursery and is returned by Run.
func TestBackgroundFailureFailsNursery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		begin := time.Now()
		var bodyCause, taskCause error
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Background(func(ctx context.Context) error {
				time.Sleep(2 * time.Second)
				return s5err.boom
			})
			n.Go(func(ctx context.Context) error {
				<-ctx.Done()
				taskCause = context.Cause(ctx)
				return ctx.Err()
			})
			<-ctx.Done()
			bodyCause = context.Cause(ctx)
			return context.Cause(ctx)
		})
		if !out.returned || out.err != s5err.boom {
			t.Errorf("Run ended with %+v, want it to return %v", out, s5err.boom)
		}
		if bodyCause != s5err.boom || taskCause != s5err.boom {
			t.Errorf("Cause(ctx) = %v in the body and %v in a task, want %v", bodyCause, taskCause, s5err.boom)
		}
		if got := time.Since(begin); got != 2*time.Second {
			t.Errorf("Run returned at %v, want 2s", got)
		}
	})
}

// TestBackgroundPanic: a panic in a background task cancels the nursery
// and is re-raised by Run as the *PanicError the others saw as the cause.
func TestBackgroundPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cause error
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Background(func(ctx context.Context) error {
				time.Sleep(time.Second)
				panic("s5: background panic")
			})
			<-ctx.Done()
			cause = context.Cause(ctx)
			return nil
		})
		if out.returned || out.goexit {
			t.Fatalf("Run ended with %+v, want a panic", out)
		}
		pe := s5checkPanicError(t, out.panicked, "s5: background panic", "TestBackgroundPanic")
		if pe != nil && cause != error(pe) {
			t.Errorf("body's Cause(ctx) = %v, want Run's *PanicError", cause)
		}
	})
}

// TestBackgroundNotCountedTowardLimit: in a Limit(1) nursery, a running
// background task leaves the slot free, and background tasks start while
// the nursery is full, so that the full nursery's task can wait for them.
func TestBackgroundNotCountedTowardLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Background(func(ctx context.Context) error {
				<-ctx.Done()
				return nil
			})
			synctest.Wait()
			if !n.TryGo(func(ctx context.Context) error { return nil }) {
				t.Errorf("TryGo = false in a Limit(1) nursery running only a background task, want true")
			}
			synctest.Wait() // the TryGo task has returned
			started := make(chan struct{})
			n.Go(func(ctx context.Context) error {
				<-started
				<-started
				return nil
			})
			for range 2 {
				n.Background(func(ctx context.Context) error {
					started <- struct{}{}
					<-ctx.Done()
					return nil
				})
			}
			return nil
		}, nursery.Limit(1))
		if !out.returned || out.err != nil {
			t.Errorf("Run ended with %+v, want it to return nil", out)
		}
	})
}

// TestBackgroundMisusePanics: misuse panics at the call, with a nursery:
// message.
func TestBackgroundMisusePanics(t *testing.T) {
	var closed *nursery.Nursery
	if err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		closed = n //scoped:allow nurseryescape: the test checks misuse after Run returned
		return nil
	}); err != nil {
		t.Fatalf("Run = %v", err)
	}
	ran := false
	tests := []struct {
		name string
		call func(n *nursery.Nursery)
		want string
	}{
		{"nil task", func(n *nursery.Nursery) { n.Background(nil) }, "nil task"},
		{"after Run returned", func(*nursery.Nursery) {
			closed.Background(func(ctx context.Context) error { ran = true; return nil })
		}, "after Run returned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r any
			err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				r = s5panicValue(func() { tt.call(n) })
				return nil
			})
			if err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
			msg, _ := r.(string)
			if !strings.HasPrefix(msg, "nursery: ") || !strings.Contains(msg, "Background") || !strings.Contains(msg, tt.want) {
				t.Errorf("panic = %#v, want a string starting with %q that names Background and says %q", r, "nursery: ", tt.want)
			}
		})
	}
	if ran {
		t.Errorf("a background task started after Run returned ran")
	}
}

// When a background task's failure cancels the nursery, the other
// background tasks see that failure as their cause, even if the rest of the
// tasks, woken by the same cancellation, return before the context package
// has finished canceling the nursery's children: Run must not cancel the
// background tasks with its own cause in that window. The window is widened
// by giving the nursery's context many children, which its cancellation
// visits in turn; the race needs real parallelism, so this runs outside
// synctest, many times. (Found by internal/proptest, about once in 5,000
// runs of one tree.)
func TestBackgroundSeesSiblingFailureAsCause(t *testing.T) {
	errX := errors.New("background failed")
	for i := range 2000 {
		var cause error
		var children []context.CancelFunc
		err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			for range 64 {
				_, cancel := context.WithCancel(ctx)
				children = append(children, cancel)
			}
			started := make(chan struct{})
			n.Background(func(ctx context.Context) error {
				close(started)
				<-ctx.Done()
				cause = context.Cause(ctx)
				return ctx.Err()
			})
			n.Go(func(ctx context.Context) error {
				<-ctx.Done()
				return nil
			})
			<-started
			n.Background(func(context.Context) error { return errX })
			return nil
		})
		for _, cancel := range children {
			cancel()
		}
		if err != errX {
			t.Fatalf("run %d: Run() = %v, want %v", i, err, errX)
		}
		if cause != errX {
			t.Fatalf("run %d: the other background task's Cause(ctx) = %v, want %v", i, cause, errX)
		}
	}
}
