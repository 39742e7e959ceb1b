package nursery_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// TestSpawnOutcome checks, for each way a future's task can end, what
// Await returns (during Run, and again after Run returned) and what Run
// does, whether the future is awaited by the body, awaited by a sibling
// that returns Await's error, or not awaited at all.
func TestSpawnOutcome(t *testing.T) {
	tests := []struct {
		name       string
		task       func(ctx context.Context) (int, error)
		wantValue  int
		wantErr    error // Await's error and Run's, compared with ==
		wantPanic  bool  // Await returns the *PanicError that Run panics with
		wantGoexit bool  // Await returns ErrGoexit, and Run calls runtime.Goexit
	}{
		{
			name: "value",
			task: func(ctx context.Context) (int, error) { return 42, nil },
			// Await returns it; Run returns nil.
			wantValue: 42,
		},
		{
			name:      "error",
			task:      func(ctx context.Context) (int, error) { return 7, s5err.boom },
			wantValue: 7,
			wantErr:   s5err.boom,
		},
		{
			name: "panic",
			task: func(ctx context.Context) (int, error) {
				s5panicInFuture()
				return 1, nil
			},
			wantPanic: true,
		},
		{
			name: "Goexit",
			task: func(ctx context.Context) (int, error) {
				runtime.Goexit()
				return 1, nil
			},
			wantGoexit: true,
		},
	}
	modes := []string{"awaited by the body", "awaited by a sibling", "not awaited"}
	for _, tt := range tests {
		for _, mode := range modes {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					var f *nursery.Future[int]
					var during struct {
						awaited bool
						v       int
						err     error
					}
					var siblingCause error
					out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
						n.Go(func(ctx context.Context) error {
							<-ctx.Done()
							siblingCause = context.Cause(ctx)
							return ctx.Err()
						})
						f = nursery.Spawn(n, func(ctx context.Context) (int, error) {
							time.Sleep(time.Second)
							return tt.task(ctx)
						})
						switch mode {
						case "awaited by the body":
							during.v, during.err = f.Await(ctx)
							during.awaited = true
							if during.err == nil {
								n.Cancel(nil) // let the waiting sibling go
							}
							return during.err
						case "awaited by a sibling":
							n.Go(func(ctx context.Context) error {
								during.v, during.err = f.Await(ctx)
								during.awaited = true
								if during.err == nil {
									n.Cancel(nil)
								}
								return during.err
							})
						default:
							n.Go(func(ctx context.Context) error {
								// Only to let the waiting sibling go when nothing fails.
								<-f.Done()
								if !tt.wantPanic && !tt.wantGoexit && tt.wantErr == nil {
									n.Cancel(nil)
								}
								return nil
							})
						}
						return nil
					})

					// After Run: the future has its result, however Run ended.
					select {
					case <-f.Done():
					default:
						t.Fatalf("Done() is open after Run ended")
					}
					v, err := f.Await(context.Background())

					switch {
					case tt.wantPanic:
						if out.returned || out.goexit {
							t.Fatalf("Run ended with %+v, want a panic", out)
						}
						pe := s5checkPanicError(t, out.panicked, "s5: panic in future", "s5panicInFuture")
						if err != error(pe) {
							t.Errorf("after Run, Await = %v, %v, want Run's *PanicError", v, err)
						}
						if siblingCause != error(pe) {
							t.Errorf("sibling's Cause(ctx) = %v, want Run's *PanicError", siblingCause)
						}
						if during.awaited && during.err != error(pe) {
							t.Errorf("during Run, Await = %v, %v, want Run's *PanicError", during.v, during.err)
						}
						if v != 0 || during.v != 0 {
							t.Errorf("Await's value = %v (during Run), %v (after), want 0", during.v, v)
						}
						return
					case tt.wantGoexit:
						if !out.goexit {
							t.Fatalf("Run ended with %+v, want runtime.Goexit", out)
						}
						if v != 0 || err != nursery.ErrGoexit {
							t.Errorf("after Run, Await = %v, %v, want 0, ErrGoexit", v, err)
						}
						if siblingCause != nursery.ErrGoexit {
							t.Errorf("sibling's Cause(ctx) = %v, want ErrGoexit", siblingCause)
						}
						if during.awaited && (during.v != 0 || during.err != nursery.ErrGoexit) {
							t.Errorf("during Run, Await = %v, %v, want 0, ErrGoexit", during.v, during.err)
						}
						return
					}

					if !out.returned {
						t.Fatalf("Run ended with %+v, want it to return", out)
					}
					if out.err != tt.wantErr {
						t.Errorf("Run = %v, want %v", out.err, tt.wantErr)
					}
					if v != tt.wantValue || err != tt.wantErr {
						t.Errorf("after Run, Await = %v, %v, want %v, %v", v, err, tt.wantValue, tt.wantErr)
					}
					if during.awaited && (during.v != tt.wantValue || during.err != tt.wantErr) {
						t.Errorf("during Run, Await = %v, %v, want %v, %v", during.v, during.err, tt.wantValue, tt.wantErr)
					}
					if tt.wantErr != nil && siblingCause != tt.wantErr {
						t.Errorf("sibling's Cause(ctx) = %v, want %v", siblingCause, tt.wantErr)
					}
				})
			})
		}
	}
}

