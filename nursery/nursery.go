package nursery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scoped-go/scoped/internal/nurseryhook"
)

// A Nursery is the scope of one call to [Run]: the tasks started in it run
// in their own goroutines and all of them have returned before Run returns.
// A Nursery is only valid inside the call to Run that created it; starting a
// task after Run has returned panics.
type Nursery struct {
	// Set by Run before the body starts; read-only afterwards.
	ctx    context.Context         // the tasks' context; it carries the pprof labels of a named scope
	cancel context.CancelCauseFunc // cancels ctx; the first call's cause wins
	parent context.Context         // the context passed to Run
	cfg    config
	lim    *limiter     // nil without a limit
	trk    *scopeRecord // nil unless tracking was on when Run was called

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
	watchdog   *time.Timer        // armed by the first panic or Goexit
	bgCtx      context.Context
	bgCancel   context.CancelCauseFunc

	// state counts what Run waits for: the body and the Go, TryGo, Spawn and
	// Start tasks not yet finished in the low bits (queued tasks included),
	// and background tasks above them. Run sets closedBit, by a CAS, once the
	// body and every task have returned; a start that sees it panics. Every
	// start adds to state before its task can run, and every task subtracts
	// after its failure, if any, is recorded: so when Run sees no tasks, all
	// failures are recorded and no start is in flight. It comes last, after
	// more than a cache line of fields written only on failures and at the
	// end, so that its writes by every start and end stay off the cache line
	// of the read-mostly fields at the top.
	state atomic.Int64
}

// A limiter runs the Go, TryGo and Spawn tasks of a limited nursery on
// workers, at most cfg.limit of them: a worker that has finished a task
// takes the next from work and parks on it until Run closes it. Without a
// limit each task has its own goroutine: handing tasks to parked
// goroutines measured no faster than the go statement, whose runtime
// already recycles goroutines.
//
// pending is the truth about room: a task is counted in it, by a CAS that
// keeps it at most cfg.limit+cfg.queue, before it is sent on work, and
// uncounted when it has returned or been dropped. So work, buffered that
// long, never blocks a send, and a task counted within cfg.limit has a
// worker that is idle or about to be: it is admitted. A Go that finds no
// room waits for a release to signal room.
type limiter struct {
	work    chan job       // buffered cfg.limit+cfg.queue: tasks on their way to a worker
	room    chan struct{}  // buffered 1: a signal to a Go waiting for room
	workers atomic.Int32   // workers alive
	pending atomic.Int64   // tasks admitted or queued and not finished
	waiting atomic.Int32   // Go calls parked, or about to park, waiting for room
	wg      sync.WaitGroup // every worker
}

// admit counts a task if fewer than bound are pending, and returns the
// count with it.
func (l *limiter) admit(bound int64) (int64, bool) {
	for {
		p := l.pending.Load()
		if p >= bound {
			return p, false
		}
		if l.pending.CompareAndSwap(p, p+1) {
			return p + 1, true
		}
	}
}

// release uncounts a task that has returned or been dropped, and signals
// room to a waiting Go. A waiter counts itself in waiting before it checks
// for room, and release uncounts before it reads waiting: so either the
// waiter sees the room or release sees the waiter. The signal is dropped
// when one is already buffered; the waiter that takes that one passes it
// on if there is still room (see waitRoom), so no room goes unnoticed.
func (l *limiter) release() {
	l.pending.Add(-1)
	if l.waiting.Load() > 0 {
		select {
		case l.room <- struct{}{}:
		default:
		}
	}
}

