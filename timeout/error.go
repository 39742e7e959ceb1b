package timeout

import (
	"context"
	"fmt"
	"time"
)

// ErrTimeout is what errors returned because of a deadline set by this
// package match with [errors.Is]: the cause of the context fn receives once
// the call's own deadline has ended it, and the error [Run] returns when fn
// fails after that deadline. errors.Is(ErrTimeout, context.DeadlineExceeded)
// holds, so code that checks for DeadlineExceeded keeps working.
//
// A parent's deadline or cancellation never produces ErrTimeout.
var ErrTimeout error = fmt.Errorf("timeout: %w", context.DeadlineExceeded)

// Error is the concrete error behind [ErrTimeout]: the limit that was
// exceeded and, when fn failed after it, fn's error. [errors.Is] reports
// true for an *Error and ErrTimeout, and for an *Error and
// [context.DeadlineExceeded]; [errors.Is] and [errors.As] also reach Err.
//
//	var te *timeout.Error
//	if errors.As(err, &te) {
//		log.Printf("gave up after %v", te.Limit)
//	}
type Error struct {
	Limit time.Duration // the duration passed to Run, Value, MoveOn or Wrap
	Err   error         // fn's error; nil when fn only echoed the expiry
}

// Error reads "timeout: exceeded 2s: <fn's error>", or "timeout: exceeded
// 2s" when Err is nil.
func (e *Error) Error() string {
	if e.Err == nil {
		return "timeout: exceeded " + e.Limit.String()
	}
	return "timeout: exceeded " + e.Limit.String() + ": " + e.Err.Error()
}

// Unwrap returns fn's error, or nil.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is [ErrTimeout] or [context.DeadlineExceeded].
func (e *Error) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// Timeout reports true, as [context.DeadlineExceeded] does, so that code
// testing for a net.Error-style Timeout method recognizes an *Error.
func (e *Error) Timeout() bool { return true }
