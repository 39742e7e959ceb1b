package timeout_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/timeout"
)

type key string

func TestReserveEndsEarlier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		parent, cancelParent := context.WithTimeout(context.WithValue(context.Background(), key("k"), "v"), 10*time.Second)
		defer cancelParent()
		ctx, cancelCtx := timeout.Reserve(parent, 3*time.Second)
		defer cancelCtx()

		if d, ok := ctx.Deadline(); !ok || !d.Equal(start.Add(7*time.Second)) {
			t.Errorf("Deadline() = %v, %v, want %v, true", d, ok, start.Add(7*time.Second))
		}
		if got, want := ctx.Value(key("k")), "v"; got != want {
			t.Errorf("Value(k) = %v, want %v", got, want)
		}
		<-ctx.Done()
		if got, want := time.Since(start), 7*time.Second; got != want {
			t.Errorf("reserved context ended after %v, want %v", got, want)
		}
		if got, want := ctx.Err(), context.DeadlineExceeded; got != want {
			t.Errorf("Err() = %v, want %v", got, want)
		}
		if err := parent.Err(); err != nil {
			t.Errorf("parent.Err() when the reserved context ended = %v, want nil", err)
		}
	})
}

func TestReserveWithoutParentDeadlineAddsNone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithCancelCause(context.Background())
		ctx, cancelCtx := timeout.Reserve(parent, time.Second)
		defer cancelCtx()
		if d, ok := ctx.Deadline(); ok {
			t.Errorf("Deadline() = %v, true, want no deadline", d)
		}
		time.Sleep(time.Hour)
		if err := ctx.Err(); err != nil {
			t.Errorf("Err() an hour later = %v, want nil", err)
		}
		cancelParent(errB)
		if got, want := context.Cause(ctx), errB; got != want {
			t.Errorf("Cause(ctx) after the parent's cancel = %v, want %v", got, want)
		}
	})
}

func TestReserveBudgetSpent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancelParent()
		for _, d := range []time.Duration{2 * time.Second, 3 * time.Second} {
			ctx, cancelCtx := timeout.Reserve(parent, d)
			if got, want := ctx.Err(), context.DeadlineExceeded; got != want {
				t.Errorf("Reserve(2s budget, %v).Err() = %v, want %v", d, got, want)
			}
			cancelCtx()
		}
	})
}

func TestReserveNonPositiveReservesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancelParent()
		want, _ := parent.Deadline()
		for _, d := range []time.Duration{0, -time.Second} {
			ctx, cancelCtx := timeout.Reserve(parent, d)
			if got, ok := ctx.Deadline(); !ok || !got.Equal(want) {
				t.Errorf("Reserve(ctx, %v).Deadline() = %v, %v, want %v, true", d, got, ok, want)
			}
			cancelCtx()
		}
	})
}

func TestReserveCancel(t *testing.T) {
	parent, cancelParent := context.WithTimeout(context.Background(), time.Hour)
	defer cancelParent()
	ctx, cancelCtx := timeout.Reserve(parent, time.Minute)
	cancelCtx()
	if got, want := ctx.Err(), context.Canceled; got != want {
		t.Errorf("Err() after cancel = %v, want %v", got, want)
	}
	if err := parent.Err(); err != nil {
		t.Errorf("parent.Err() after the reserve's cancel = %v, want nil", err)
	}
}
