package cancel_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/cancel"
)

func TestShieldIgnoresParentCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithCancelCause(context.Background())
		cancelParent(errA)
		start := time.Now()
		sh, cancelSh := cancel.Shield(parent, 3*time.Second)
		defer cancelSh()

		time.Sleep(3*time.Second - time.Nanosecond)
		synctest.Wait()
		if err := sh.Err(); err != nil {
			t.Fatalf("Err() 1ns before the shield's end = %v, want nil", err)
		}
		<-sh.Done()
		if got, want := time.Since(start), 3*time.Second; got != want {
			t.Errorf("shield ended after %v, want %v", got, want)
		}
		if got, want := sh.Err(), context.DeadlineExceeded; got != want {
			t.Errorf("Err() = %v, want %v", got, want)
		}
		if got, want := context.Cause(sh), context.DeadlineExceeded; got != want {
			t.Errorf("Cause(sh) = %v, want %v", got, want)
		}
	})
}

func TestShieldIgnoresParentDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		parent, cancelParent := context.WithTimeout(context.Background(), time.Second)
		defer cancelParent()
		sh, cancelSh := cancel.Shield(parent, 5*time.Second)
		defer cancelSh()

		if d, ok := sh.Deadline(); !ok || !d.Equal(start.Add(5*time.Second)) {
			t.Errorf("Deadline() = %v, %v, want %v, true", d, ok, start.Add(5*time.Second))
		}
		<-parent.Done()
		synctest.Wait()
		if err := sh.Err(); err != nil {
			t.Errorf("Err() when the parent's deadline passed = %v, want nil", err)
		}
		<-sh.Done()
		if got, want := time.Since(start), 5*time.Second; got != want {
			t.Errorf("shield ended after %v, want %v", got, want)
		}
	})
}

func TestShieldKeepsValues(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), key("k"), "v"))
	cancelParent()
	sh, cancelSh := cancel.Shield(parent, time.Hour)
	defer cancelSh()
	if got, want := sh.Value(key("k")), "v"; got != want {
		t.Errorf("Value(k) = %v, want %v", got, want)
	}
}

func TestShieldCancel(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	defer cancelParent()
	sh, cancelSh := cancel.Shield(parent, time.Hour)
	cancelSh()
	if got, want := sh.Err(), context.Canceled; got != want {
		t.Errorf("Err() after cancel = %v, want %v", got, want)
	}
	if err := parent.Err(); err != nil {
		t.Errorf("parent.Err() after the shield's cancel = %v, want nil", err)
	}
}

func TestShieldNonPositiveDurationIsExpired(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		sh, cancelSh := cancel.Shield(context.Background(), d)
		if got, want := sh.Err(), context.DeadlineExceeded; got != want {
			t.Errorf("Shield(ctx, %v).Err() = %v, want %v", d, got, want)
		}
		cancelSh()
	}
}

func TestShieldPanicsOnNil(t *testing.T) {
	wantPanic(t, "Shield(nil, d)", "cancel:", "nil Context", func() {
		//lint:ignore SA1012 the nil is the point
		cancel.Shield(nil, time.Second)
	})
}
