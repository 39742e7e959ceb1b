package cancel

import (
	"context"
	"time"
)

// Shield returns a context for cleanup that must run after ctx is canceled:
// flushing a buffer, rolling back a transaction, telling a peer goodbye.
// The shielded context keeps ctx's values but ignores ctx's cancellation and
// deadline; it is done d after Shield is called, with
// [context.DeadlineExceeded] as its Err and cause, or when the returned
// cancel function is called. A d ≤ 0 gives a context that is already done,
// as [context.WithTimeout] does.
//
// Shield bounds the cleanup, so a shield can never keep a program alive
// forever. Code should call cancel as soon as the cleanup is complete, to
// release its timer.
//
// Shield panics if ctx is nil.
func Shield(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		panic("cancel: Shield called with nil Context")
	}
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}
