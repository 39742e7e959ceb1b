package taskgroup_test

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
)

// counted returns a sequence of 0..n-1 that counts the elements pulled.
func counted(n int, pulled *atomic.Int32) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			pulled.Add(1)
			if !yield(i) {
				return
			}
		}
	}
}

// sleepy sleeps for the element's own delay, then returns it.
func sleepy(delays ...time.Duration) func(context.Context, int) (int, error) {
	return func(_ context.Context, i int) (int, error) {
		time.Sleep(delays[i])
		return i, nil
	}
}

type pair struct {
	v   int
	err error
}

func collect(seq iter.Seq2[int, error]) []pair {
	var got []pair
	for v, err := range seq {
		got = append(got, pair{v, err})
	}
	return got
}

func TestStreamOrder(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		opts []taskgroup.Option
		want []int
	}{
		{name: "input order", opts: []taskgroup.Option{taskgroup.Limit(4)}, want: []int{0, 1, 2, 3}},
		{name: "completion order with Unordered", opts: []taskgroup.Option{taskgroup.Limit(4), taskgroup.Unordered()}, want: []int{2, 0, 3, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var pulled atomic.Int32
				var got []int
				for v, err := range taskgroup.Stream(context.Background(), counted(4, &pulled), sleepy(2*s, 4*s, s, 3*s), tt.opts...) {
					if err != nil {
						t.Fatalf("Stream yielded error %v", err)
					}
					got = append(got, v)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("Stream yielded %v want %v", got, tt.want)
				}
			})
		})
	}
}

func TestStreamIsLazy(t *testing.T) {
	const limit = 3
	for _, unordered := range []bool{false, true} {
		opts := []taskgroup.Option{taskgroup.Limit(limit)}
		if unordered {
			opts = append(opts, taskgroup.Unordered())
		}
		var pulled, calls atomic.Int32
		seq := taskgroup.Stream(context.Background(), counted(100, &pulled), func(_ context.Context, i int) (int, error) {
			calls.Add(1)
			return i, nil
		}, opts...)
		if p, c := pulled.Load(), calls.Load(); p != 0 || c != 0 {
			t.Fatalf("before the range: %d pulled, %d calls want 0, 0", p, c)
		}
		yielded := int32(0)
		for range seq {
			yielded++
			if p := pulled.Load(); p > yielded+limit {
				t.Fatalf("unordered %v: %d pulled with %d yielded want at most %d", unordered, p, yielded, yielded+limit)
			}
			if yielded == 10 {
				break
			}
		}
		if p := pulled.Load(); p > 10+limit {
			t.Errorf("unordered %v: %d pulled after a break at 10 want at most %d", unordered, p, 10+limit)
		}
	}
}

func TestStreamRunsAtMostLimit(t *testing.T) {
	tests := []struct {
		name  string
		opts  []taskgroup.Option
		procs int
		want  int32
	}{
		{name: "limit 2", opts: []taskgroup.Option{taskgroup.Limit(2)}, want: 2},
		{name: "limit 5 unordered", opts: []taskgroup.Option{taskgroup.Limit(5), taskgroup.Unordered()}, want: 5},
		{name: "default is GOMAXPROCS", procs: 3, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.procs > 0 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tt.procs))
			}
			synctest.Test(t, func(t *testing.T) {
				var running, peak atomic.Int32
				fn := func(_ context.Context, i int) (int, error) {
					peak.Store(max(peak.Load(), running.Add(1)))
					time.Sleep(time.Duration(1+i%3) * time.Second)
					running.Add(-1)
					return i, nil
				}
				var pulled atomic.Int32
				n := 0
				for _, err := range taskgroup.Stream(context.Background(), counted(20, &pulled), fn, tt.opts...) {
					if err != nil {
						t.Fatal(err)
					}
					n++
				}
				if n != 20 || peak.Load() != tt.want {
					t.Errorf("Stream: %d results, peak %d running want 20, %d", n, peak.Load(), tt.want)
				}
			})
		})
	}
}

func TestStreamBreakCancelsAndWaits(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			opts := []taskgroup.Option{taskgroup.Limit(4)}
			if unordered {
				opts = append(opts, taskgroup.Unordered())
			}
			var returned atomic.Int32
			var causes []error
			causeCh := make(chan error, 10)
			var pulled atomic.Int32
			for v := range taskgroup.Stream(context.Background(), counted(10, &pulled), func(ctx context.Context, i int) (int, error) {
				defer returned.Add(1)
				if i == 0 {
					return 0, nil
				}
				<-ctx.Done()
				causeCh <- context.Cause(ctx)
				return 0, errB // a real error, but after the break: dropped
			}, opts...) {
				if v != 0 {
					t.Errorf("Stream yielded %d want 0", v)
				}
				break
			}
			if n, p := returned.Load(), pulled.Load(); n != p {
				t.Errorf("unordered %v: the loop ended with %d of %d calls returned", unordered, n, p)
			}
			close(causeCh)
			for c := range causeCh {
				causes = append(causes, c)
			}
			for _, c := range causes {
				if !errors.Is(c, context.Canceled) {
					t.Errorf("unordered %v: a call in flight saw Cause(ctx) = %v want an error that is context.Canceled", unordered, c)
				}
			}
		})
	}
}

