// Package cancel holds helpers over [context] for the cancellation patterns
// that structured concurrency keeps meeting. Each helper takes a context
// first and hands derived contexts back, as the context package's own With
// functions do; none of them keeps a goroutine running, and all of them
// work inside a [testing/synctest] bubble.
//
// # Ending on the first of several contexts
//
// [Merge] joins contexts that come from different owners: a request's
// context and the server's shutdown context, a caller's context and a
// worker pool's. The merged context ends as soon as any of them ends, with
// that one's cause, and reports the earliest of their deadlines. Values
// come only from the first argument, so the merge does not change what the
// work sees, only when it must stop.
//
//	ctx, release := cancel.Merge(req.Context(), serverCtx)
//	defer release()
//
// # Cleaning up after cancellation
//
// Once a context is canceled, everything derived from it is canceled too,
// including the calls that clean up: a rollback, a final flush, a goodbye
// message to a peer. [Shield] gives such cleanup a context of its own that
// keeps the values (trace ids, credentials) but not the cancellation, and
// bounds it with a short limit of its own, so that cleanup cannot hang the
// program in turn.
//
//	defer func() {
//		cctx, done := cancel.Shield(ctx, 5*time.Second)
//		defer done()
//		tx.Rollback(cctx)
//	}()
//
// # Two-phase shutdown
//
// A service that is asked to stop should first stop taking work and let
// what is in flight finish, then, after a grace period, cut off whatever
// is still running. [Graceful] turns one context, typically the one from
// [os/signal.NotifyContext], into those two: stop, done at the signal, and
// hard, done a grace period later.
//
//	sigctx, unregister := signal.NotifyContext(ctx, os.Interrupt)
//	defer unregister()
//	stop, hard, release := cancel.Graceful(sigctx, 10*time.Second)
//	defer release()
//	return serve(stop, hard) // take requests until stop; run each under hard
//
// # Telling cancellation from failure
//
// [IsCancellation] separates errors that only say "the context ended"
// from real failures, which matters when deciding what to log or retry.
// A loop that does CPU-bound work and never blocks on a channel notices
// cancellation between steps with [context.Cause], which is nil while the
// context is live:
//
//	for _, row := range rows {
//		if err := context.Cause(ctx); err != nil {
//			return err
//		}
//		process(row)
//	}
//
// # Causes
//
// Every helper keeps [context.Cause] meaningful: a merged context carries
// the cause of the input that ended it, stop carries its parent's cause,
// and hard's cause says that the grace period ran out and wraps stop's
// cause. Every cause this package invents satisfies IsCancellation.
package cancel
