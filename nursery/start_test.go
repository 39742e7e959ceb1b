package nursery_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// Helpers shared by start_test.go, background_test.go and future_test.go.
// Every package-level name here starts with s5, so that it cannot collide
// with the helpers of the package's other test files.

// s5err holds the sentinel errors the tests return and compare with ==.
var s5err = struct{ boom, stop error }{
	boom: errors.New("s5: boom"),
	stop: errors.New("s5: stop"),
}

// s5outcome is how a call to Run ended: it returned err, it panicked with
// panicked, or it called runtime.Goexit.
type s5outcome struct {
	returned bool
	err      error
	panicked any
	goexit   bool
}

// s5run calls Run in a goroutine of its own, so that a runtime.Goexit
// re-raised by Run can be observed, and reports how Run ended.
func s5run(ctx context.Context, body func(ctx context.Context, n *nursery.Nursery) error, opts ...nursery.Option) s5outcome {
	var out s5outcome
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if !out.returned {
				out.panicked = recover()
				out.goexit = out.panicked == nil
			}
		}()
		out.err = nursery.Run(ctx, body, opts...)
		out.returned = true
	}()
	<-done
	return out
}

// s5panicValue calls f and returns the value it panicked with, or nil.
func s5panicValue(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// s5panicBeforeReady panics; a *PanicError's stack must name it.
func s5panicBeforeReady() {
	panic("s5: panic before ready")
}

// s5checkPanicError reports on t unless v is a *nursery.PanicError with the
// given Value whose stack shows the function named frame.
func s5checkPanicError(t *testing.T, v any, value any, frame string) *nursery.PanicError {
	t.Helper()
	pe, ok := v.(*nursery.PanicError)
	if !ok {
		t.Errorf("panic value = %#v (%T), want a *nursery.PanicError", v, v)
		return nil
	}
	if pe.Value != value {
		t.Errorf("PanicError.Value = %#v, want %#v", pe.Value, value)
	}
	if !bytes.Contains(pe.Stack, []byte(frame)) {
		t.Errorf("PanicError.Stack does not show %s:\n%s", frame, pe.Stack)
	}
	return pe
}

// s5startOutcome is what the handshake between Start, its caller (the
// body) and its task produced.
type s5startOutcome struct {
	startReturned bool
	startErr      error
	startPanic    any           // the value Start panicked with, seen by the body
	cause         error         // context.Cause of the nursery once the tasks settled after Start returned
	lateCause     error         // the same after ready was called late
	run           s5outcome     // how Run ended
	runAt         time.Duration // when, in the bubble's time
}

// s5runStart runs, in the current synctest bubble, a nursery whose body
// calls setup, then Start with task, and returns Start's error if
// returnStartErr is set. If readyLater is set, the body then calls the
// task's ready function once more, from a goroutine of its own, after the
// task has returned.
func s5runStart(setup func(ctx context.Context, n *nursery.Nursery), task func(ctx context.Context, ready func()) error, readyLater, returnStartErr bool) s5startOutcome {
	var out s5startOutcome
	begin := time.Now()
	out.run = s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		defer func() {
			if !out.startReturned {
				if r := recover(); r != nil {
					out.startPanic = r
					panic(r)
				}
			}
		}()
		if setup != nil {
			setup(ctx, n)
		}
		var saved func()
		err := n.Start(func(ctx context.Context, ready func()) error {
			saved = ready
			return task(ctx, ready)
		})
		out.startReturned = true
		out.startErr = err
		synctest.Wait()
		out.cause = context.Cause(ctx)
		if readyLater {
			called := make(chan struct{})
			go func() {
				defer close(called)
				saved()
			}()
			<-called
			synctest.Wait()
			out.lateCause = context.Cause(ctx)
		}
		if returnStartErr {
			return err
		}
		return nil
	})
	out.runAt = time.Since(begin)
	return out
}

