package nursery

import (
	"context"
	"sync/atomic"

	"github.com/scoped-go/scoped/internal/callerpc"
)

// A Future is the result of a task started with [Spawn]. It is written
// once, when the task ends, and can be read any number of times, from any
// goroutine, during or after the nursery's Run.
type Future[T any] struct {
	futureCore
	value T // written by the task's goroutine before it settles the core
}

// futureCore is the part of a [Future] that the nursery completes: a
// Spawn task's job tells it how the task ended, or that it was dropped.
type futureCore struct {
	done chan struct{} // closed once value and err are set and the nursery has recorded them
	set  atomic.Bool   // value and err are set; stored before done is closed
	err  error
}

// Spawn starts task in the nursery as [Nursery.Go] does (counting toward
// its [Limit]) and returns a [Future] for its result. The task fails the
// nursery like any task, whether or not its result is ever awaited.
//
// If the task panics, the future's error is the [*PanicError] that Run
// raises; if it calls runtime.Goexit, [ErrGoexit]. If the nursery drops the
// task before it starts (see [Limit]), the error is the cause of the
// nursery's cancellation.
//
// Spawn panics if n or task is nil, or if Run has returned.
//
//go:noinline
func Spawn[T any](n *Nursery, task func(ctx context.Context) (T, error)) *Future[T] {
	if n == nil {
		panic("nursery: Spawn called with a nil Nursery")
	}
	if task == nil {
		panic("nursery: Spawn called with a nil task")
	}
	f := &Future[T]{futureCore: futureCore{done: make(chan struct{})}}
	fn := func(ctx context.Context) error {
		v, err := task(ctx)
		f.value = v // before the task's end is recorded: see Nursery.record
		return err
	}
	if n.lim == nil {
		n.enter(1, "Spawn")
	} else if n.obs != nil {
		n.lim.open("Spawn")
	}
	j := job{fn: fn, x: &extra{fut: &f.futureCore}}
	if n.obs != nil {
		n.obs.submit(&j.x.to, "spawn", nil, n.obs.siteFor(callerpc.Caller()))
	}
	n.dispatch(j, "Spawn")
	return f
}

// Await returns the task's result and error once the task has ended, or
// the zero value and context.Cause(ctx) if ctx is done first. A task's
// result is returned even if ctx is done too.
//
// In the terminology of the Go memory model, the end of the task (its
// return, panic or Goexit) synchronizes before Await returns its outcome:
// what the task wrote is visible to Await's caller.
//
// Await panics if ctx is nil, whether or not the task has ended.
func (f *Future[T]) Await(ctx context.Context) (T, error) {
	if ctx == nil {
		panic("nursery: Await called with a nil context")
	}
	select {
	case <-f.done:
		return f.value, f.err
	default:
	}
	select {
	case <-f.done:
		return f.value, f.err
	case <-ctx.Done():
		if f.set.Load() { // ctx ended by this very outcome, or as it was set
			return f.value, f.err
		}
		var zero T
		return zero, context.Cause(ctx)
	}
}

// Done returns a channel that is closed when the task has ended, for use
// in a select. After it is closed, Await returns at once.
//
// In the terminology of the Go memory model, the end of the task
// synchronizes before the channel is closed: a receive that finds it
// closed sees what the task wrote.
func (f *Future[T]) Done() <-chan struct{} {
	return f.done
}

// settle sets the outcome: the task's error, a *PanicError or ErrGoexit.
// The task's goroutine calls it before the nursery records the outcome.
func (f *futureCore) settle(err error) {
	f.err = err
	f.set.Store(true)
}

// publish makes the outcome visible to Await, after the nursery has
// recorded it.
func (f *futureCore) publish() { close(f.done) }

// drop sets cause as the error of a task dropped before it started, and
// publishes it.
func (f *futureCore) drop(cause error) {
	f.err = cause
	close(f.done)
}
