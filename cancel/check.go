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
