package timeout

import (
	"context"
	"time"
)

// Reserve returns a context whose deadline is d earlier than ctx's, keeping
// d of ctx's budget for what must happen after the work under it ends:
// writing an error response, releasing a lock, logging. When the reserved
// deadline passes the context is done with [context.DeadlineExceeded]; ctx
// itself is unaffected and still has d left.
//
// If ctx has no deadline, Reserve adds none: the returned context is a
// plain cancelable child. If less than d is left, the returned context is
// already done. A d ≤ 0 reserves nothing.
//
// Code should call the returned cancel function as soon as the work under
// the context is complete, to release its timer. Reserve panics if ctx is
// nil.
func Reserve(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		panic("timeout: Reserve called with nil Context")
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-d))
}
