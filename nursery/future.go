package nursery

import (
	"context"
	"sync/atomic"
)

// A Future is the result of a task started with [Spawn]. It is written
// once, when the task ends, and can be read any number of times, from any
// goroutine, during or after the nursery's Run.
type Future[T any] struct {
	done  chan struct{} // closed once value and err are set and the nursery has recorded them
	set   atomic.Bool   // value and err are set; stored before done is closed
	value T
	err   error
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
func Spawn[T any](n *Nursery, task func(ctx context.Context) (T, error)) *Future[T] {
	if n == nil {
		panic("nursery: Spawn called with a nil Nursery")
	}
	if task == nil {
		panic("nursery: Spawn called with a nil task")
	}
	f := &Future[T]{done: make(chan struct{})}
	// The outcome is set first, then recorded with the nursery (which
	// cancels it for a failure), and only then is done closed: so no one
	// who awaits the future can act on a failure the nursery has not yet
	// seen. An Await woken by that cancellation still finds the outcome set.
	fn := func(ctx context.Context) error {
		returned := false
		defer func() {
			if returned {
				return
			}
			r := recover()
			if r == nil {
				f.err = ErrGoexit
				f.set.Store(true)
				n.abort(nil, false) // runJob records the Goexit again, harmlessly
				close(f.done)
				return // the Goexit goes on
			}
			pe := newPanicError(r, n.cfg.name)
			f.err = pe
			f.set.Store(true)
			n.abort(pe, false)
			close(f.done) // and the recovered panic ends here: it is recorded
		}()
		v, err := task(ctx)
		returned = true
		f.value, f.err = v, err
		f.set.Store(true)
		n.failed(err, n.ctx)
		close(f.done)
		return nil // recorded above
	}
	n.enter(1, "Spawn")
	j := job{fn: fn, dropped: func() {
		f.err = context.Cause(n.ctx)
		close(f.done)
	}}
	if n.trk != nil {
		j.rec = n.trk.add(n.ctx, "spawn", callerSite(1))
	}
	n.dispatch(j, true)
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
