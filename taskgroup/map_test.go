package taskgroup_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
)

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// goid returns the current goroutine's id, read from its stack header.
func goid() int {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.Atoi(string(b[:bytes.IndexByte(b, ' ')]))
	return id
}

func TestMapKeepsInputOrder(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		limit int
	}{
		{name: "empty", n: 0, limit: 4},
		{name: "one", n: 1, limit: 4},
		{name: "sequential", n: 50, limit: 1},
		{name: "fewer items than workers", n: 3, limit: 8},
		{name: "many items", n: 10_000, limit: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := taskgroup.Map(context.Background(), ints(tt.n), func(_ context.Context, i int) (string, error) {
				if i%7 == 0 {
					runtime.Gosched() // let later items overtake
				}
				return strconv.Itoa(i), nil
			}, taskgroup.Limit(tt.limit))
			if err != nil || got == nil || len(got) != tt.n {
				t.Fatalf("Map = %d results, %v want %d results, nil", len(got), err, tt.n)
			}
			for i, s := range got {
				if s != strconv.Itoa(i) {
					t.Fatalf("Map result[%d] = %q want %q", i, s, strconv.Itoa(i))
				}
			}
		})
	}
}

func TestMapForEachMapSettledRunAtMostLimit(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		opts  []taskgroup.Option
		procs int // GOMAXPROCS during the call; 0 leaves it
		want  int
	}{
		{name: "limit 1", n: 10, opts: []taskgroup.Option{taskgroup.Limit(1)}, want: 1},
		{name: "limit 4", n: 10, opts: []taskgroup.Option{taskgroup.Limit(4)}, want: 4},
		{name: "limit above length", n: 3, opts: []taskgroup.Option{taskgroup.Limit(10)}, want: 3},
		{name: "default is GOMAXPROCS", n: 10, procs: 3, want: 3},
	}
	for _, tt := range tests {
		for _, call := range []string{"Map", "ForEach", "MapSettled"} {
			t.Run(call+"/"+tt.name, func(t *testing.T) {
				if tt.procs > 0 {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tt.procs))
				}
				synctest.Test(t, func(t *testing.T) {
					var running, peak atomic.Int32
					release := make(chan struct{})
					fn := func(context.Context, int) error {
						running.Add(1)
						<-release
						running.Add(-1)
						return nil
					}
					done := make(chan error)
					go func() {
						var err error
						switch call {
						case "Map":
							_, err = taskgroup.Map(context.Background(), ints(tt.n), func(ctx context.Context, i int) (int, error) {
								return i, fn(ctx, i)
							}, tt.opts...)
						case "ForEach":
							err = taskgroup.ForEach(context.Background(), ints(tt.n), fn, tt.opts...)
						default:
							for _, r := range taskgroup.MapSettled(context.Background(), ints(tt.n), func(ctx context.Context, i int) (int, error) {
								return i, fn(ctx, i)
							}, tt.opts...) {
								err = errors.Join(err, r.Err)
							}
						}
						done <- err
					}()
					for {
						synctest.Wait()
						peak.Store(max(peak.Load(), running.Load()))
						select {
						case release <- struct{}{}:
							continue
						case err := <-done:
							if err != nil {
								t.Errorf("%s = %v want nil", call, err)
							}
						}
						break
					}
					if got := int(peak.Load()); got != tt.want {
						t.Errorf("%s peak calls running = %d want %d", call, got, tt.want)
					}
				})
			})
		}
	}
}

// Map hands elements to a fixed set of workers: it does not start a
// goroutine per element.
func TestMapUsesAtMostLimitGoroutines(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]bool{}
	_, err := taskgroup.Map(context.Background(), ints(2000), func(_ context.Context, i int) (int, error) {
		id := goid()
		mu.Lock()
		seen[id] = true
		mu.Unlock()
		return i, nil
	}, taskgroup.Limit(4))
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) > 4 {
		t.Errorf("Map over 2000 elements with Limit(4) ran on %d goroutines want at most 4", len(seen))
	}
}

func TestMapFailureCancelsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started, returned atomic.Int32
		var causes sync.Map
		got, err := taskgroup.Map(context.Background(), ints(4), func(ctx context.Context, i int) (int, error) {
			started.Add(1)
			defer returned.Add(1)
			if i == 2 {
				time.Sleep(time.Second) // the others are waiting by now
				return 0, errA
			}
			<-ctx.Done()
			causes.Store(i, context.Cause(ctx))
			return 0, fmt.Errorf("element %d: %w", i, ctx.Err()) // an echo: dropped
		}, taskgroup.Limit(4))
		if got != nil || err != errA {
			t.Errorf("Map = %v, %v want nil, %v", got, err, errA)
		}
		if s, r := started.Load(), returned.Load(); s != 4 || r != 4 {
			t.Errorf("Map returned with %d calls started and %d returned want 4 and 4", s, r)
		}
		causes.Range(func(k, v any) bool {
			if v != errA {
				t.Errorf("call %v saw Cause(ctx) = %v want %v", k, v, errA)
			}
			return true
		})
	})
}

