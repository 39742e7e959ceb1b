// Package durable is the nursery of package nursery over Temporal
// workflows, for work that outgrows one process: fan-outs that run for
// hours, calls that must survive a restart, work spread over the workers of
// many machines. Temporal is the engine (the history, retries, timers,
// workers); durable adds only the rules of a scope.
//
// A nursery is opened by [Run] inside workflow code. Its body, or any of
// its tasks, starts tasks with [Nursery.Go]; each runs in a coroutine of
// the workflow (workflow.Go). Run does not return until the body and every
// task have returned, so no coroutine started in a nursery outlives it,
// nor the workflow:
//
//	err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
//		for _, url := range urls {
//			n.Go(ctx, func(ctx workflow.Context) error {
//				return workflow.ExecuteActivity(ctx, Fetch, url).Get(ctx, nil)
//			})
//		}
//		return nil
//	}, durable.Limit(50))
//
// The common shapes are one call: [Map], [ForEach], [All], [Any] and
// [Settled]; [Activity] turns an activity into a task function, so that
//
//	sizes, err := durable.Map(ctx, urls, durable.Activity[string, int](Fetch, opts), durable.Limit(50))
//
// fans Fetch out across every worker polling the workflow's task queue,
// fifty at a time.
//
// # The rules, as in package nursery
//
// The first failure, an error or a panic, cancels the nursery's
// workflow.Context; the activities, timers and child workflows started
// with it are canceled. Run returns every root error, joined, and drops
// the echoes: a [*temporal.CanceledError] returned after the nursery was
// canceled. A panic in a task cancels and awaits the others and is then
// raised again in Run's coroutine as a [*PanicError] that carries the
// task's stack. With [Limit], Go waits while n tasks run and gives up once
// the nursery is canceled. Everything is deterministic, as workflow code
// must be: no goroutines, no map iteration, no wall clock, no default taken
// from the machine; the same history replays to the same commands.
//
// # Where durable differs from nursery
//
//   - Go, [Spawn] and [Future.Get] take the caller's context. A workflow
//     coroutine can block only through its own context (a blocking call
//     on another coroutine's context panics or deadlocks the workflow),
//     and with a limit Go may have to wait.
//   - A workflow.Context has no cancellation cause: there is no
//     context.Cause, and [Nursery.Cancel] takes no cause. The nursery keeps
//     the first failure itself and Run returns it; a sibling that needs to
//     know why it was canceled reads a [Future] of the task that failed.
//   - Echoes are [*temporal.CanceledError]s (what a canceled activity,
//     timer or workflow.Await returns, wrapped or not), and errors that match
//     the failure that canceled the nursery.
//   - A panic in the body is raised as a [*PanicError] too, with the
//     body's stack: the SDK refuses to block a panicking coroutine, so the
//     tasks are awaited after the unwinding, which would lose the stack.
//   - There is no grace period and no watchdog: a workflow task that
//     blocks is the SDK's to detect (its deadlock detector), and a task
//     that waits on a context of its own keeps Run waiting, in workflow
//     time, which costs nothing while it waits.
//   - runtime.Goexit is not a failure. The SDK ends the coroutines of a
//     completed workflow, or of one evicted from the worker's cache, with
//     runtime.Goexit; durable then does nothing that could block.
//   - [Map] and [ForEach] have no default limit: GOMAXPROCS differs
//     between workers and would make a replay diverge.
//   - There is no TryGo, Start, Background or Queue: workflow code has
//     signals, timers and selectors for those shapes.
//
// # Activities and cancellation
//
// Canceling the nursery's context requests the cancellation of its
// running activities. [Activity] sets WaitForCancellation, so that a call
// returns only once its activity has ended: without it the SDK resolves a
// canceled activity at once and the activity runs on, unowned, on some
// worker. An activity learns of the cancellation only through
// activity.RecordHeartbeat, and only if its options set a
// HeartbeatTimeout; one that never heartbeats runs to its end and the
// nursery waits for it.
//
// # Panics and the worker's panic policy
//
// A panic raised by Run out of the workflow function is handled by the
// worker's WorkflowPanicPolicy. By default (BlockWorkflow) the workflow
// task fails and is retried, and the workflow stays running until the code
// is fixed and a worker with the fix picks it up; the panic, with the
// task's stack from [PanicError.Error], is in the workflow task failure.
// With worker.Options{WorkflowPanicPolicy: worker.FailWorkflow} the
// workflow fails with it instead. A workflow that should survive a task's
// panic recovers it around Run, as any Go code may.
//
// # Rules
//
// A Nursery is valid only during the call to Run that created it: starting
// a task after Run has returned panics. A nil context, body or task panics
// at the call that passed it, and so does an invalid option.
package durable
