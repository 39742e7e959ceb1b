package cancel

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Graceful splits the shutdown of a service into two phases.
//
// stop is done when ctx is done, with ctx's cause: it tells the service to
// stop taking new work and finish what it has. Derive ctx from
// [os/signal.NotifyContext] to stop on a signal, or from any parent.
//
// hard is done grace after stop is done, and never before: it cuts off the
// work that did not finish in time. Its cause wraps both
// [context.DeadlineExceeded] and stop's cause, so [errors.Is] finds either.
// hard keeps ctx's values but not ctx's deadline: a deadline on ctx ends
// stop, and hard follows grace later. A grace ≤ 0 ends hard right after
// stop.
//
// release cancels both with [context.Canceled] (if they are not done
// already), stops the grace timer and unregisters Graceful from ctx; it
// never cancels ctx. Code should call release once the service has shut
// down. Graceful starts no goroutine until ctx is done; then it arms one
// timer. release may be called more than once and from any goroutine.
//
// Graceful panics if ctx is nil.
func Graceful(ctx context.Context, grace time.Duration) (stop, hard context.Context, release context.CancelFunc) {
	if ctx == nil {
		panic("cancel: Graceful called with nil Context")
	}
	stop, cancelStop := context.WithCancel(ctx)
	hard, cancelHard := context.WithCancelCause(context.WithoutCancel(ctx))

	var (
		mu       sync.Mutex  // protects the following fields
		released bool        // set by release; no timer is armed after it
		timer    *time.Timer // the grace timer, once ctx is done
	)
	// arm starts the grace period. It runs once: at the call if ctx is
	// already done, else from the AfterFunc when ctx ends.
	arm := func() {
		cause := &graceOver{grace: grace, stop: context.Cause(ctx)}
		mu.Lock()
		defer mu.Unlock()
		if !released {
			timer = time.AfterFunc(grace, func() { cancelHard(cause) })
		}
	}
	unregister := func() bool { return false }
	if ctx.Err() != nil {
		arm()
	} else {
		unregister = context.AfterFunc(ctx, arm)
	}

	release = func() {
		mu.Lock()
		released = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		unregister()
		cancelStop()
		cancelHard(context.Canceled)
	}
	return stop, hard, release
}

// graceOver is the cause of Graceful's hard context when the grace period
// ran out.
type graceOver struct {
	grace time.Duration
	stop  error // the cause of stop
}

func (e *graceOver) Error() string {
	return fmt.Sprintf("cancel: grace period of %v after stop is over: %v", e.grace, e.stop)
}

func (e *graceOver) Unwrap() []error {
	return []error{context.DeadlineExceeded, e.stop}
}
