package nursery

import (
	"context"
	"fmt"
	"runtime/pprof"
	"sync"
	"sync/atomic"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/internal/taskrun"
)

// A Nursery is the scope of one call to [Run]: the tasks started in it run
// in their own goroutines and all of them have returned before Run returns.
// A Nursery is only valid inside the call to Run that created it; starting a
// task after Run has returned panics.
type Nursery struct {
	// Set by Run before the body starts; read-only afterwards.
	ctx     context.Context         // the tasks' context; it carries the pprof labels of a named scope
	cancel  context.CancelCauseFunc // cancels ctx; the first call's cause wins
	parent  context.Context         // the context passed to Run
	body    func(ctx context.Context, n *Nursery) error
	bodyCtx context.Context // the body's context: ctx, or the instruments' for it
	bodyObs *taskObs        // the body's observation, if the nursery is observed
	cfg     config
	lim     *limiter  // nil without a limit
	obs     *scopeObs // nil unless some instrument was added when Run was called

	// ownCancel is set when the nursery cancels itself (a failure or Cancel)
	// while its parent is live: its echoes then echo it, not the parent.
	ownCancel atomic.Bool

	mu         sync.Mutex         // guards the fields below, up to state
	wake       sync.Cond          // on mu: signaled each time the task count drops to zero
	errs       []error            // root errors, in the order they were reported
	seen       map[error]struct{} // the comparable errors in errs, for "reported once"
	parentEcho bool               // an echo of the parent's cancellation was dropped
	goexit     bool               // a task called runtime.Goexit
	closed     bool               // Run is done waiting; the watchdog stands down
	panicked   *PanicError        // the first panic, body or task
	bodyPanic  any                // body's panic value when panicked came from it, re-raised as it is
	bgCtx      context.Context
	bgCancel   context.CancelCauseFunc

	watchdog taskrun.Watchdog // armed by the first panic or Goexit, stopped by close

	// state counts what Run waits for: the body, the Start tasks and an
	// unlimited nursery's Go, TryGo and Spawn tasks not yet finished in the
	// low bits, and background tasks above them (a limited nursery's Go,
	// TryGo and Spawn tasks are counted in its limiter's pending instead,
	// which Run waits for too). Run sets closedBit, by a CAS, once the
	// body and every task have returned; a start that sees it panics. Every
	// start adds to state before its task can run, and every task subtracts
	// after its failure, if any, is recorded: so when Run sees no tasks, all
	// failures are recorded and no start is in flight. It comes last, after
	// more than a cache line of fields written only on failures and at the
	// end, so that its writes by every start and end stay off the cache line
	// of the read-mostly fields at the top.
	state atomic.Int64

	// How an unlimited nursery starts its Go and TryGo tasks (see
	// launchQueue): lq when no instrument observes it, lqObs when one does.
	lq    launchQueue[struct{}]
	lqObs launchQueue[any]
}

// The fields of Nursery.state.
const (
	taskMask  = 1<<40 - 1 // body and Go, TryGo, Spawn, Start tasks
	bgUnit    = 1 << 40   // one background task
	closedBit = 1 << 62   // Run has returned: no more starts
)

// Causes the nursery invents. Each wraps context.Canceled, so that code
// that treats cancellation as such recognizes them.
var (
	errClosed         = fmt.Errorf("nursery: Run returned: %w", context.Canceled)
	errBackgroundDone = fmt.Errorf("nursery: background task canceled: the other tasks are done: %w", context.Canceled)
)