// A job is a Go, TryGo or Spawn task on its way to a goroutine.
type job struct {
	fn func(context.Context) error
	// queued is set for a task that waited behind the limit. It is dropped,
	// not run, if the nursery is canceled before a worker takes it.
	queued bool
	// dropped, if not nil, is called instead of fn when the task is dropped.
	dropped func()
	rec     *taskRecord // nil unless tracked
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
func Run(ctx context.Context, body func(ctx context.Context, n *Nursery) error, opts ...Option) error {
	// Run's own frame is kept small: it lies under every frame of body and
	// of the tasks, and a task that opens a nursery would otherwise outgrow
	// its goroutine's first stack and pay for a copy.
	n := newNursery(ctx, body, opts)
	// WithCancelCause is called here rather than in newNursery, whose frame
	// would then lie under its deep calls.
	n.ctx, n.cancel = context.WithCancelCause(ctx)
	bodyRec := n.setup()
	returned := false
	defer func() {
		if returned {
			return
		}
		// body panicked or called runtime.Goexit. Cancel the tasks and wait
		// for them here, on the panicking stack, so that a re-raised panic
		// still shows where body panicked.
		r := recover()
		n.abort(r, true)
		n.closeBody(bodyRec)
		n.raise(r == nil) // panics, unless body's own Goexit is to continue
	}()
	bodyCtx := n.ctx
	if bodyRec != nil {
		bodyCtx = bodyRec.ctx
	}
	err := body(bodyCtx, n)
	returned = true
	n.failed(err, n.ctx)
	n.closeBody(bodyRec)
	n.raise(false)
	return n.result()
}

// newNursery checks Run's arguments and makes the nursery, with its
// options applied.
func newNursery(ctx context.Context, body func(ctx context.Context, n *Nursery) error, opts []Option) *Nursery {
	if ctx == nil {
		panic("nursery: Run called with a nil context")
	}
	if body == nil {
		panic("nursery: Run called with a nil body")
	}
	n := &Nursery{parent: ctx}
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
		n.lim = &limiter{work: make(chan job, n.cfg.limit+n.cfg.queue), room: make(chan struct{}, 1)}
	}
	n.wake.L = &n.mu
	return n
}

// setup completes a nursery whose context is set, and counts the body in
// it. It returns the body's record when tracking is on.
func (n *Nursery) setup() (bodyRec *taskRecord) {
	if n.cfg.name != "" {
		// The labels extend the caller's, and travel in the tasks' context
		// so that Named adds to them.
		n.ctx = pprof.WithLabels(n.ctx, pprof.Labels("scope", n.cfg.name))
	}
	n.state.Store(1) // the body
	if tracking.Load() {
		n.trk = openScope(n, n.parent, callerSite(2))
		bodyRec = n.trk.add(n.ctx, "body", n.trk.site)
		bodyRec.started.Store(true)
	}
	return bodyRec
}

