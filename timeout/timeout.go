package timeout

import (
	"context"
	"errors"
	"time"

	"github.com/scoped-go/scoped/cancel"
)

// Run calls fn with a context that this call's own deadline ends d from
// now, and fails if fn fails after it: fail-after. fn runs in the caller's
// goroutine and Run returns when fn returns; Run starts no goroutine and
// never abandons fn. Run stops its timer before it returns, also when fn
// panics; the panic goes on up the caller's stack untouched.
//
// When the deadline ends fn's context, [context.Cause] on it returns an
// error that [errors.Is] [ErrTimeout]. Run returns:
//
//   - nil when fn returns nil, even after the deadline: the work is done;
//   - fn's error as it is when fn failed while its context was live;
//   - when fn returns an error after this call's deadline ended its
//     context, an error that matches ErrTimeout and
//     [context.DeadlineExceeded] and wraps fn's error (an [*Error] with
//     Limit d); an error of fn that already wraps the cause comes back as
//     it is, and a bare ctx.Err() comes back as the cause itself, an
//     *Error that wraps nothing;
//   - when ctx (the parent) ended fn's context, [context.Cause](ctx) if fn
//     only echoed it (its error matches context.Canceled,
//     context.DeadlineExceeded or the cause), fn's error as it is if not.
//
// A d ≤ 0 behaves as in [context.WithTimeout]: fn runs with a context that
// is already done. If ctx's deadline comes first, ctx's deadline ends fn's
// context, and that is ctx's expiry, not this call's.
//
// Run panics if ctx or fn is nil.
func Run(ctx context.Context, d time.Duration, fn func(context.Context) error) error {
	check("Run", ctx, fn == nil)
	fctx, own, stop := begin(ctx, d)
	defer stop() // also when fn panics
	err := fn(fctx)
	ended := context.Cause(fctx) // nil while fctx is live; read before stop
	return failAfter(ctx, d, own, ended, err)
}

// Value is [Run] for a function with a result. It returns fn's result as fn
// returned it, and fn's error mapped as Run maps it. In particular a result
// that fn delivers with a nil error after the deadline is kept.
//
// Value panics if ctx or fn is nil.
func Value[T any](ctx context.Context, d time.Duration, fn func(context.Context) (T, error)) (T, error) {
	check("Value", ctx, fn == nil)
	fctx, own, stop := begin(ctx, d)
	defer stop() // also when fn panics
	v, err := fn(fctx)
	ended := context.Cause(fctx)
	return v, failAfter(ctx, d, own, ended, err)
}

// MoveOn calls fn with a context that this call's own deadline ends d from
// now, and treats the expiry as an expected outcome rather than a failure:
// move-on-after. fn runs in the caller's goroutine and MoveOn returns when
// fn returns; it starts no goroutine and stops its timer before it returns.
//
// expired reports whether this call's deadline had ended fn's context by
// the time fn returned. When it had, fn's echo of the expiry (an error that
// matches [context.Canceled], [context.DeadlineExceeded] or the cause) is
// dropped and err is nil; a real error of fn is returned as it is. When ctx
// (the parent) ended fn's context, expired is false and err is mapped as
// [Run] maps it: [context.Cause](ctx) for an echo, fn's error otherwise.
//
// A d ≤ 0 behaves as in [context.WithTimeout]: fn runs with a context that
// is already done, and expired is true unless ctx was done first.
//
// MoveOn panics if ctx or fn is nil.
func MoveOn(ctx context.Context, d time.Duration, fn func(context.Context) error) (expired bool, err error) {
	check("MoveOn", ctx, fn == nil)
	fctx, own, stop := begin(ctx, d)
	defer stop() // also when fn panics
	err = fn(fctx)
	ended := context.Cause(fctx)
	switch {
	case ended == own:
		if err == nil || echoes(err, own) {
			return true, nil
		}
		return true, err
	case ended != nil && err != nil && echoes(err, ended):
		return false, context.Cause(ctx)
	}
	return false, err
}

// Wrap returns a function that calls fn under [Run] with the limit d. The
// deadline counts from each call of the returned function, not from Wrap.
// Use it to put a per-attempt limit on a task handed to a nursery, a retry
// loop or anything else that takes a func(context.Context) error.
//
// Wrap panics if fn is nil; the returned function panics if its ctx is nil.
func Wrap(d time.Duration, fn func(context.Context) error) func(context.Context) error {
	if fn == nil {
		panic("timeout: Wrap called with nil fn")
	}
	return func(ctx context.Context) error {
		if ctx == nil {
			panic("timeout: function made by Wrap called with nil Context")
		}
		return Run(ctx, d, fn)
	}
}

// check panics on the misuse a call can detect up front.
func check(name string, ctx context.Context, nilFn bool) {
	if ctx == nil {
		panic("timeout: " + name + " called with nil Context")
	}
	if nilFn {
		panic("timeout: " + name + " called with nil fn")
	}
}

// begin derives fn's context. own is the cause that this call's deadline,
// and only it, gives: a fresh *Error per call, so that a nested call's
// expiry is never mistaken for this one's.
func begin(ctx context.Context, d time.Duration) (context.Context, *Error, context.CancelFunc) {
	own := &Error{Limit: d}
	fctx, stop := context.WithTimeoutCause(ctx, d, own)
	return fctx, own, stop
}

// failAfter maps fn's err to what Run returns. ended is fn's context's
// cause when fn returned, nil if it was live.
func failAfter(ctx context.Context, d time.Duration, own *Error, ended, err error) error {
	switch {
	case err == nil || ended == nil:
		return err
	case ended == own:
		if errors.Is(err, own) {
			return err // already says it timed out, and is fn's own
		}
		if err == context.DeadlineExceeded {
			return own // the bare ctx.Err() adds nothing to say
		}
		return &Error{Limit: d, Err: err}
	case echoes(err, ended):
		return context.Cause(ctx)
	}
	return err
}

// echoes reports whether err only repeats that fn's context ended with
// cause.
func echoes(err, cause error) bool {
	return cancel.IsCancellation(err) || errors.Is(err, cause)
}