// Run calls body with a new nursery and returns once body and every task
// started in the nursery, including tasks started by tasks, have returned.
//
// The nursery's context, passed to body and to every task, is derived from
// ctx. The first failure cancels it, with that failure as its cause: a
// non-nil error (unless [Supervise] is given), a panic, or a call to
// runtime.Goexit, in a task or in body. It is canceled in any case when Run
// returns.
//
// Run returns the root errors of body and the tasks, in the order they were
// returned: one as it is, several joined with [errors.Join]. An error is an
// echo, and is dropped, when the nursery's context was already canceled
// before the task returned it and it matches [context.Canceled],
// [context.DeadlineExceeded] or the cancellation cause; an error value
// already reported is not reported again. If the parent ctx was canceled
// and the tasks only echoed it, Run returns context.Cause(ctx).
//
// If a task panics, Run waits for the other tasks and then panics in its
// caller's goroutine with a [*PanicError] holding the value and the task's
// stack; if several panic, the first is raised. A panic in body propagates
// as it is, after the tasks have returned. If a task called runtime.Goexit,
// Run calls runtime.Goexit once the tasks have returned. A panic wins over
// a Goexit, and both win over errors. If the tasks have not all returned
// within the grace period after a panic or a Goexit (see [Grace]), the
// program crashes with the original panic.
//
// In the terminology of the Go memory model, the end of body and of every
// task (its return, panic or Goexit) synchronizes before Run returns or
// re-raises: what they wrote is visible to Run's caller without further
// synchronization, as after [sync.WaitGroup.Wait].
//
// Run panics if ctx or body is nil.
//
//go:noinline
func Run(ctx context.Context, body func(ctx context.Context, n *Nursery) error, opts ...Option) error {
	// Run's own frame is kept small, and the deep calls are made from it
	// rather than from frames above it: it lies under every frame of body
	// and of the tasks, and a task that opens a nursery would otherwise
	// outgrow its goroutine's first stack and pay for a copy.
	n := newNursery(ctx, body, opts)
	if list := taskrun.Instruments(); list != nil {
		ctx = n.observe(ctx, list, callerpc.Caller()) // the scope opens
	}
	n.ctx, n.cancel = context.WithCancelCause(ctx)
	n.setup()
	// A panic or Goexit in body ends it in Call's deferred function; a
	// return ends it here, and the cancellation goes deep into package
	// context from Run's frame.
	if err, ok := taskrun.Call(runBody, n, n.bodyEnded); ok {
		n.closeBody(taskrun.Outcome{Err: err})
		n.cancel(errClosed)
		n.finish(false)
	}
	return n.result()
}

// runBody runs n's body, for taskrun.Call.
func runBody(n *Nursery) error { return n.body(n.bodyCtx, n) }

// newNursery checks Run's arguments and makes the nursery, with its
// options applied.
func newNursery(ctx context.Context, body func(ctx context.Context, n *Nursery) error, opts []Option) *Nursery {
	if ctx == nil {
		panic("nursery: Run called with a nil context")
	}
	if body == nil {
		panic("nursery: Run called with a nil body")
	}
	n := &Nursery{parent: ctx, body: body}
	n.cfg.grace = DefaultGrace
	for _, o := range opts {
		if o == nil {
			panic("nursery: Run called with a nil Option")
		}
		o.apply(&n.cfg) // not to a local config, which would escape
	}
	if n.cfg.queueSet && n.cfg.limit == 0 {
		panic(fmt.Sprintf("nursery: Run called with Queue(%d) but no Limit: a queue waits behind a limit", n.cfg.queue))
	}
	if n.cfg.limit > 0 {
		n.lim = newLimiter(n.cfg.limit, n.cfg.queue)
	}
	n.wake.L = &n.mu
	return n
}

// setup completes a nursery whose context is set: it counts the body in
// it, makes the body's context and observation, and the launch queue.
func (n *Nursery) setup() {
	if n.cfg.name != "" {
		// The labels extend the caller's, and travel in the tasks' context
		// so that Named adds to them.
		n.ctx = pprof.WithLabels(n.ctx, pprof.Labels("scope", n.cfg.name))
	}
	n.state.Store(1) // the body
	n.bodyCtx = n.ctx
	if n.obs != nil {
		n.obs.watchCancel(n.ctx)
		n.bodyObs = n.obs.submit(new(taskObs), "body", nil, n.obs.site)
		n.bodyCtx = n.bodyObs.started(n.bodyCtx)
	}
	n.prepareLaunch()
}

// closeBody records how body ended, uncounts it, waits for the tasks and
// closes the nursery. Its caller then cancels the nursery's context with
// errClosed and calls finish. After a return Run does these from its own
// frame: the cancellation goes deep into package context, and a task that
// opens a nursery would otherwise outgrow its goroutine's first stack
// there.
func (n *Nursery) closeBody(o taskrun.Outcome) {
	var pe *PanicError
	echo := false
	switch {
	case o.Panic != nil:
		pe = newPanicError(o.Panic, n.cfg.name)
		n.hold(pe, o.Panic.Value)
	case o.Goexit:
		n.hold(nil, nil)
	default:
		echo = n.failed(o.Err, n.ctx)
	}
	if n.bodyObs != nil {
		n.bodyObs.ended(outcomeErr(o, pe), echo)
	}
	n.exit(1)
	n.close()
	if n.obs != nil {
		n.obs.settleCancel(n.ctx) // before errClosed, which is not reported
	}
}