// closeBody uncounts the body once it has returned, waits for the tasks,
// closes the nursery and cancels its context.
func (n *Nursery) closeBody(bodyRec *taskRecord) {
	if bodyRec != nil {
		bodyRec.end()
	}
	n.exit(1)
	n.close()
	n.cancel(errClosed) // here, not in close, whose frame would lie under it
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
func (n *Nursery) Go(task func(ctx context.Context) error) {
	if task == nil {
		panic("nursery: Go called with a nil task")
	}
	n.enter(1, "Go")
	j := job{fn: task}
	if n.trk != nil {
		j.rec = n.trk.add(n.ctx, "go", callerSite(1))
	}
	n.dispatch(j, true)
}

func init() {
	nurseryhook.GoIndexed = func(n any, task func(context.Context, int) error, i int) {
		n.(*Nursery).goIndexed(task, i)
	}
}

// goIndexed starts task(ctx, i) as Go starts a task. In an unlimited,
// untracked nursery its goroutine is the only allocation.
func (n *Nursery) goIndexed(task func(context.Context, int) error, i int) {
	if task == nil {
		panic("nursery: Go called with a nil task")
	}
	n.enter(1, "Go")
	if n.lim == nil && n.trk == nil {
		go n.runIndexed(task, i)
		return
	}
	j := job{fn: func(ctx context.Context) error { return task(ctx, i) }}
	if n.trk != nil {
		j.rec = n.trk.add(n.ctx, "go", callerSite(2)) // the hook's caller
	}
	n.dispatch(j, true)
}

// TryGo starts task as [Nursery.Go] does if the nursery has room for it, and
// reports whether it did. Without a [Limit] there is always room; with one,
// TryGo returns false when the limit is reached, and never queues (even
// with room in a [Queue]) or blocks: a task TryGo accepts is admitted at
// once and runs.
//
// TryGo panics if task is nil or if Run has returned.
func (n *Nursery) TryGo(task func(ctx context.Context) error) bool {
	if task == nil {
		panic("nursery: TryGo called with a nil task")
	}
	n.enter(1, "TryGo")
	j := job{fn: task}
	if n.trk != nil {
		j.rec = n.trk.add(n.ctx, "go", callerSite(1))
	}
	if !n.dispatch(j, false) {
		if j.rec != nil {
			j.rec.end()
		}
		n.exit(1)
		return false
	}
	return true
}

// Cancel cancels the nursery's context with cause (context.Canceled if
// cause is nil) without failing the nursery: the tasks' echoes of the
// cancellation are dropped, and Run returns nil unless a task failed on its
// own. Cancel does not wait for the tasks. If the nursery's context is
// already canceled, Cancel does nothing.
func (n *Nursery) Cancel(cause error) {
	if cause == nil {
		cause = context.Canceled
	}
	n.cancelOwn(cause)
}

// cancelOwn cancels the nursery for a reason of its own.
func (n *Nursery) cancelOwn(cause error) {
	if n.parent.Err() == nil {
		n.ownCancel.Store(true)
	}
	n.cancel(cause) // the first cancellation's cause wins
}

// enter counts a task about to start. what names the call, for the panic
// that a start after Run has returned gets.
func (n *Nursery) enter(unit int64, what string) {
	if n.state.Add(unit)&closedBit != 0 {
		n.state.Add(-unit)
		panic("nursery: " + what + " called after Run returned")
	}
}

// exit uncounts a finished or dropped task, and wakes Run when no task but
// background ones is left.
func (n *Nursery) exit(unit int64) {
	if n.state.Add(-unit)&taskMask == 0 {
		n.mu.Lock()
		n.wake.Signal()
		n.mu.Unlock()
	}
}

// dispatch hands a counted job to a worker. It reports false, having
// started nothing, when wait is false and a limited nursery is full.
func (n *Nursery) dispatch(j job, wait bool) bool {
	if n.lim == nil {
		go n.runJob(j.fn, j.rec) // not j: a smaller closure per task
		return true
	}
	return n.dispatchLimited(j, wait)
}

// dispatchLimited is dispatch in a limited nursery.
func (n *Nursery) dispatchLimited(j job, wait bool) bool {
	l, limit := n.lim, int64(n.cfg.limit)
	bound := limit // TryGo never queues
	if wait {
		bound += int64(n.cfg.queue)
	}
	p, ok := l.admit(bound)
	if !ok {
		if !wait {
			return false
		}
		if j.rec != nil {
			j.rec.started.Store(false) // waiting
		}
		if p, ok = n.waitRoom(bound); !ok {
			// Canceled while waiting: the task would only have seen a
			// canceled context.
			n.dropUncounted(j)
			return true
		}
		j.queued = true // it waited: it is not to start if the nursery is canceled
	}
	if p > limit {
		j.queued = true // behind the limit
		if j.rec != nil {
			j.rec.started.Store(false)
		}
	} else {
		// Start a worker if the pool is not full yet; otherwise a worker
		// is idle, or has finished a task and is about to take the next.
		for {
			w := l.workers.Load()
			if w >= int32(limit) {
				break
			}
			if l.workers.CompareAndSwap(w, w+1) {
				l.wg.Add(1)
				go n.worker(j)
				return true
			}
		}
	}
	l.work <- j // never blocks: the buffer holds as many as may be pending
	return true
}

// waitRoom waits until a task can be counted within bound, and counts it;
// it reports false, having counted nothing, if the nursery is canceled
// first.
func (n *Nursery) waitRoom(bound int64) (int64, bool) {
	l := n.lim
	// Yield a few times before parking: a short task frees its slot in
	// less time than parking and being woken take, and the workers that
	// Go readied often wait for this goroutine's P.
	for range 3 {
		if n.ctx.Err() != nil {
			return 0, false
		}
		runtime.Gosched()
		if p, ok := l.admit(bound); ok {
			return p, true
		}
	}
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	for {
		if n.ctx.Err() != nil {
			return 0, false
		}
		if p, ok := l.admit(bound); ok {
			if l.waiting.Load() > 1 && l.pending.Load() < bound {
				// Pass the signal on: release drops a signal while one is
				// buffered, so there may be room for another waiter.
				select {
				case l.room <- struct{}{}:
				default:
				}
			}
			return p, true
		}
		select {
		case <-l.room:
		case <-n.ctx.Done():
		}
	}
}

// drop uncounts a limited task that will never run.
func (n *Nursery) drop(j job) {
	n.dropUncounted(j)
	n.lim.release()
}

// dropUncounted ends a limited task that will never run and was never
// counted in the limiter.
func (n *Nursery) dropUncounted(j job) {
	if j.rec != nil {
		j.rec.end()
	}
	if j.dropped != nil {
		j.dropped()
	}
	n.exit(1)
}

// begin prepares the goroutine of a Start or Background task that runs
// with ctx: it sets the scope's pprof labels and, for a tracked task, marks
// it started and returns its record's context instead.
func (n *Nursery) begin(ctx context.Context, rec *taskRecord) context.Context {
	if n.cfg.name != "" {
		pprof.SetGoroutineLabels(n.ctx)
	}
	return rec.start(ctx)
}

// worker runs j, then the tasks sent on work, until Run closes it.
func (n *Nursery) worker(j job) {
	defer n.lim.wg.Done()
	if n.cfg.name != "" {
		pprof.SetGoroutineLabels(n.ctx)
	}
	for {
		if j.fn != nil {
			if j.queued && n.ctx.Err() != nil {
				n.drop(j)
			} else {
				n.runJob(j.fn, j.rec)
			}
		}
		// With nothing to take, yield once before parking: a Go that
		// waits for room, or has just found it, often waits for this
		// goroutine's P, and its next task comes sooner than parking and
		// being woken take (measured with Limit(2), no Queue, on two
		// cores: about a fifth less time per short task).
		var ok bool
		select {
		case j, ok = <-n.lim.work:
		default:
			runtime.Gosched()
			j, ok = <-n.lim.work
		}
		if !ok {
			return
		}
	}
}

// runJob runs a Go, TryGo or Spawn task, records its failure and uncounts
// it. Without a limit it is the task's goroutine; with one, a worker calls
// it for each task.
func (n *Nursery) runJob(fn func(context.Context) error, rec *taskRecord) {
	ctx := n.taskStart(rec)
	returned := false
	defer func() {
		var r any
		if !returned {
			r = recover()
		}
		n.taskEnd(rec, returned, r)
	}()
	err := fn(ctx)
	returned = true
	n.failed(err, n.ctx)
}

// runIndexed is runJob for a task started by goIndexed in an unlimited,
// untracked nursery. Its deferred function repeats runJob's: recover works
// only when called by the deferred function itself.
func (n *Nursery) runIndexed(fn func(context.Context, int) error, i int) {
	ctx := n.taskStart(nil)
	returned := false
	defer func() {
		var r any
		if !returned {
			r = recover()
		}
		n.taskEnd(nil, returned, r)
	}()
	err := fn(ctx, i)
	returned = true
	n.failed(err, n.ctx)
}

// taskStart prepares the goroutine of a Go, TryGo or Spawn task, and
// returns the task's context.
func (n *Nursery) taskStart(rec *taskRecord) context.Context {
	if n.lim == nil {
		return n.begin(n.ctx, rec)
	}
	return rec.start(n.ctx) // a worker has set the labels once
}

// taskEnd ends a Go, TryGo or Spawn task: it records a panic (r != nil) or
// a runtime.Goexit (r == nil) if the task did not return, and uncounts the
// task. It must be called by the deferred function that recovered r. After
// a Goexit the task's goroutine dies: a worker is replaced first, so that
// the queue is still served and the replacement is counted in the
// limiter's wg before Run can wait for it.
func (n *Nursery) taskEnd(rec *taskRecord, returned bool, r any) {
	if rec != nil {
		rec.end()
	}
	if !returned {
		n.abort(r, false)
		if r == nil && n.lim != nil {
			n.lim.wg.Add(1)
			go n.worker(job{})
		}
	}
	if n.lim != nil {
		n.lim.release()
	}
	n.exit(1)
}

// failed records err, returned by a task that ran with ctx, as a failure
// unless it is nil or an echo of ctx's cancellation. It must be called right
// after the task returned: whether ctx was already canceled is read here.
func (n *Nursery) failed(err error, ctx context.Context) {
	if err == nil {
		return
	}
	if ctx.Err() != nil {
		// The cause is read only when the kinds do not match: context.Cause
		// takes the context's lock, which every echoing task of a large
		// canceled nursery would contend for.
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Cause(ctx)) {
			// An echo. Remember whether it echoed the parent, for Run's
			// result: it did if the parent ended before the nursery
			// canceled itself. (Comparing causes would fail for causes
			// of types that are not comparable.)
			if n.parent.Err() != nil && !n.ownCancel.Load() {
				n.mu.Lock()
				n.parentEcho = true
				n.mu.Unlock()
			}
			return
		}
	}
	n.mu.Lock()
	if !n.reported(err) {
		n.errs = append(n.errs, err)
	}
	n.mu.Unlock()
	// Cancel even for an error already reported: its first reporter may not
	// have canceled yet (a sibling that returns f.Await of a failed future
	// gets the error as soon as the future completes), and once a failure
	// is known no queued task may start.
	if !n.cfg.supervise {
		n.cancelOwn(err)
	}
}

