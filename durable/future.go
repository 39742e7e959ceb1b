package durable

import "go.temporal.io/sdk/workflow"

// A Future is the result of a task started with [Spawn]. It is written
// once, when the task ends, and can be read any number of times, from any
// coroutine of the workflow, during or after the nursery's Run.
type Future[T any] struct {
	done  bool
	value T
	err   error
}

// Spawn starts task in the nursery as [Nursery.Go] does (counting toward
// its [Limit], and waiting on ctx for room) and returns a [Future] for its
// result. The task fails the nursery like any task, whether or not its
// result is ever read.
//
// If the task panics, the future's error is the [*PanicError] that Run
// raises. If Spawn gives up waiting for room because the nursery or ctx was
// canceled, the task never runs and the future's error is that
// cancellation, a [*temporal.CanceledError].
//
// Spawn panics if ctx, n or task is nil, or if Run has returned.
func Spawn[T any](ctx workflow.Context, n *Nursery, task func(ctx workflow.Context) (T, error)) *Future[T] {
	if n == nil {
		panic("durable: Spawn called with a nil Nursery")
	}
	if task == nil {
		panic("durable: Spawn called with a nil task")
	}
	f := &Future[T]{}
	n.start(ctx, "Spawn", func(ctx workflow.Context) error {
		v, err := task(ctx)
		f.value, f.err, f.done = v, err, true
		return err
	}, f)
	return f
}

// settle ends a future whose task did not return.
func (f *Future[T]) settle(err error) {
	f.err, f.done = err, true
}

// Get waits for the task to end and returns its result and error, or the
// zero value and ctx's error (a [*temporal.CanceledError]) if ctx is
// canceled first. A task's result is returned even if ctx is canceled too.
// ctx must be the caller's own context: Get waits with [workflow.Await].
//
// Get panics if ctx is nil.
func (f *Future[T]) Get(ctx workflow.Context) (T, error) {
	if !f.done {
		if ctx == nil {
			panic("durable: Get called with a nil context")
		}
		if err := workflow.Await(ctx, func() bool { return f.done }); err != nil {
			var zero T
			return zero, err
		}
	}
	return f.value, f.err
}