// Go starts task in a goroutine of the nursery: a new one, or with a [Limit]
// an idle worker. The task receives the nursery's context.
//
// With a [Limit], Go blocks while the limit is reached, until a task
// returns; with a [Queue] too, it blocks only while the queue is full as
// well. If the nursery is canceled while the task waits, Go gives up and
// drops it: it would only have seen a canceled context. Without a limit, Go
// never blocks, and a task started in a canceled nursery still runs, with
// the canceled context.
//
// Go panics if task is nil or if Run has returned.
//
//go:noinline
func (n *Nursery) Go(task func(ctx context.Context) error) {
	if task == nil {
		panic("nursery: Go called with a nil task")
	}
	switch {
	case n.lim != nil && n.obs == nil:
		n.dispatchLimited(job{fn: task}, "Go")
	case n.lim != nil:
		n.lim.open("Go")
		n.goObserved(task, "go", n.obs.siteFor(callerpc.Caller()), false)
	case n.obs != nil:
		n.enter(1, "Go")
		n.goObserved(task, "go", n.obs.siteFor(callerpc.Caller()), false)
	default:
		n.enter(1, "Go")
		n.launch(task)
	}
}

// TryGo starts task as [Nursery.Go] does if the nursery has room for it, and
// reports whether it did. Without a [Limit] there is always room; with one,
// TryGo returns false when the limit is reached, and never queues (even
// with room in a [Queue]) or blocks: a task TryGo accepts is admitted at
// once and runs.
//
// TryGo panics if task is nil or if Run has returned.
//
//go:noinline
func (n *Nursery) TryGo(task func(ctx context.Context) error) bool {
	if task == nil {
		panic("nursery: TryGo called with a nil task")
	}
	if n.lim == nil {
		n.enter(1, "TryGo")
	} else if !n.lim.reserve() {
		return false
	}
	if n.obs != nil {
		n.goObserved(task, "trygo", n.obs.siteFor(callerpc.Caller()), n.lim != nil)
		return true
	}
	if n.lim == nil {
		n.launch(task)
	} else {
		n.place(job{fn: task})
	}
	return true
}

// enter counts a task about to start in state. what names the call, for
// the panic that a start after Run has returned gets.
func (n *Nursery) enter(unit int64, what string) {
	if n.state.Add(unit)&closedBit != 0 {
		n.state.Add(-unit)
		panicClosed(what)
	}
}

// panicClosed panics for a call, named what, made after Run returned.
func panicClosed(what string) {
	panic("nursery: " + what + " called after Run returned")
}

// exit uncounts a finished or dropped task, and wakes Run when no task but
// background ones is left.
func (n *Nursery) exit(unit int64) {
	if n.state.Add(-unit)&taskMask == 0 {
		n.wakeRun()
	}
}

// wakeRun wakes Run, which waits for the task count to drop to zero.
func (n *Nursery) wakeRun() {
	n.mu.Lock()
	n.wake.Signal()
	n.mu.Unlock()
}

// close waits until body and every task have returned, canceling the
// background tasks once only they are left, then closes the nursery and
// lets its idle workers go.
func (n *Nursery) close() {
	l := n.lim
	if l != nil {
		l.closing.Store(true) // before pending is read: see release
	}
	n.mu.Lock()
	bgEnded := false
	for {
		v := n.state.Load()
		limited := l != nil && l.pending.Load() != 0
		if v == 0 && !limited {
			// Seal the limiter, then close: from now on every start
			// panics. No task is left to make a start, so one that
			// makes a CAS fail comes from outside the nursery, racing
			// with Run's return (a misuse): Run unseals and waits for
			// what it started.
			if l != nil && !l.pending.CompareAndSwap(0, sealed) {
				continue
			}
			if n.state.CompareAndSwap(0, closedBit) {
				break
			}
			if l != nil {
				l.pending.Store(0)
			}
			continue
		}
		if cancel := n.bgCancel; v&taskMask == 0 && !limited && !bgEnded && cancel != nil {
			// Only background tasks are left: cancel them, once. If the
			// nursery's context is being canceled, the tasks that just
			// returned may have seen it done before the context package
			// canceled its children, the background context among them,
			// with the nursery's cause: context.Cause takes the lock that
			// the cancellation holds until then, so that the background
			// tasks see the nursery's cause and not Run's.
			bgEnded = true
			n.mu.Unlock()
			_ = context.Cause(n.ctx)
			cancel(errBackgroundDone) // no effect if the nursery's cancellation reached it
			n.mu.Lock()
			continue
		}
		n.wake.Wait()
	}
	n.mu.Unlock()
	if n.lim != nil {
		n.lim.endDrain()
		n.lim.stop() // every task has ended
		n.lim.wg.Wait()
	}
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.watchdog.Stop()
}