// s5panicInFuture panics; a *PanicError's stack must name it.
func s5panicInFuture() {
	panic("s5: panic in future")
}

// TestAwaitEchoAddsNothing: a task that returns the error of a failed
// future it awaited adds nothing to Run's errors: it is an echo of the
// cancellation, or, under Supervise, the same error value.
func TestAwaitEchoAddsNothing(t *testing.T) {
	tests := []struct {
		name string
		opts []nursery.Option
	}{
		{"canceling", nil},
		{"Supervise", []nursery.Option{nursery.Supervise()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					f := nursery.Spawn(n, func(ctx context.Context) (string, error) {
						time.Sleep(time.Second)
						return "", s5err.boom
					})
					for range 3 {
						n.Go(func(ctx context.Context) error {
							_, err := f.Await(ctx)
							return err
						})
					}
					_, err := f.Await(ctx)
					return err
				}, tt.opts...)
				if !out.returned || out.err != s5err.boom {
					t.Errorf("Run ended with %+v, want it to return %v alone", out, s5err.boom)
				}
			})
		})
	}
}

// TestAwaitContextEndsFirst: Await gives up with its own context's cause
// when that context ends first, while the task runs on; once the task has
// ended, Await returns its result even with a done context.
func TestAwaitContextEndsFirst(t *testing.T) {
	errImpatient := errors.New("s5: impatient")
	tests := []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		wantAt time.Duration
	}{
		{"canceled before Await", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(errImpatient)
			return ctx, func() {}
		}, 0},
		{"deadline 2s into the task", func() (context.Context, context.CancelFunc) {
			return context.WithTimeoutCause(context.Background(), 2*time.Second, errImpatient)
		}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				begin := time.Now()
				out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					f := nursery.Spawn(n, func(ctx context.Context) (int, error) {
						time.Sleep(5 * time.Second)
						return 42, nil
					})
					actx, cancel := tt.ctx()
					defer cancel()
					v, err := f.Await(actx)
					if v != 0 || err != errImpatient {
						t.Errorf("Await = %v, %v, want 0, %v", v, err, errImpatient)
					}
					if at := time.Since(begin); at != tt.wantAt {
						t.Errorf("Await returned at %v, want %v", at, tt.wantAt)
					}
					select {
					case <-f.Done():
						t.Errorf("Done() is closed while the task runs")
					default:
					}
					if ctx.Err() != nil {
						t.Errorf("Await's own context canceled the nursery: %v", context.Cause(ctx))
					}

					// The task runs on, and its result is still there.
					v, err = f.Await(ctx)
					if v != 42 || err != nil {
						t.Errorf("second Await = %v, %v, want 42, nil", v, err)
					}
					if at := time.Since(begin); at != 5*time.Second {
						t.Errorf("second Await returned at %v, want 5s", at)
					}
					// Now that the task has ended, a done context does not hide the result.
					v, err = f.Await(actx)
					if v != 42 || err != nil {
						t.Errorf("Await with a done context after the task ended = %v, %v, want 42, nil", v, err)
					}
					return nil
				})
				if !out.returned || out.err != nil {
					t.Errorf("Run ended with %+v, want it to return nil", out)
				}
			})
		})
	}
}

// TestFutureDone: Done is open while the task runs and closed exactly
// when it ends, and Await then returns at once.
func TestFutureDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		begin := time.Now()
		out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			f := nursery.Spawn(n, func(ctx context.Context) (string, error) {
				time.Sleep(3 * time.Second)
				return "done", nil
			})
			synctest.Wait()
			select {
			case <-f.Done():
				t.Errorf("Done() is closed while the task runs")
			default:
			}
			<-f.Done()
			if at := time.Since(begin); at != 3*time.Second {
				t.Errorf("Done() closed at %v, want 3s", at)
			}
			canceled, cancel := context.WithCancel(ctx)
			cancel()
			if v, err := f.Await(canceled); v != "done" || err != nil {
				t.Errorf("Await after Done = %q, %v, want %q, nil", v, err, "done")
			}
			return nil
		})
		if !out.returned || out.err != nil {
			t.Errorf("Run ended with %+v, want it to return nil", out)
		}
	})
}