// TestStartHandshake runs Start's handshake in every order of ready, the
// task's end and the nursery's cancellation, and checks what reaches
// Start's caller and what reaches the nursery.
func TestStartHandshake(t *testing.T) {
	tests := []struct {
		name           string
		setup          func(ctx context.Context, n *nursery.Nursery)
		task           func(ctx context.Context, ready func()) error
		readyLater     bool // call ready again after the task returned, from another goroutine
		returnStartErr bool // the body returns Start's error

		wantStartErr error // compared with ==
		wantNotReady bool  // Start returns an error of its own instead
		wantPanic    bool  // Start panics with a *PanicError, and Run re-raises it
		wantGoexit   bool  // Start calls runtime.Goexit, and so does Run
		wantCause    error // the nursery's cause after Start returned
		wantRunErr   error
		wantRunAt    time.Duration
	}{
		{
			name: "ready then return nil",
			task: func(ctx context.Context, ready func()) error {
				ready()
				return nil
			},
		},
		{
			name: "ready then fail: the nursery fails",
			task: func(ctx context.Context, ready func()) error {
				ready()
				return s5err.boom
			},
			wantCause:  s5err.boom,
			wantRunErr: s5err.boom,
		},
		{
			name: "ready then run on in the nursery and fail later",
			task: func(ctx context.Context, ready func()) error {
				ready()
				time.Sleep(5 * time.Second)
				return s5err.boom
			},
			wantRunErr: s5err.boom,
			wantRunAt:  5 * time.Second,
		},
		{
			name: "ready from another goroutine",
			task: func(ctx context.Context, ready func()) error {
				called := make(chan struct{})
				go func() {
					defer close(called)
					ready()
				}()
				<-called
				return nil
			},
		},
		{
			name: "fail before ready: the caller's failure only",
			task: func(ctx context.Context, ready func()) error {
				return s5err.boom
			},
			wantStartErr: s5err.boom,
		},
		{
			name: "fail before ready, returned by the body",
			task: func(ctx context.Context, ready func()) error {
				return s5err.boom
			},
			returnStartErr: true,
			wantStartErr:   s5err.boom,
			wantRunErr:     s5err.boom,
		},
		{
			name: "return nil before ready",
			task: func(ctx context.Context, ready func()) error {
				return nil
			},
			wantNotReady: true,
		},
		{
			name: "panic before ready",
			task: func(ctx context.Context, ready func()) error {
				s5panicBeforeReady()
				return nil
			},
			wantPanic: true,
		},
		{
			name: "Goexit before ready",
			task: func(ctx context.Context, ready func()) error {
				runtime.Goexit()
				return nil
			},
			wantGoexit: true,
		},
		{
			name: "nursery canceled before Start",
			setup: func(ctx context.Context, n *nursery.Nursery) {
				n.Cancel(s5err.stop)
			},
			task: func(ctx context.Context, ready func()) error {
				<-ctx.Done()
				return context.Cause(ctx)
			},
			returnStartErr: true, // an echo
			wantStartErr:   s5err.stop,
			wantCause:      s5err.stop,
		},
		{
			name: "sibling fails while the task waits to be ready",
			setup: func(ctx context.Context, n *nursery.Nursery) {
				n.Go(func(ctx context.Context) error {
					time.Sleep(time.Second)
					return s5err.boom
				})
			},
			task: func(ctx context.Context, ready func()) error {
				<-ctx.Done()
				return context.Cause(ctx)
			},
			returnStartErr: true, // the same error value: reported once
			wantStartErr:   s5err.boom,
			wantCause:      s5err.boom,
			wantRunErr:     s5err.boom,
			wantRunAt:      time.Second,
		},
		{
			name: "ready called twice",
			task: func(ctx context.Context, ready func()) error {
				ready()
				ready()
				return nil
			},
		},
		{
			name: "ready called after the task failed, from another goroutine",
			task: func(ctx context.Context, ready func()) error {
				return s5err.boom
			},
			readyLater:   true,
			wantStartErr: s5err.boom,
		},
		{
			name: "ready called again after the task returned, from another goroutine",
			task: func(ctx context.Context, ready func()) error {
				ready()
				return nil
			},
			readyLater: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				out := s5runStart(tt.setup, tt.task, tt.readyLater, tt.returnStartErr)

				switch {
				case tt.wantPanic:
					if out.startReturned {
						t.Fatalf("Start returned %v, want a panic", out.startErr)
					}
					pe := s5checkPanicError(t, out.startPanic, "s5: panic before ready", "s5panicBeforeReady")
					if out.run.returned || out.run.goexit {
						t.Fatalf("Run ended with %+v, want the panic", out.run)
					}
					if got, ok := out.run.panicked.(*nursery.PanicError); !ok || got != pe {
						t.Errorf("Run panicked with %#v, want Start's *PanicError %p", out.run.panicked, pe)
					}
					return
				case tt.wantGoexit:
					if out.startReturned || out.startPanic != nil {
						t.Fatalf("Start returned %v or panicked with %v, want runtime.Goexit", out.startErr, out.startPanic)
					}
					if !out.run.goexit {
						t.Fatalf("Run ended with %+v, want runtime.Goexit", out.run)
					}
					return
				}

				if !out.startReturned {
					t.Fatalf("Start panicked with %v, want it to return", out.startPanic)
				}
				if tt.wantNotReady {
					if out.startErr == nil {
						t.Errorf("Start = nil, want an error saying the task returned without calling ready")
					}
				} else if out.startErr != tt.wantStartErr {
					t.Errorf("Start = %v, want %v", out.startErr, tt.wantStartErr)
				}
				if out.cause != tt.wantCause {
					t.Errorf("after Start, Cause(ctx) = %v, want %v", out.cause, tt.wantCause)
				}
				if tt.readyLater && out.lateCause != tt.wantCause {
					t.Errorf("after a late ready, Cause(ctx) = %v, want %v", out.lateCause, tt.wantCause)
				}
				if !out.run.returned {
					t.Fatalf("Run ended with %+v, want it to return", out.run)
				}
				if out.run.err != tt.wantRunErr {
					t.Errorf("Run = %v, want %v", out.run.err, tt.wantRunErr)
				}
				if out.runAt != tt.wantRunAt {
					t.Errorf("Run returned at %v, want %v", out.runAt, tt.wantRunAt)
				}
			})
		})
	}
}

