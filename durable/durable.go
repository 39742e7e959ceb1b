package durable

import (
	"errors"
	"reflect"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// A Nursery is the scope of one call to [Run]: the tasks started in it run
// in coroutines of the workflow, and all of them have returned before Run
// returns. A Nursery is only valid inside the call to Run that created it;
// starting a task after Run has returned panics.
//
// Workflow code runs one coroutine at a time, and the SDK hands control
// from one coroutine to the next over channels, so the fields below need no
// lock: whoever reads or writes them is the coroutine that is running.
type Nursery struct {
	// Set by Run before the body starts; read-only afterwards.
	ctx    workflow.Context    // the tasks' context: canceled by the first failure, by Cancel, and when Run returns
	cancel workflow.CancelFunc // cancels ctx
	parent workflow.Context    // the context passed to Run
	cfg    config

	running    int          // tasks started and not yet returned; Run waits for zero
	closed     bool         // Run has returned: no more starts
	ownCancel  bool         // the nursery canceled itself while its parent was live
	cause      error        // the failure that canceled the nursery, if one did
	parentEcho bool         // an echo of the parent's cancellation was dropped
	errs       []error      // root errors, in the order they were returned
	panicked   *PanicError  // the first panic, body or task
	seen       map[any]bool // the comparable errors in errs, for "reported once"; looked up, never ranged over
}

// Run calls body with a new nursery and returns once body and every task
// started in the nursery, including tasks started by tasks, have returned:
// no coroutine started in the nursery outlives the call.
//
// The nursery's context, passed to body and to every task, is derived from
// ctx with [workflow.WithCancel]. The first failure cancels it: a non-nil
// error (unless [Supervise] is given) or a panic, in a task or in body.
// Canceling it requests the cancellation of every activity, timer and child
// workflow started with it. It is canceled in any case when Run returns. A
// workflow context carries no cause: the nursery keeps the failure itself
// and returns it.
//
// Run returns the root errors of body and the tasks, in the order they were
// returned: one as it is, several joined with [errors.Join]. An error is an
// echo, and is dropped, when the nursery's context was already canceled
// when a task returned it and it is a [*temporal.CanceledError]
// ([temporal.IsCanceledError]: a canceled activity, timer or Await) or
// matches the failure that canceled the nursery; an error value already
// reported is not reported again. If ctx was canceled (the workflow was
// canceled) and the tasks only echoed it, Run returns ctx.Err(), a
// CanceledError, which the workflow function can return as it is.
//
// If a task panics, Run waits for the other tasks and then panics in its
// own coroutine with a [*PanicError] holding the value and the task's
// stack; if several panic, the first is raised. A panic in body is raised
// the same way, after the tasks have returned. Out of the workflow function
// the panic meets the worker's panic policy (see the package doc).
//
// A coroutine that ends through runtime.Goexit is not a failure: the SDK
// ends the coroutines of a workflow that has completed, or that leaves the
// worker's cache, this way, and Run then does nothing that could block.
//
// Run panics if ctx or body is nil.
func Run(ctx workflow.Context, body func(ctx workflow.Context, n *Nursery) error, opts ...Option) error {
	if ctx == nil {
		panic("durable: Run called with a nil context")
	}
	if body == nil {
		panic("durable: Run called with a nil body")
	}
	n := &Nursery{parent: ctx, cfg: configure("Run", opts)}
	n.ctx, n.cancel = workflow.WithCancel(ctx)

	// Run body. A panic in it is recovered in callBody, so that the tasks
	// are awaited after the unwinding: the SDK refuses to block a
	// coroutine that is panicking.
	if err, panicked := n.callBody(body); !panicked {
		n.failed(err)
	}

	// Wait for every task, ignoring cancellation: a canceled nursery still
	// waits for its tasks to return.
	if n.running > 0 {
		wctx, release := workflow.NewDisconnectedContext(ctx)
		_ = workflow.Await(wctx, func() bool { return n.running == 0 })
		release()
	}
	n.closed = true
	n.cancel()

	if n.panicked != nil {
		panic(n.panicked)
	}
	return n.result()
}

// callBody runs body and reports whether it panicked, in which case the
// panic is recorded and the nursery canceled. If body ends through
// runtime.Goexit (the SDK tearing the coroutine down), the Goexit goes on
// and nothing after callBody runs.
func (n *Nursery) callBody(body func(ctx workflow.Context, n *Nursery) error) (err error, panicked bool) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if r := recover(); r != nil {
			pe := newPanicError(r, n.cfg.name)
			if _, nested := r.(*PanicError); !nested { // a nested Run's keeps its own
				pe.body = true
			}
			n.abort(pe)
			panicked = true
		}
	}()
	err = body(n.ctx, n)
	returned = true
	return err, false
}

// Go starts task in a new coroutine of the nursery. The task receives the
// nursery's context.
//
// ctx is the caller's own context (body's, or a task's): with a [Limit],
// Go waits, with [workflow.Await] on ctx, while the limit is reached, and a
// workflow coroutine can only wait through its own context. If the nursery
// is canceled while Go waits, or ctx is, Go gives up and drops the task: it
// would only have seen a canceled context. Without a limit Go never
// blocks, and a task started in a canceled nursery still runs, with the
// canceled context.
//
// Go panics if ctx or task is nil, or if Run has returned.
func (n *Nursery) Go(ctx workflow.Context, task func(ctx workflow.Context) error) {
	if task == nil {
		panic("durable: Go called with a nil task")
	}
	n.start(ctx, "Go", task, nil)
}