// TestSpawnCountsTowardLimit: a Spawn task holds a slot of a limited
// nursery, and a Spawn task queued behind a full limit starts when the slot
// is free.
func TestSpawnCountsTowardLimit(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			begin := time.Now()
			var startedAt time.Duration
			out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				first := nursery.Spawn(n, func(ctx context.Context) (int, error) {
					time.Sleep(2 * time.Second)
					return 1, nil
				})
				if n.TryGo(func(ctx context.Context) error { return nil }) {
					t.Errorf("TryGo = true while a Spawn task fills a Limit(1) nursery, want false")
				}
				second := nursery.Spawn(n, func(ctx context.Context) (int, error) {
					startedAt = time.Since(begin)
					return 2, nil
				})
				a, errA := first.Await(ctx)
				b, errB := second.Await(ctx)
				if a != 1 || b != 2 || errA != nil || errB != nil {
					t.Errorf("Await = %v, %v and %v, %v, want 1, nil and 2, nil", a, errA, b, errB)
				}
				return nil
			}, nursery.Limit(1))
			if startedAt != 2*time.Second {
				t.Errorf("queued Spawn task started at %v, want 2s", startedAt)
			}
			if !out.returned || out.err != nil {
				t.Errorf("Run ended with %+v, want it to return nil", out)
			}
		})
	})
}

// TestSpawnDroppedByCanceledNursery: a future whose task a limited nursery
// drops because it was canceled before the task started resolves with the
// nursery's cancellation cause, and its task never runs.
func TestSpawnDroppedByCanceledNursery(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		tests := []struct {
			name string
			// body fills a Limit(1) nursery, spawns the future's task behind the
			// limit, and cancels the nursery.
			body      func(ctx context.Context, n *nursery.Nursery, spawn func() *nursery.Future[int]) (*nursery.Future[int], error)
			queue     int
			wantCause error
			wantRun   error
		}{
			{
				name:  "queued when Cancel is called",
				queue: 1,
				body: func(ctx context.Context, n *nursery.Nursery, spawn func() *nursery.Future[int]) (*nursery.Future[int], error) {
					n.Go(func(ctx context.Context) error {
						<-ctx.Done()
						return ctx.Err()
					})
					f := spawn() // queued: the queue has room
					n.Cancel(s5err.stop)
					return f, nil
				},
				wantCause: s5err.stop,
			},
			{
				name:  "queued when the body fails",
				queue: 1,
				body: func(ctx context.Context, n *nursery.Nursery, spawn func() *nursery.Future[int]) (*nursery.Future[int], error) {
					n.Go(func(ctx context.Context) error {
						<-ctx.Done()
						return ctx.Err()
					})
					return spawn(), s5err.boom
				},
				wantCause: s5err.boom,
				wantRun:   s5err.boom,
			},
			{
				name: "Spawn waiting for room when a task cancels",
				body: func(ctx context.Context, n *nursery.Nursery, spawn func() *nursery.Future[int]) (*nursery.Future[int], error) {
					n.Go(func(ctx context.Context) error {
						time.Sleep(time.Second)
						n.Cancel(s5err.stop)
						return nil
					})
					return spawn(), nil // blocks until the Cancel
				},
				wantCause: s5err.stop,
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ran := false
					var f *nursery.Future[int]
					out := s5run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
						var err error
						f, err = tt.body(ctx, n, func() *nursery.Future[int] {
							return nursery.Spawn(n, func(ctx context.Context) (int, error) {
								ran = true
								return 1, nil
							})
						})
						return err
					}, nursery.Limit(1), nursery.Queue(tt.queue))
					if !out.returned || out.err != tt.wantRun {
						t.Errorf("Run ended with %+v, want it to return %v", out, tt.wantRun)
					}
					if ran {
						t.Errorf("the dropped future's task ran")
					}
					select {
					case <-f.Done():
					default:
						t.Fatalf("Done() is open after Run returned")
					}
					if v, err := f.Await(context.Background()); v != 0 || err != tt.wantCause {
						t.Errorf("Await = %v, %v, want 0, %v", v, err, tt.wantCause)
					}
				})
			})
		}
	})
}