func TestMapStartsNoCallAfterCancel(t *testing.T) {
	tests := []struct {
		name      string
		parent    func() context.Context
		failAt    int
		wantCalls int32
		wantErr   error
	}{
		{name: "failure", parent: context.Background, failAt: 3, wantCalls: 4, wantErr: errA},
		{name: "parent canceled before", parent: func() context.Context {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(errB)
			return ctx
		}, failAt: -1, wantCalls: 0, wantErr: errB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			err := taskgroup.ForEach(tt.parent(), ints(100), func(_ context.Context, i int) error {
				calls.Add(1)
				if i == tt.failAt {
					return errA
				}
				return nil
			}, taskgroup.Limit(1))
			if err != tt.wantErr {
				t.Errorf("ForEach = %v want %v", err, tt.wantErr)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("calls of fn = %d want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestMapJoinsRootErrors(t *testing.T) {
	started := make(chan struct{})
	_, err := taskgroup.Map(context.Background(), ints(2), func(ctx context.Context, i int) (int, error) {
		if i == 0 {
			<-started
			return 0, errA
		}
		close(started)
		<-ctx.Done()
		return 0, errB // not an echo: a failure of its own
	}, taskgroup.Limit(2))
	if !errors.Is(err, errA) || !errors.Is(err, errB) {
		t.Errorf("Map = %v want errA and errB joined", err)
	}
}

func TestMapParentCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		errStop := errors.New("stop")
		time.AfterFunc(time.Second, func() { cancel(errStop) })
		got, err := taskgroup.Map(ctx, ints(8), func(ctx context.Context, i int) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		if got != nil || err != errStop {
			t.Errorf("Map = %v, %v want nil, %v", got, err, errStop)
		}
	})
}

// A panic cancels the other calls, even in MapSettled, and is re-raised
// once they have returned.
func TestMapPanicReraised(t *testing.T) {
	for _, call := range []string{"Map", "MapSettled"} {
		t.Run(call, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var returned atomic.Int32
				fn := func(ctx context.Context, i int) (int, error) {
					if i == 1 {
						time.Sleep(time.Second) // the others are waiting by now
						panic("map-boom")
					}
					<-ctx.Done()
					returned.Add(1)
					return 0, nil
				}
				r, _ := catch(func() {
					if call == "Map" {
						taskgroup.Map(context.Background(), ints(3), fn, taskgroup.Limit(3))
					} else {
						taskgroup.MapSettled(context.Background(), ints(3), fn, taskgroup.Limit(3))
					}
				})
				pe, ok := r.(*nursery.PanicError)
				if !ok || pe.Value != "map-boom" {
					t.Fatalf("%s panicked with %v want a *nursery.PanicError of map-boom", call, r)
				}
				if n := returned.Load(); n != 2 {
					t.Errorf("%s panicked with %d of 2 other calls returned", call, n)
				}
			})
		})
	}
}

func TestMapForEachMapSettledGoexitReraised(t *testing.T) {
	for _, call := range []string{"Map", "ForEach", "MapSettled"} {
		_, goexit := catch(func() {
			fn := func(_ context.Context, i int) error {
				if i == 1 {
					runtime.Goexit()
				}
				return nil
			}
			switch call {
			case "Map":
				taskgroup.Map(context.Background(), ints(3), func(ctx context.Context, i int) (int, error) { return i, fn(ctx, i) })
			case "ForEach":
				taskgroup.ForEach(context.Background(), ints(3), fn)
			default:
				taskgroup.MapSettled(context.Background(), ints(3), func(ctx context.Context, i int) (int, error) { return i, fn(ctx, i) })
			}
		})
		if !goexit {
			t.Errorf("%s with a call to runtime.Goexit in fn: the caller did not exit", call)
		}
	}
}

func TestMapForEachMapSettledMisusePanics(t *testing.T) {
	ctx := context.Background()
	wantPanic(t, "Map(nil fn)", "nil fn", func() {
		taskgroup.Map[int, int](ctx, ints(1), nil)
	})
	wantPanic(t, "ForEach(nil fn)", "nil fn", func() {
		taskgroup.ForEach[int](ctx, ints(1), nil)
	})
	id := func(_ context.Context, i int) (int, error) { return i, nil }
	wantPanic(t, "Map(Unordered())", "Unordered", func() {
		taskgroup.Map(ctx, ints(1), id, taskgroup.Unordered())
	})
	wantPanic(t, "ForEach(Unordered())", "Unordered", func() {
		taskgroup.ForEach(ctx, ints(1), func(context.Context, int) error { return nil }, taskgroup.Unordered())
	})
	wantPanic(t, "MapSettled(nil fn)", "nil fn", func() {
		taskgroup.MapSettled[int, int](ctx, ints(1), nil)
	})
	wantPanic(t, "MapSettled(Unordered())", "Unordered", func() {
		taskgroup.MapSettled(ctx, ints(1), id, taskgroup.Unordered())
	})
	wantPanic(t, "MapSettled(nil context)", "nil context", func() {
		//lint:ignore SA1012 the nil context is the point
		taskgroup.MapSettled(nil, ints(1), id)
	})
	wantPanic(t, "Limit(0)", "Limit(0)", func() { taskgroup.Limit(0) })
	wantPanic(t, "Map(nil context)", "nil context", func() {
		//lint:ignore SA1012 the nil context is the point
		taskgroup.Map(nil, ints(1), id)
	})
}

func TestForEachCallsEveryElement(t *testing.T) {
	var sum atomic.Int64
	err := taskgroup.ForEach(context.Background(), ints(1000), func(_ context.Context, i int) error {
		sum.Add(int64(i))
		return nil
	})
	if want := int64(999 * 1000 / 2); err != nil || sum.Load() != want {
		t.Errorf("ForEach: sum %d, err %v want %d, nil", sum.Load(), err, want)
	}
}