// TestStartPanicBeforeReadyInTask: a panic before ready reaches the task
// that called Start, which fails the nursery with that same *PanicError.
func TestStartPanicBeforeReadyInTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var siblingCause error
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error {
				<-ctx.Done()
				siblingCause = context.Cause(ctx)
				return ctx.Err()
			})
			n.Go(func(ctx context.Context) error {
				return n.Start(func(ctx context.Context, ready func()) error {
					s5panicBeforeReady()
					return nil
				})
			})
			return nil
		})
		if out.returned || out.goexit {
			t.Fatalf("Run ended with %+v, want a panic", out)
		}
		pe := s5checkPanicError(t, out.panicked, "s5: panic before ready", "s5panicBeforeReady")
		if siblingCause != error(pe) {
			t.Errorf("sibling's Cause(ctx) = %v, want Run's *PanicError", siblingCause)
		}
	})
}

// TestStartGoexitBeforeReadyInTask: a Goexit before ready ends the task
// that called Start as if it had called runtime.Goexit itself.
func TestStartGoexitBeforeReadyInTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var siblingCause error
		returned := false
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error {
				<-ctx.Done()
				siblingCause = context.Cause(ctx)
				return ctx.Err()
			})
			n.Go(func(ctx context.Context) error {
				err := n.Start(func(ctx context.Context, ready func()) error {
					runtime.Goexit()
					return nil
				})
				returned = true
				return err
			})
			return nil
		})
		if !out.goexit {
			t.Fatalf("Run ended with %+v, want runtime.Goexit", out)
		}
		if returned {
			t.Errorf("Start returned, want runtime.Goexit in its caller")
		}
		if siblingCause != nursery.ErrGoexit {
			t.Errorf("sibling's Cause(ctx) = %v, want ErrGoexit", siblingCause)
		}
	})
}

// TestStartAfterReadyPanicFailsNursery: after ready, a panic is the
// nursery's, as for a task started with Go.
func TestStartAfterReadyPanicFailsNursery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var startErr error
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			startErr = n.Start(func(ctx context.Context, ready func()) error {
				ready()
				time.Sleep(time.Second)
				panic(s5err.boom)
			})
			return nil
		})
		if startErr != nil {
			t.Errorf("Start = %v, want nil", startErr)
		}
		if out.returned || out.goexit {
			t.Fatalf("Run ended with %+v, want a panic", out)
		}
		pe := s5checkPanicError(t, out.panicked, s5err.boom, "TestStartAfterReadyPanicFailsNursery")
		if pe != nil && !errors.Is(pe, s5err.boom) {
			t.Errorf("errors.Is(PanicError, s5err.boom) = false, want true")
		}
	})
}

