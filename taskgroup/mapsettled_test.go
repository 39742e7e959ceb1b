package taskgroup_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/taskgroup"
)

// errOdd is the error of a failing element, one value per element so that
// a result can only hold its own element's error.
type errOdd struct{ i int }

func (e *errOdd) Error() string { return fmt.Sprintf("element %d failed", e.i) }

func TestMapSettledKeepsEveryOutcome(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		limit int
		fails func(i int) bool
	}{
		{name: "empty", n: 0, limit: 4, fails: func(int) bool { return true }},
		{name: "one failure", n: 1, limit: 4, fails: func(int) bool { return true }},
		{name: "sequential, odd ones fail", n: 50, limit: 1, fails: func(i int) bool { return i%2 == 1 }},
		{name: "fewer items than workers", n: 3, limit: 8, fails: func(i int) bool { return i == 0 }},
		{name: "all fail", n: 100, limit: 4, fails: func(int) bool { return true }},
		{name: "many items, some fail", n: 10_000, limit: 4, fails: func(i int) bool { return i%7 == 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			got := taskgroup.MapSettled(context.Background(), ints(tt.n), func(ctx context.Context, i int) (int, error) {
				calls.Add(1)
				if ctx.Err() != nil {
					return 0, fmt.Errorf("element %d saw its context canceled: %w", i, context.Cause(ctx))
				}
				if tt.fails(i) {
					return -i, &errOdd{i}
				}
				return i * 10, nil
			}, taskgroup.Limit(tt.limit))
			if len(got) != tt.n {
				t.Fatalf("MapSettled = %d results want %d", len(got), tt.n)
			}
			if c := calls.Load(); c != int64(tt.n) {
				t.Errorf("MapSettled called fn %d times want %d", c, tt.n)
			}
			for i, r := range got {
				want := taskgroup.Result[int]{Value: i * 10}
				if tt.fails(i) {
					want = taskgroup.Result[int]{Value: -i, Err: &errOdd{i}}
				}
				var e *errOdd
				if r.Value != want.Value || (want.Err == nil) != (r.Err == nil) ||
					(r.Err != nil && (!errors.As(r.Err, &e) || e.i != i)) {
					t.Fatalf("MapSettled result[%d] = %+v want %+v", i, r, want)
				}
			}
		})
	}
}

// An error cancels nothing: the calls still running and the calls not yet
// started see a live context.
func TestMapSettledErrorCancelsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := taskgroup.MapSettled(context.Background(), ints(6), func(ctx context.Context, i int) (int, error) {
			if i == 0 {
				return 0, errA
			}
			time.Sleep(time.Second) // long after the failure
			if err := context.Cause(ctx); err != nil {
				return 0, fmt.Errorf("element %d canceled: %w", i, err)
			}
			return i, nil
		}, taskgroup.Limit(3))
		if got[0].Err != errA {
			t.Errorf("MapSettled result[0].Err = %v want %v", got[0].Err, errA)
		}
		for i, r := range got[1:] {
			if r.Err != nil || r.Value != i+1 {
				t.Errorf("MapSettled result[%d] = %+v want {Value:%d Err:<nil>}", i+1, r, i+1)
			}
		}
	})
}

// When the parent is canceled, no further call starts, and every element
// whose call never started has the parent's cause as its error. A call
// that was running keeps what it returned.
func TestMapSettledParentCancellation(t *testing.T) {
	errStop := errors.New("stop")
	type result = taskgroup.Result[int]
	tests := []struct {
		name      string
		n         int
		limit     int
		cancelAt  int // the element whose call cancels the parent; -1: canceled before MapSettled
		wantCalls int64
		want      func(i int, r result) bool
	}{
		{
			name: "canceled before the call", n: 5, limit: 2, cancelAt: -1, wantCalls: 0,
			want: func(i int, r result) bool { return r == result{Err: errStop} },
		},
		{
			name: "canceled by a call, sequential", n: 6, limit: 1, cancelAt: 2, wantCalls: 3,
			want: func(i int, r result) bool {
				switch {
				case i < 2:
					return r == result{Value: i}
				case i == 2: // returned its own value after canceling
					return r == result{Value: 2}
				default:
					return r == result{Err: errStop}
				}
			},
		},
		{
			name: "canceled by the last call", n: 4, limit: 1, cancelAt: 3, wantCalls: 4,
			want: func(i int, r result) bool { return r == result{Value: i} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			if tt.cancelAt < 0 {
				cancel(errStop)
			}
			var calls atomic.Int64
			got := taskgroup.MapSettled(ctx, ints(tt.n), func(_ context.Context, i int) (int, error) {
				calls.Add(1)
				if i == tt.cancelAt {
					cancel(errStop)
				}
				return i, nil
			}, taskgroup.Limit(tt.limit))
			if c := calls.Load(); c != tt.wantCalls {
				t.Errorf("MapSettled called fn %d times want %d", c, tt.wantCalls)
			}
			if len(got) != tt.n {
				t.Fatalf("MapSettled = %d results want %d", len(got), tt.n)
			}
			for i, r := range got {
				if !tt.want(i, r) {
					t.Errorf("MapSettled result[%d] = %+v", i, r)
				}
			}
		})
	}
}

// Calls running when the parent is canceled see its cause and keep what
// they return; the elements not started get the cause itself.
func TestMapSettledParentCanceledWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		errStop := errors.New("stop")
		time.AfterFunc(time.Second, func() { cancel(errStop) })
		var calls atomic.Int64
		got := taskgroup.MapSettled(ctx, ints(10), func(ctx context.Context, i int) (int, error) {
			calls.Add(1)
			<-ctx.Done()
			return -1, fmt.Errorf("element %d: %w", i, context.Cause(ctx))
		}, taskgroup.Limit(3))
		if c := calls.Load(); c != 3 {
			t.Errorf("MapSettled called fn %d times want 3", c)
		}
		for i, r := range got {
			if i < 3 {
				if want := fmt.Sprintf("element %d: stop", i); r.Value != -1 || r.Err == nil || r.Err.Error() != want || !errors.Is(r.Err, errStop) {
					t.Errorf("MapSettled result[%d] = %+v want {Value:-1 Err:%s}", i, r, want)
				}
				continue
			}
			if r.Value != 0 || r.Err != errStop {
				t.Errorf("MapSettled result[%d] = %+v want {Value:0 Err:%v}", i, r, errStop)
			}
		}
	})
}
