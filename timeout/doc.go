// Package timeout puts time limits on calls. It offers two kinds of limit,
// named for what happens when time runs out, and a way to split a deadline
// into a budget.
//
// # Fail after: Run, Value, Wrap
//
// [Run] gives fn a context that ends d from now and treats running out of
// time as a failure: if fn fails after the deadline, Run's error says so.
// Use it when the caller cannot go on without the result: an RPC that must
// answer within two seconds, a lock that must be taken within one.
//
//	err := timeout.Run(ctx, 2*time.Second, func(ctx context.Context) error {
//		return client.Call(ctx, req)
//	})
//	if errors.Is(err, timeout.ErrTimeout) {
//		// our two seconds ran out; err also wraps what Call returned
//	}
//
// [Value] does the same for a function with a result, and [Wrap] turns fn
// into a function with the limit built in, for code that takes a
// func(context.Context) error, such as a nursery task or a retry loop.
//
// # Move on after: MoveOn
//
// [MoveOn] treats running out of time as an expected end: it reports
// whether the deadline passed, and drops fn's error when that error only
// repeats the expiry. Use it when the caller goes on with whatever fn got
// done: gathering the replies that arrive within 100ms, polling until a
// time is up, an optional cache warm-up.
//
//	expired, err := timeout.MoveOn(ctx, 100*time.Millisecond, func(ctx context.Context) error {
//		return collect(ctx, &replies)
//	})
//
// To choose, ask what the caller does when time runs out. If it reports a
// failure, use Run; if it carries on, use MoveOn.
//
// # fn runs in the caller's goroutine
//
// Run, Value, MoveOn and the functions Wrap makes call fn in the calling
// goroutine and return when fn returns. A timeout never abandons a
// goroutine and starts none, so nothing outlives the call, and a panic in
// fn unwinds the caller's stack as usual. The other side of this is that
// the limit is cooperative: it ends fn's context, and fn must watch that
// context. A fn that ignores it runs to the end, and the call returns late.
//
// # What comes back
//
// Only the call's own deadline counts as a timeout. When it ends fn's
// context, [context.Cause] on that context is an error that matches
// [ErrTimeout]. Then:
//
//   - fn returns nil: Run returns nil and Value keeps the result. The work
//     got done, late or not.
//   - fn returns an error: Run returns an error that matches ErrTimeout and
//     [context.DeadlineExceeded] and wraps fn's error, such as
//     "timeout: exceeded 2s: dial: connection refused" (an [*Error]).
//     MoveOn reports expired and returns nil for an echo of the expiry, or
//     fn's error if it is a real one.
//
// When the parent context ends fn's context first, by its cancellation or
// by a deadline earlier than d, that is the parent's business: if fn only
// echoes it, the call returns [context.Cause] of the parent, never
// ErrTimeout. An error that fn returns while its context is live comes
// back as it is.
//
// A d ≤ 0 behaves as in [context.WithTimeout]: fn runs with a context that
// is already done.
//
// # Deadline budgets: Reserve
//
// A deadline often belongs to a whole operation, of which the current work
// is only a part: a request handler must still write its response, a
// worker must still release its lease. [Reserve] derives a context whose
// deadline is earlier than its parent's by the time those last steps need,
// so the work ends while the parent still has that time left.
//
//	work, cancel := timeout.Reserve(r.Context(), 100*time.Millisecond)
//	defer cancel()
//	if err := query(work); err != nil {
//		// r.Context() still has about 100ms: enough to write the error
//	}
//
// Reserve on a context without a deadline adds none: a budget split from
// no budget is still no budget.
package timeout
