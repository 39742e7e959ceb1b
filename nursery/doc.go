// Package nursery gives goroutines an owner.
//
// A nursery is a scope for concurrent tasks, opened by [Run]. Run calls its
// body with a [*Nursery], and the body, or any task, starts tasks in it with
// [Nursery.Go]. Run does not return until the body and every task started in
// the nursery have returned, so when Run returns no goroutine it started is
// left running:
//
//	err := nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
//		for _, url := range urls {
//			n.Go(func(ctx context.Context) error {
//				return fetch(ctx, url)
//			})
//		}
//		return nil
//	})
//
// The call shape shows the lifetime: the tasks live inside the call to Run,
// the way a function's local variables live inside the call.
//
//	caller ──Run──┬──────────────── body ───────────────┬── Run returns
//	              ├── task ───────┐                      │
//	              ├── task ──┬────┘                      │
//	              │          └── task started by a task ─┤
//	              └──────────────────────────────────────┘
//
// # Cancellation and causes
//
// Every task receives the nursery's context, derived from the one passed to
// Run. The first failure cancels it, and [context.Cause] tells the other
// tasks why: the failing task's error, a [*PanicError], or [ErrGoexit].
// Tasks are expected to return soon after their context is done. A task
// that ignores its context keeps Run waiting.
//
// [Nursery.Cancel] ends a nursery early without failing it, for work that is
// done once some condition holds. A parent context's cancellation reaches
// the tasks in the same way.
//
// # Errors
//
// Run returns the root errors: the errors returned by the body and the
// tasks that are not echoes of the nursery's own cancellation. An error is
// an echo when the nursery's context was already canceled before the task
// returned it and it matches context.Canceled, context.DeadlineExceeded or
// the cancellation cause; echoes are dropped, and so is an error value
// that was already reported. One root error comes back as it is, so
// err == ErrX holds; several come back joined in the order they were
// returned, and errors.Is and errors.As reach each. If the parent context
// was canceled and the tasks only echoed it, Run returns its cause.
//
// With [Supervise], errors do not cancel the nursery: every task runs to
// the end and every root error comes back by the same rules (the same
// error value once).
//
// # Memory
//
// Run is a join, as [sync.WaitGroup.Wait] is: in the terminology of the Go
// memory model, the end of every task synchronizes before Run returns, so
// results that tasks write into variables, such as their own index of a
// slice, can be read after Run with no further synchronization. The other
// blocking calls say what they guarantee likewise: [Future.Await] and
// [Future.Done] after the task's end, [Nursery.Start] after its call of
// ready.
//
// # Panics and Goexit
//
// A panic in a task is never lost. The nursery is canceled at once; when the
// other tasks have returned, Run panics in its caller's goroutine with a
// [*PanicError] that carries the value and the stack of the task that
// panicked. A task that calls runtime.Goexit, as t.FailNow does in a test,
// fails the nursery the same way, and Run then calls runtime.Goexit in its
// caller. If a canceled task ignores its context, so that the nursery
// cannot close within the grace period after a panic ([Grace], by default
// [DefaultGrace]), the program crashes with the original panic rather than
// hang with it hidden.
//
// # Limits
//
// With [Limit], at most n tasks are admitted at once: [Nursery.Go] blocks
// while n are running, until one returns, as errgroup's SetLimit does.
// [Queue] lets k more wait behind the limit before Go blocks;
// [Nursery.TryGo] never waits or queues, and reports false. A canceled
// nursery never leaves Go blocked: it drops the waiting and queued tasks.
// Limited tasks run on reused worker goroutines. A task that starts tasks
// in its own full nursery blocks, as it would with errgroup: use TryGo, a
// Queue, or a nested nursery for recursive work.
//
// # Handshakes, background tasks and futures
//
// [Nursery.Start] starts a task and waits until it says it is ready, as a
// server does once it has bound its listener; [StartValue] also hands back
// a value, such as the bound address. A failure before ready is Start's
// caller's to handle, not the nursery's.
//
// [Nursery.Background] starts a task that serves the others, such as a
// metrics flusher: once the body and every other task have returned, the
// nursery cancels its background tasks and waits for them, and their echo
// of that cancellation is not an error.
//
// [Spawn] starts a task with a result and returns a [Future]; [Future.Await]
// waits for the result, or for its own context. The task fails the nursery
// like any task, whether or not anyone awaits it.
//
// # Seeing inside
//
// A named scope ([Name]) and a named task ([Named]) run under the pprof
// labels "scope" and "task", so a goroutine profile groups goroutines by
// task.
//
// An [Instrument], added with [AddInstrument], hears every event of every
// scope and task: a scope opens, is canceled, closes; a task is submitted,
// waits behind a limit, starts, ends or is dropped. It is the one
// observation point: package nursery/inspect builds the live task tree,
// stall reports, slog records and runtime/trace regions on it, and an
// OpenTelemetry instrument can make spans of scopes and tasks. With no
// instrument added, a start pays one nil check.
//
// # Rules
//
// A Nursery is valid only during the call to Run that created it: starting
// a task after Run has returned panics. A nil body or task panics at the
// call that passed it, and so does an invalid option. Run starts no
// goroutine but those that run tasks (and, while it holds a panic, a timer),
// so it can be used inside a testing/synctest bubble.
package nursery