func TestStreamFailure(t *testing.T) {
	s := time.Second
	errC := errors.New("c")
	tests := []struct {
		name     string
		opts     []taskgroup.Option
		fn       func(ctx context.Context, i int) (int, error)
		want     []pair
		maxPulls int32 // at most the yielded results plus the limit
	}{
		{
			// 0 and 1 are done before 2 fails; 3 is canceled.
			name: "results before the failure come first",
			opts: []taskgroup.Option{taskgroup.Limit(4)},
			fn: func(ctx context.Context, i int) (int, error) {
				switch i {
				case 2:
					time.Sleep(2 * s)
					return 0, errA
				case 3:
					<-ctx.Done()
					return 0, ctx.Err()
				}
				time.Sleep(s)
				return i, nil
			},
			want:     []pair{{0, nil}, {1, nil}, {0, errA}},
			maxPulls: 6,
		},
		{
			// 2 fails first; 0 had finished, 1 is canceled.
			name: "a canceled call before the failure ends the results",
			opts: []taskgroup.Option{taskgroup.Limit(4)},
			fn: func(ctx context.Context, i int) (int, error) {
				switch i {
				case 0:
					return 0, nil
				case 2:
					time.Sleep(s)
					return 0, errA
				}
				<-ctx.Done()
				return 0, ctx.Err()
			},
			want:     []pair{{0, nil}, {0, errA}},
			maxPulls: 5,
		},
		{
			name: "unordered",
			opts: []taskgroup.Option{taskgroup.Limit(3), taskgroup.Unordered()},
			fn: func(ctx context.Context, i int) (int, error) {
				switch i {
				case 1:
					time.Sleep(s)
					return 1, nil
				case 2:
					time.Sleep(2 * s)
					return 0, errA
				}
				<-ctx.Done()
				return 0, ctx.Err()
			},
			want:     []pair{{1, nil}, {0, errA}},
			maxPulls: 4,
		},
		{
			name: "root errors joined as Run joins them",
			opts: []taskgroup.Option{taskgroup.Limit(2)},
			fn: func(ctx context.Context, i int) (int, error) {
				if i == 0 {
					time.Sleep(s)
					return 0, errA
				}
				<-ctx.Done()
				return 0, errC // a failure of its own, not an echo
			},
			want:     []pair{{0, errors.Join(errA, errC)}},
			maxPulls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var pulled atomic.Int32
				got := collect(taskgroup.Stream(context.Background(), counted(10, &pulled), tt.fn, tt.opts...))
				if !samePairs(got, tt.want) {
					t.Errorf("Stream yielded %v want %v", got, tt.want)
				}
				if p := pulled.Load(); p > tt.maxPulls {
					t.Errorf("Stream pulled %d elements want at most %d", p, tt.maxPulls)
				}
			})
		})
	}
}

// samePairs compares values, and errors by their text.
func samePairs(a, b []pair) bool {
	return slices.EqualFunc(a, b, func(x, y pair) bool {
		if (x.err == nil) != (y.err == nil) {
			return false
		}
		return x.v == y.v && (x.err == nil || x.err.Error() == y.err.Error())
	})
}

func TestStreamParentCancellation(t *testing.T) {
	errStop := errors.New("stop")
	t.Run("while ranging", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			var pulled atomic.Int32
			seq := taskgroup.Stream(ctx, counted(100, &pulled), func(ctx context.Context, i int) (int, error) {
				if i < 3 {
					return i, nil
				}
				<-ctx.Done()
				return 0, ctx.Err()
			}, taskgroup.Limit(2))
			var got []pair
			for v, err := range seq {
				got = append(got, pair{v, err})
				if v == 2 {
					cancel(errStop)
				}
			}
			want := []pair{{0, nil}, {1, nil}, {2, nil}, {0, errStop}}
			if !samePairs(got, want) {
				t.Errorf("Stream yielded %v want %v", got, want)
			}
			if p := pulled.Load(); p > 5 {
				t.Errorf("Stream pulled %d elements want at most 5", p)
			}
		})
	})
	t.Run("before ranging", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errStop)
		var pulled atomic.Int32
		got := collect(taskgroup.Stream(ctx, counted(10, &pulled), func(_ context.Context, i int) (int, error) { return i, nil }))
		if want := []pair{{0, errStop}}; !samePairs(got, want) || pulled.Load() != 0 {
			t.Errorf("Stream yielded %v, pulled %d want %v, 0", got, pulled.Load(), want)
		}
	})
	t.Run("calls that ignore it", func(t *testing.T) {
		// The calls in flight finish and their results are yielded; no
		// further element is pulled, and the cause comes last.
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			var pulled atomic.Int32
			var got []pair
			for v, err := range taskgroup.Stream(ctx, counted(10, &pulled), func(_ context.Context, i int) (int, error) {
				time.Sleep(time.Second)
				return i, nil
			}, taskgroup.Limit(2)) {
				got = append(got, pair{v, err})
				cancel(errStop)
			}
			want := []pair{{0, nil}, {1, nil}, {0, errStop}}
			if !samePairs(got, want) || pulled.Load() != 2 {
				t.Errorf("Stream yielded %v, pulled %d want %v, 2", got, pulled.Load(), want)
			}
		})
	})
}

