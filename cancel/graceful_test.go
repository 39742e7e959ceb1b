package cancel_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/cancel"
)

func TestGracefulHardEndsGraceAfterStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 10 * time.Second
		parent, cancelParent := context.WithCancelCause(context.Background())
		defer cancelParent(nil)
		stop, hard, release := cancel.Graceful(parent, grace)
		defer release()

		time.Sleep(3 * time.Second)
		synctest.Wait()
		if err := stop.Err(); err != nil {
			t.Fatalf("stop.Err() before the parent ended = %v, want nil", err)
		}
		cancelParent(errA)
		<-stop.Done()
		stopped := time.Now()
		if got, want := context.Cause(stop), errA; got != want {
			t.Errorf("Cause(stop) = %v, want %v", got, want)
		}

		time.Sleep(grace - time.Nanosecond)
		synctest.Wait()
		if err := hard.Err(); err != nil {
			t.Fatalf("hard.Err() 1ns before the grace period ends = %v, want nil", err)
		}
		<-hard.Done()
		if got, want := time.Since(stopped), grace; got != want {
			t.Errorf("hard ended %v after stop, want %v", got, want)
		}
		cause := context.Cause(hard)
		if !errors.Is(cause, context.DeadlineExceeded) {
			t.Errorf("errors.Is(Cause(hard), DeadlineExceeded) = false for %v, want true", cause)
		}
		if !errors.Is(cause, errA) {
			t.Errorf("errors.Is(Cause(hard), errA) = false for %v, want true", cause)
		}
		if !cancel.IsCancellation(cause) {
			t.Errorf("IsCancellation(Cause(hard)) = false for %v, want true", cause)
		}
	})
}

func TestGracefulHardIgnoresParentDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 4 * time.Second
		start := time.Now()
		parent, cancelParent := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancelParent()
		stop, hard, release := cancel.Graceful(parent, grace)
		defer release()

		if d, ok := hard.Deadline(); ok {
			t.Errorf("hard.Deadline() = %v, true, want no deadline", d)
		}
		if d, ok := stop.Deadline(); !ok || !d.Equal(start.Add(2*time.Second)) {
			t.Errorf("stop.Deadline() = %v, %v, want %v, true", d, ok, start.Add(2*time.Second))
		}
		<-stop.Done()
		if got, want := time.Since(start), 2*time.Second; got != want {
			t.Errorf("stop ended after %v, want %v", got, want)
		}
		if got, want := stop.Err(), context.DeadlineExceeded; got != want {
			t.Errorf("stop.Err() = %v, want %v", got, want)
		}
		synctest.Wait()
		if err := hard.Err(); err != nil {
			t.Errorf("hard.Err() when the parent's deadline passed = %v, want nil", err)
		}
		<-hard.Done()
		if got, want := time.Since(start), 2*time.Second+grace; got != want {
			t.Errorf("hard ended after %v, want %v", got, want)
		}
	})
}

func TestGracefulKeepsValues(t *testing.T) {
	parent := context.WithValue(context.Background(), key("k"), "v")
	stop, hard, release := cancel.Graceful(parent, time.Second)
	defer release()
	for name, c := range map[string]context.Context{"stop": stop, "hard": hard} {
		if got, want := c.Value(key("k")), "v"; got != want {
			t.Errorf("%s.Value(k) = %v, want %v", name, got, want)
		}
	}
}

func TestGracefulParentAlreadyDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithCancelCause(context.Background())
		cancelParent(errA)
		start := time.Now()
		stop, hard, release := cancel.Graceful(parent, time.Second)
		defer release()

		if got, want := context.Cause(stop), errA; got != want {
			t.Errorf("Cause(stop) right after Graceful = %v, want %v", got, want)
		}
		<-hard.Done()
		if got, want := time.Since(start), time.Second; got != want {
			t.Errorf("hard ended after %v, want %v", got, want)
		}
	})
}

func TestGracefulNonPositiveGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithCancel(context.Background())
		_, hard, release := cancel.Graceful(parent, 0)
		defer release()
		start := time.Now()
		cancelParent()
		<-hard.Done()
		if got := time.Since(start); got != 0 {
			t.Errorf("hard ended %v after stop, want 0", got)
		}
		if cause := context.Cause(hard); !errors.Is(cause, context.DeadlineExceeded) {
			t.Errorf("Cause(hard) = %v, want an error that is DeadlineExceeded", cause)
		}
	})
}

func TestGracefulReleaseBeforeStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, cancelBase := context.WithCancel(context.Background())
		defer cancelBase()
		parent := &hookCtx{Context: base}
		stop, hard, release := cancel.Graceful(parent, time.Second)
		if parent.live.Load() == 0 {
			t.Fatalf("Graceful registered no callback on its parent, want at least one")
		}

		release()
		release() // a second call does nothing
		if got := parent.live.Load(); got != 0 {
			t.Errorf("callbacks still registered on the parent after release = %d, want 0", got)
		}
		for name, c := range map[string]context.Context{"stop": stop, "hard": hard} {
			if got, want := context.Cause(c), context.Canceled; got != want {
				t.Errorf("Cause(%s) after release = %v, want %v", name, got, want)
			}
		}
		if err := base.Err(); err != nil {
			t.Errorf("parent.Err() after release = %v, want nil", err)
		}

		// The parent ending after release changes nothing.
		cancelBase()
		time.Sleep(time.Hour)
		if got, want := context.Cause(hard), context.Canceled; got != want {
			t.Errorf("Cause(hard) = %v, want %v", got, want)
		}
	})
}

func TestGracefulReleaseDuringGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithCancel(context.Background())
		_, hard, release := cancel.Graceful(parent, 10*time.Second)
		cancelParent()
		time.Sleep(time.Second)
		release()
		if got, want := context.Cause(hard), context.Canceled; got != want {
			t.Errorf("Cause(hard) after release = %v, want %v", got, want)
		}
		time.Sleep(time.Hour)
		if got, want := context.Cause(hard), context.Canceled; got != want {
			t.Errorf("Cause(hard) after the grace period = %v, want %v", got, want)
		}
	})
}

func TestGracefulPanicsOnNil(t *testing.T) {
	wantPanic(t, "Graceful(nil, grace)", "cancel:", "nil Context", func() {
		//lint:ignore SA1012 the nil is the point
		cancel.Graceful(nil, time.Second)
	})
}

func TestGracefulReleaseRacesStop(t *testing.T) {
	for range 50 {
		synctest.Test(t, func(t *testing.T) {
			parent, cancelParent := context.WithCancel(context.Background())
			defer cancelParent()
			_, hard, release := cancel.Graceful(parent, time.Second)
			time.AfterFunc(time.Second, cancelParent)
			time.AfterFunc(time.Second, release)
			time.Sleep(time.Hour)
			if got, want := context.Cause(hard), context.Canceled; got != want {
				t.Errorf("Cause(hard) = %v, want %v", got, want)
			}
		})
	}
}