// TestSpawnMisusePanics: misuse panics at the call, with a nursery:
// message.
func TestSpawnMisusePanics(t *testing.T) {
	var closed *nursery.Nursery
	if err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		closed = n //scoped:allow nurseryescape: the test checks misuse after Run returned
		return nil
	}); err != nil {
		t.Fatalf("Run = %v", err)
	}
	ran := false
	var nilCtx context.Context
	tests := []struct {
		name string
		call func(n *nursery.Nursery, unfinished *nursery.Future[int])
		want string
	}{
		{"Spawn with a nil task", func(n *nursery.Nursery, _ *nursery.Future[int]) {
			nursery.Spawn[int](n, nil)
		}, "nil task"},
		{"Spawn with a nil Nursery", func(*nursery.Nursery, *nursery.Future[int]) {
			nursery.Spawn(nil, func(ctx context.Context) (int, error) { ran = true; return 0, nil })
		}, "nil Nursery"},
		{"Spawn after Run returned", func(*nursery.Nursery, *nursery.Future[int]) {
			nursery.Spawn(closed, func(ctx context.Context) (int, error) { ran = true; return 0, nil })
		}, "after Run returned"},
		{"Await with a nil context on an unfinished future", func(_ *nursery.Nursery, f *nursery.Future[int]) {
			_, _ = f.Await(nilCtx)
		}, "nil context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r any
			err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				release := make(chan struct{})
				unfinished := nursery.Spawn(n, func(ctx context.Context) (int, error) {
					<-release
					return 1, nil
				})
				r = s5panicValue(func() { tt.call(n, unfinished) })
				close(release)
				return nil
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
		t.Errorf("a misused Spawn's task ran")
	}
}

// TestAwaitNilContextPanicsInEveryState: Await(nil) is misuse whatever
// the future's state, not only while its task is running.
func TestAwaitNilContextPanicsInEveryState(t *testing.T) {
	var nilCtx context.Context
	// Each state returns a future in that state, and a function that lets
	// its task go on, or nil.
	spawnAndWait := func(n *nursery.Nursery, task func(context.Context) (int, error)) *nursery.Future[int] {
		f := nursery.Spawn(n, task)
		<-f.Done()
		return f
	}
	tests := []struct {
		name  string
		opts  []nursery.Option
		state func(n *nursery.Nursery) (f *nursery.Future[int], release func())
	}{
		{name: "pending", state: func(n *nursery.Nursery) (*nursery.Future[int], func()) {
			release := make(chan struct{})
			f := nursery.Spawn(n, func(context.Context) (int, error) {
				<-release
				return 1, nil
			})
			return f, func() { close(release) }
		}},
		{name: "returned a value", state: func(n *nursery.Nursery) (*nursery.Future[int], func()) {
			return spawnAndWait(n, func(context.Context) (int, error) { return 1, nil }), nil
		}},
		{name: "returned an error", state: func(n *nursery.Nursery) (*nursery.Future[int], func()) {
			return spawnAndWait(n, func(context.Context) (int, error) { return 0, errA }), nil
		}},
		{name: "panicked", state: func(n *nursery.Nursery) (*nursery.Future[int], func()) {
			return spawnAndWait(n, func(context.Context) (int, error) { panic("boom") }), nil
		}},
		{name: "called runtime.Goexit", state: func(n *nursery.Nursery) (*nursery.Future[int], func()) {
			return spawnAndWait(n, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }), nil
		}},
		{name: "dropped", opts: []nursery.Option{nursery.Limit(1)}, state: func(n *nursery.Nursery) (*nursery.Future[int], func()) {
			// The limit is full and the nursery canceled: Spawn drops the
			// task, which never runs.
			release := make(chan struct{})
			n.Go(func(context.Context) error {
				<-release
				return nil
			})
			n.Cancel(nil)
			f := spawnAndWait(n, func(context.Context) (int, error) {
				t.Error("a dropped future's task ran")
				return 0, nil
			})
			return f, func() { close(release) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r any
			// Run's own outcome (a re-raised panic or Goexit for some
			// states) is not what this test is about.
			capture(func() {
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					f, release := tt.state(n)
					r = s5panicValue(func() { _, _ = f.Await(nilCtx) })
					if release != nil {
						release()
					}
					return nil
				}, tt.opts...)
			})
			msg, _ := r.(string)
			if !strings.HasPrefix(msg, "nursery: ") || !strings.Contains(msg, "nil context") {
				t.Errorf("Await(nil) on a future that %s panicked with %#v, want a string starting %q that says %q", tt.name, r, "nursery: ", "nil context")
			}
		})
	}
}