// reported reports whether err was reported before, and remembers it if
// not. Errors whose dynamic type is not comparable are never the same value.
// n.mu must be held.
func (n *Nursery) reported(err error) bool {
	if !reflect.TypeOf(err).Comparable() {
		return false
	}
	if _, ok := n.seen[err]; ok {
		return true
	}
	if n.seen == nil {
		n.seen = make(map[error]struct{})
	}
	n.seen[err] = struct{}{}
	return false
}

// abort records a panic (r != nil) or a runtime.Goexit (r == nil) in body
// or a task, cancels the nursery and arms the watchdog. It must be called
// from the deferred function that recovered r, so that a *PanicError takes
// the panicking stack.
func (n *Nursery) abort(r any, body bool) {
	var cause error = ErrGoexit
	var pe *PanicError
	if r != nil {
		pe = newPanicError(r, n.cfg.name)
		cause = pe
	}
	n.mu.Lock()
	if pe != nil {
		if n.panicked == nil {
			n.panicked = pe
			if body {
				n.bodyPanic = r
			}
		}
	} else {
		n.goexit = true
	}
	if n.watchdog == nil && !n.closed {
		n.watchdog = time.AfterFunc(n.cfg.grace, n.crash)
	}
	n.mu.Unlock()
	n.cancelOwn(cause)
}

