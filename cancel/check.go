package cancel

import (
	"context"
	"errors"
)

// IsCancellation reports whether err is, or wraps, [context.Canceled] or
// [context.DeadlineExceeded]: whether it says that work stopped because a
// context ended rather than because the work failed. It is false for nil.
//
// Every cause this module invents satisfies IsCancellation, and so does the
// cause [os/signal.NotifyContext] gives when a signal arrives.
func IsCancellation(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Checkpoint returns nil while ctx is live and [context.Cause](ctx) once it
// is done. Call it between steps of long CPU-bound work that has no other
// place to notice cancellation:
//
//	for _, row := range rows {
//		if err := cancel.Checkpoint(ctx); err != nil {
//			return err
//		}
//		process(row)
//	}
//
// Checkpoint does not block. It panics if ctx is nil.
func Checkpoint(ctx context.Context) error {
	if ctx == nil {
		panic("cancel: Checkpoint called with nil Context")
	}
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}