// Cancel cancels the nursery's context without failing the nursery: the
// tasks' echoes of the cancellation are dropped, and Run returns nil unless
// a task failed on its own. Cancel does not wait for the tasks. If the
// nursery's context is already canceled, Cancel does nothing.
//
// Cancel takes no cause, as [workflow.CancelFunc] takes none.
func (n *Nursery) Cancel() {
	n.cancelOwn()
}

// A settler learns how a task that never returned a value ended: a
// [Future], for a task that panicked, was dropped, or was torn down.
type settler interface {
	settle(err error)
}

// start admits task and starts its coroutine, waiting on ctx for room
// under the limit. what names the call in panics. s, if not nil, is told
// when the task ends without returning.
func (n *Nursery) start(ctx workflow.Context, what string, task func(ctx workflow.Context) error, s settler) {
	if ctx == nil {
		panic("durable: " + what + " called with a nil context")
	}
	if n.closed {
		panic("durable: " + what + " called after Run returned")
	}
	if lim := n.cfg.limit; lim > 0 && n.running >= lim {
		// The condition checks the nursery's cancellation itself: Await
		// evaluates the condition before it looks at ctx, so a slot that
		// frees as the nursery is canceled would otherwise admit the task.
		gaveUp := false
		err := workflow.Await(ctx, func() bool {
			if n.ctx.Err() != nil {
				gaveUp = true
				return true
			}
			return n.running < lim
		})
		if gaveUp || err != nil {
			if s != nil {
				if !gaveUp {
					s.settle(err) // ctx's cancellation; the nursery is live
				} else {
					s.settle(n.ctx.Err())
				}
			}
			return
		}
		if n.closed {
			panic("durable: " + what + " called after Run returned")
		}
	}
	n.running++
	run := func(tctx workflow.Context) { n.runTask(tctx, task, s) }
	if n.cfg.name != "" {
		workflow.GoNamed(n.ctx, n.cfg.name, run)
	} else {
		workflow.Go(n.ctx, run)
	}
}

// runTask is the body of a task's coroutine: it runs task, records its
// failure or panic, and uncounts it.
func (n *Nursery) runTask(ctx workflow.Context, task func(ctx workflow.Context) error, s settler) {
	returned := false
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				pe := newPanicError(r, n.cfg.name)
				if s != nil {
					s.settle(pe)
				}
				n.abort(pe)
			} else if s != nil {
				// runtime.Goexit: the SDK tearing the workflow's
				// coroutines down. Not a failure, and nothing here
				// may block.
				s.settle(errGoexit)
			}
		}
		n.running--
	}()
	err := task(ctx)
	returned = true
	n.failed(err)
}

// settleFuture records the outcome of get, which reads the result of a
// call that ran without a coroutine of its own (see eachActivity), as
// runTask records a task's: its error, or its panic (a data converter's),
// which cancels the nursery and is raised by Run once the other calls have
// ended. It never blocks: get reads a future that is ready.
func (n *Nursery) settleFuture(get func() error) {
	returned := false
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				n.abort(newPanicError(r, n.cfg.name))
			}
		}
	}()
	err := get()
	returned = true
	n.failed(err)
}

// errGoexit is what a future holds when its task ended through
// runtime.Goexit without returning.
var errGoexit = errors.New("durable: task ended through runtime.Goexit")

// failed records err, returned by body or a task, as a failure unless it
// is nil or an echo of the nursery's cancellation. It must be called right
// after the task returned: whether the nursery was canceled is read here.
func (n *Nursery) failed(err error) {
	if err == nil {
		return
	}
	if n.ctx.Err() != nil && (temporal.IsCanceledError(err) || (n.cause != nil && errors.Is(err, n.cause))) {
		// An echo. It echoed the parent if the parent was canceled before
		// the nursery canceled itself.
		if n.parent.Err() != nil && !n.ownCancel {
			n.parentEcho = true
		}
		return
	}
	if !n.reported(err) {
		n.errs = append(n.errs, err)
	}
	if !n.cfg.supervise {
		if n.cause == nil && n.ctx.Err() == nil {
			n.cause = err
		}
		n.cancelOwn()
	}
}

// reported reports whether err was reported before, and remembers it if
// not. Errors whose dynamic type is not comparable are never the same value.
func (n *Nursery) reported(err error) bool {
	if !reflect.TypeOf(err).Comparable() {
		return false
	}
	if n.seen[err] {
		return true
	}
	if n.seen == nil {
		n.seen = make(map[any]bool)
	}
	n.seen[err] = true
	return false
}

// abort records a panic and cancels the nursery. It never blocks: it runs
// in the deferred function of a panicking coroutine.
func (n *Nursery) abort(pe *PanicError) {
	if n.panicked == nil {
		n.panicked = pe
	}
	if n.cause == nil && n.ctx.Err() == nil {
		n.cause = pe
	}
	n.cancelOwn()
}

// cancelOwn cancels the nursery for a reason of its own.
func (n *Nursery) cancelOwn() {
	if n.ctx.Err() != nil {
		return
	}
	if n.parent.Err() == nil {
		n.ownCancel = true
	}
	n.cancel()
}

// result is what Run returns when no panic is raised.
func (n *Nursery) result() error {
	switch len(n.errs) {
	case 0:
		if n.parentEcho {
			return n.parent.Err()
		}
		return nil
	case 1:
		return n.errs[0]
	default:
		return errors.Join(n.errs...)
	}
}