// crash ends the program with the panic the nursery holds, when its tasks
// did not return within the grace period after the panic or Goexit. It runs
// in the watchdog's own goroutine, where nothing can recover it.
func (n *Nursery) crash() {
	n.mu.Lock()
	closed, pe := n.closed, n.panicked
	n.mu.Unlock()
	if closed {
		return
	}
	what := "a task called runtime.Goexit"
	if pe != nil {
		what = "a panic"
	}
	fmt.Fprintf(os.Stderr, "nursery: tasks still running %v after %s: a task ignores cancellation; crashing\n", n.cfg.grace, what)
	if pe != nil {
		panic(pe)
	}
	panic(fmt.Sprintf("nursery: tasks still running %v after a task called runtime.Goexit", n.cfg.grace))
}

// close waits until body and every task have returned, canceling the
// background tasks once only they are left, then closes the nursery and
// lets its idle workers go.
func (n *Nursery) close() {
	n.mu.Lock()
	bgEnded := false
	for {
		v := n.state.Load()
		if v == 0 {
			if n.state.CompareAndSwap(0, closedBit) {
				break
			}
			continue
		}
		if cancel := n.bgCancel; v&taskMask == 0 && !bgEnded && cancel != nil {
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
		close(n.lim.work) // lets the idle workers go
		n.lim.wg.Wait()
	}
	n.mu.Lock()
	n.closed = true
	if n.watchdog != nil {
		n.watchdog.Stop()
	}
	n.mu.Unlock()
	if n.trk != nil {
		n.trk.close()
	}
}

// raise re-raises a panic or runtime.Goexit the nursery holds. bodyGoexit
// is true when body itself is exiting through runtime.Goexit, which then
// needs no second call.
func (n *Nursery) raise(bodyGoexit bool) {
	n.mu.Lock()
	pe, bodyPanic, goexit := n.panicked, n.bodyPanic, n.goexit
	n.mu.Unlock()
	switch {
	case pe != nil && bodyPanic != nil:
		panic(bodyPanic) // as it is
	case pe != nil:
		panic(pe)
	case goexit && !bodyGoexit:
		runtime.Goexit()
	}
}

// result is what Run returns when nothing is re-raised.
func (n *Nursery) result() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch len(n.errs) {
	case 0:
		if n.parentEcho {
			return context.Cause(n.parent)
		}
		return nil
	case 1:
		return n.errs[0]
	default:
		return errors.Join(n.errs...)
	}
}