// TestStartPanicBeforeReadyRecovered: a panic before ready is Start's
// caller's alone: a caller that recovers it leaves the nursery live.
func TestStartPanicBeforeReadyRecovered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r any
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			r = s5panicValue(func() {
				_ = n.Start(func(ctx context.Context, ready func()) error {
					s5panicBeforeReady()
					return nil
				})
			})
			synctest.Wait()
			if ctx.Err() != nil {
				t.Errorf("a recovered panic before ready canceled the nursery: %v", context.Cause(ctx))
			}
			return nil
		})
		s5checkPanicError(t, r, "s5: panic before ready", "s5panicBeforeReady")
		if !out.returned || out.err != nil {
			t.Errorf("Run ended with %+v, want it to return nil", out)
		}
	})
}

// TestStartNotCountedTowardLimit: in a Limit(1) nursery, a running Start
// task leaves the slot free, and Start and StartValue tasks proceed while a
// blocked Go task holds it.
func TestStartNotCountedTowardLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			if err := n.Start(func(ctx context.Context, ready func()) error {
				ready()
				<-ctx.Done()
				return nil
			}); err != nil {
				t.Errorf("Start = %v, want nil", err)
			}
			if !n.TryGo(func(ctx context.Context) error { return nil }) {
				t.Errorf("TryGo = false in a Limit(1) nursery running only a Start task, want true")
			}
			synctest.Wait() // the TryGo task has returned
			n.Go(func(ctx context.Context) error {
				<-ctx.Done()
				return nil
			})
			if n.TryGo(func(ctx context.Context) error { return nil }) {
				t.Errorf("TryGo = true in a full Limit(1) nursery, want false")
			}
			if err := n.Start(func(ctx context.Context, ready func()) error {
				ready()
				<-ctx.Done()
				return nil
			}); err != nil {
				t.Errorf("Start = %v, want nil", err)
			}
			v, err := nursery.StartValue(n, func(ctx context.Context, ready func(int)) error {
				ready(42)
				<-ctx.Done()
				return nil
			})
			if v != 42 || err != nil {
				t.Errorf("StartValue = %v, %v, want 42, nil", v, err)
			}
			n.Cancel(nil)
			return nil
		}, nursery.Limit(1))
		if !out.returned || out.err != nil {
			t.Errorf("Run ended with %+v, want it to return nil", out)
		}
	})
}

type s5endpoint struct {
	host string
	port int
}

// TestStartValue checks the value StartValue hands back in each order of
// ready and the task's end.
func TestStartValue(t *testing.T) {
	tests := []struct {
		name         string
		task         func(ctx context.Context, ready func(s5endpoint)) error
		want         s5endpoint
		wantErr      error // compared with ==
		wantNotReady bool
		wantRunErr   error
	}{
		{
			name: "ready then return nil",
			task: func(ctx context.Context, ready func(s5endpoint)) error {
				ready(s5endpoint{"a", 1})
				return nil
			},
			want: s5endpoint{"a", 1},
		},
		{
			name: "the first ready's value wins",
			task: func(ctx context.Context, ready func(s5endpoint)) error {
				ready(s5endpoint{"a", 1})
				ready(s5endpoint{"b", 2})
				return nil
			},
			want: s5endpoint{"a", 1},
		},
		{
			name: "ready then fail: the nursery fails",
			task: func(ctx context.Context, ready func(s5endpoint)) error {
				ready(s5endpoint{"a", 1})
				return s5err.boom
			},
			want:       s5endpoint{"a", 1},
			wantRunErr: s5err.boom,
		},
		{
			name: "fail before ready",
			task: func(ctx context.Context, ready func(s5endpoint)) error {
				return s5err.boom
			},
			wantErr: s5err.boom,
		},
		{
			name: "return nil before ready",
			task: func(ctx context.Context, ready func(s5endpoint)) error {
				return nil
			},
			wantNotReady: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var got s5endpoint
				var err error
				out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					got, err = nursery.StartValue(n, tt.task)
					return nil
				})
				if got != tt.want {
					t.Errorf("StartValue = %+v, want %+v", got, tt.want)
				}
				if tt.wantNotReady {
					if err == nil {
						t.Errorf("StartValue error = nil, want an error saying the task returned without calling ready")
					}
				} else if err != tt.wantErr {
					t.Errorf("StartValue error = %v, want %v", err, tt.wantErr)
				}
				if !out.returned || out.err != tt.wantRunErr {
					t.Errorf("Run ended with %+v, want it to return %v", out, tt.wantRunErr)
				}
			})
		})
	}
}