func TestStreamPanicInFn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var returned atomic.Int32
		r, _ := catch(func() {
			for range taskgroup.Stream(context.Background(), counted(2, new(atomic.Int32)), func(ctx context.Context, i int) (int, error) {
				if i == 1 {
					time.Sleep(time.Second)
					panic("stream-boom")
				}
				<-ctx.Done()
				returned.Add(1)
				return 0, ctx.Err()
			}, taskgroup.Limit(2)) {
				t.Error("Stream yielded a result")
			}
		})
		pe, ok := r.(*nursery.PanicError)
		if !ok || pe.Value != "stream-boom" {
			t.Fatalf("ranging panicked with %v want a *nursery.PanicError of stream-boom", r)
		}
		if returned.Load() != 1 {
			t.Error("the panic was re-raised before the other call returned")
		}
	})
}

func TestStreamPanicInLoopBodyAndInput(t *testing.T) {
	const limit = 4
	for _, where := range []string{"loop body", "input"} {
		synctest.Test(t, func(t *testing.T) {
			// The loop body panics at the first result, which call 0 gives
			// only once all limit calls have started; the input panics
			// when asked for its third element, after two calls started.
			calls := map[string]int32{"loop body": limit, "input": 2}[where]
			var started, returned atomic.Int32
			allStarted := make(chan struct{})
			in := func(yield func(int) bool) {
				for i := range 10 {
					if where == "input" && i == 2 {
						panic("input-boom")
					}
					if !yield(i) {
						return
					}
				}
			}
			r, _ := catch(func() {
				for v := range taskgroup.Stream(context.Background(), in, func(ctx context.Context, i int) (int, error) {
					if started.Add(1) == calls {
						close(allStarted)
					}
					if where == "loop body" && i == 0 {
						<-allStarted // the panic finds the others in flight
						return 0, nil
					}
					<-ctx.Done()
					returned.Add(1)
					return 0, ctx.Err()
				}, taskgroup.Limit(limit)) {
					if where == "loop body" && v == 0 {
						panic("body-boom")
					}
				}
			})
			want := map[string]string{"loop body": "body-boom", "input": "input-boom"}[where]
			if r != want {
				t.Errorf("a panic in the %s came out as %#v want %q as it is", where, r, want)
			}
			// Every call but the loop body's first waits for cancellation.
			wantReturned := calls
			if where == "loop body" {
				wantReturned--
			}
			if n, s := returned.Load(), started.Load(); n != wantReturned || s != calls {
				t.Errorf("the %s panic propagated with %d of %d started calls returned from their wait, want %d of %d",
					where, n, s, wantReturned, calls)
			}
		})
	}
}

func TestStreamGoexitInFn(t *testing.T) {
	_, goexit := catch(func() {
		for range taskgroup.Stream(context.Background(), counted(3, new(atomic.Int32)), func(_ context.Context, i int) (int, error) {
			if i == 1 {
				runtime.Goexit()
			}
			return i, nil
		}) {
		}
	})
	if !goexit {
		t.Error("ranging over a Stream whose fn calls runtime.Goexit: the caller did not exit")
	}
}

func TestStreamMisusePanics(t *testing.T) {
	ctx := context.Background()
	id := func(_ context.Context, i int) (int, error) { return i, nil }
	wantPanic(t, "Stream(nil input)", "nil input", func() { taskgroup.Stream(ctx, nil, id) })
	wantPanic(t, "Stream(nil fn)", "nil fn", func() {
		taskgroup.Stream[int, int](ctx, counted(1, new(atomic.Int32)), nil)
	})
	wantPanic(t, "Stream(nil Option)", "nil Option", func() {
		taskgroup.Stream(ctx, counted(1, new(atomic.Int32)), id, nil)
	})
}
