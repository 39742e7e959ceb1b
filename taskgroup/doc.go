// Package taskgroup runs groups of tasks concurrently and waits for all of
// them: the shapes that structured concurrency keeps meeting, built on
// package [nursery] so that each keeps the nursery's guarantees.
//
// Every function here returns only after all the goroutines it started
// have returned, and in the terminology of the Go memory model their
// return synchronizes before it does: what a task wrote, such as its own
// index of a slice, can be read after the call with no further
// synchronization. The first failure cancels the others through their
// context, whose [context.Cause] says why. A panic in a task is never lost:
// it cancels the others at once and is re-raised in the caller, once they
// have returned, as a [*nursery.PanicError] that carries the task's own
// stack. A task that calls runtime.Goexit (t.FailNow in a test) makes the
// caller call runtime.Goexit, as a sequential call would have.
//
// # Which one to use
//
// To run the same function over a slice, use [Map] for results in input
// order, or [ForEach] when there are none:
//
//	sizes, err := taskgroup.Map(ctx, urls, fetchSize, taskgroup.Limit(8))
//
// When a failed element must not stop the others, [MapSettled] runs every
// call and returns each element's value and error, so that the failed
// inputs can be told apart, and retried, while the rest are kept.
//
// Map, ForEach and MapSettled run at most [Limit] calls at once (by default
// runtime.GOMAXPROCS(0)) on a fixed set of goroutines, so a slice of a
// million cheap elements costs about what a hand-written loop over chunks
// does.
//
// To run a few different tasks at once, use [All] for all their results,
// [Any] for the first success (the others are then canceled), or [Settled]
// for every result and error with no task canceling another:
//
//	user, err := taskgroup.Any(ctx, fromCache, fromDatabase)
//
// To process a sequence of unknown length as it comes, range over a
// [Stream]. It pulls its input lazily, keeps at most Limit calls
// outstanding, and yields results in input order, or in completion order
// with [Unordered]. Breaking out of the loop cancels the calls in flight
// and waits for them:
//
//	for line, err := range taskgroup.Stream(ctx, lines, parse) {
//		if err != nil {
//			return err
//		}
//		emit(line)
//	}
//
// For code written against golang.org/x/sync/errgroup, [Group] is a drop-in
// replacement: change the import, keep the code.
//
// # Errors
//
// Map, ForEach, All and Stream report errors as [nursery.Run] does. An
// error returned after the group was canceled that only echoes the
// cancellation (it matches context.Canceled, context.DeadlineExceeded or
// the cause) is dropped; the root errors come back, one as it is, several
// joined with [errors.Join]. If the caller's context was canceled and the
// tasks only echoed it, its cause comes back. Causes this package invents,
// for a Stream loop that breaks and for the losers of Any, match
// [context.Canceled] under [errors.Is].
//
// Group keeps errgroup's rules instead: [Group.Wait] returns the first
// error, by identity, and nothing else.
//
// # Panics and Goexit
//
// Group differs from errgroup in what a panic does. errgroup lets it crash
// the program from the task's goroutine; Group, like every function here,
// cancels the others, waits for them and re-raises it in the goroutine
// that waits, where the owner of the work can see it. A panic that no
// [Group.Wait] takes up within [nursery.DefaultGrace] crashes the program,
// so that a Group whose Wait runs only at shutdown does not hide it.
//
// # Rules
//
// A nil function or task panics at the call that passes it, with a message
// that starts "taskgroup:", before anything starts; so does [Limit] below 1
// and [Unordered] given to anything but Stream.
package taskgroup