// TestStartValueLateReady: a ready called after the task failed changes
// nothing: StartValue has already returned the zero value.
func TestStartValueLateReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var saved func(int)
		var got int
		var err error
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			got, err = nursery.StartValue(n, func(ctx context.Context, ready func(int)) error {
				saved = ready
				return s5err.boom
			})
			synctest.Wait()
			called := make(chan struct{})
			go func() {
				defer close(called)
				saved(7)
			}()
			<-called
			if ctx.Err() != nil {
				t.Errorf("a late ready canceled the nursery: %v", context.Cause(ctx))
			}
			return nil
		})
		if got != 0 || err != s5err.boom {
			t.Errorf("StartValue = %v, %v, want 0, %v", got, err, s5err.boom)
		}
		if !out.returned || out.err != nil {
			t.Errorf("Run ended with %+v, want it to return nil", out)
		}
	})
}

// TestStartValuePanicBeforeReady: the zero value is never seen; the panic
// reaches StartValue's caller as a *PanicError with the task's stack.
func TestStartValuePanicBeforeReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		returned := false
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			_, _ = nursery.StartValue(n, func(ctx context.Context, ready func(string)) error {
				s5panicBeforeReady()
				return nil
			})
			returned = true
			return nil
		})
		if returned {
			t.Errorf("StartValue returned, want a panic")
		}
		if out.returned || out.goexit {
			t.Fatalf("Run ended with %+v, want a panic", out)
		}
		s5checkPanicError(t, out.panicked, "s5: panic before ready", "s5panicBeforeReady")
	})
}

// TestStartValueListener starts a real TCP server with StartValue: the
// address it hands back is bound and accepting when StartValue returns.
func TestStartValueListener(t *testing.T) {
	var reply string
	var dialErr error
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		addr, err := nursery.StartValue(n, func(ctx context.Context, ready func(net.Addr)) error {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			defer l.Close()
			stop := context.AfterFunc(ctx, func() { l.Close() })
			defer stop()
			ready(l.Addr())
			for {
				conn, err := l.Accept()
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				_, err = fmt.Fprintln(conn, "hello")
				conn.Close()
				if err != nil {
					return err
				}
			}
		})
		if err != nil {
			return err
		}
		defer n.Cancel(nil)
		conn, err := net.Dial(addr.Network(), addr.String())
		if err != nil {
			dialErr = err
			return nil
		}
		defer conn.Close()
		reply, dialErr = bufio.NewReader(conn).ReadString('\n')
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if dialErr != nil {
		t.Fatalf("talking to the server: %v", dialErr)
	}
	if reply != "hello\n" {
		t.Errorf("reply = %q, want %q", reply, "hello\n")
	}
}

// TestStartMisusePanics: misuse panics at the call, with a nursery:
// message.
func TestStartMisusePanics(t *testing.T) {
	var closed *nursery.Nursery
	if err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		closed = n //scoped:allow nurseryescape: the test checks misuse after Run returned
		return nil
	}); err != nil {
		t.Fatalf("Run = %v", err)
	}
	ok := func(ctx context.Context, ready func()) error { ready(); return nil }
	okValue := func(ctx context.Context, ready func(int)) error { ready(1); return nil }
	ran := false
	tests := []struct {
		name string
		call func(n *nursery.Nursery)
		want string
	}{
		{"Start with a nil task", func(n *nursery.Nursery) { _ = n.Start(nil) }, "nil task"},
		{"StartValue with a nil task", func(n *nursery.Nursery) { _, _ = nursery.StartValue[int](n, nil) }, "nil task"},
		{"StartValue with a nil Nursery", func(*nursery.Nursery) { _, _ = nursery.StartValue(nil, okValue) }, "nil Nursery"},
		{"Start after Run returned", func(*nursery.Nursery) {
			_ = closed.Start(func(ctx context.Context, ready func()) error { ran = true; return nil })
		}, "after Run returned"},
		{"StartValue after Run returned", func(*nursery.Nursery) {
			_, _ = nursery.StartValue(closed, func(ctx context.Context, ready func(int)) error { ran = true; return nil })
		}, "after Run returned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r any
			err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				r = s5panicValue(func() { tt.call(n) })
				// The nursery is still usable after the misuse.
				return n.Start(ok)
			})
			if err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
			msg, _ := r.(string)
			if !strings.HasPrefix(msg, "nursery: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("panic = %#v, want a string starting with %q that says %q", r, "nursery: ", tt.want)
			}
		})
	}
	if ran {
		t.Errorf("a task started after Run returned ran")
	}
}
