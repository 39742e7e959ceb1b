package taskgroup

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/internal/taskrun"
	"github.com/scoped-go/scoped/nursery"
)

// A Group runs functions in goroutines and waits for them, with the methods
// and semantics of golang.org/x/sync/errgroup.Group: code written for
// errgroup works unchanged but for the import. A Group is meant for one
// piece of work; it should not be reused for an unrelated one.
//
// A zero Group is valid: it has no limit on the number of running
// functions, and an error cancels nothing, since there is no context to
// cancel. Use [WithContext] for a Group whose first error cancels a context.
//
// Group differs from errgroup on purpose in two places. A panic in a
// function is recovered, cancels the Group's context at once, and is
// re-raised by [Group.Wait] as a [*nursery.PanicError]; a function that
// calls runtime.Goexit makes Wait call runtime.Goexit. See Wait.
//
// While an instrument is added (see [nursery.Instrument]), a Group reports
// to it as a scope without a name, from the first Go or TryGo to the Wait
// that returns after it, and its functions as tasks of kind "go" or
// "trygo".
//
// A Group must not be copied after first use.
type Group struct {
	cancel context.CancelCauseFunc // set by WithContext; nil in a zero Group
	ctx    context.Context         // set by WithContext, for the instruments; nil in a zero Group

	wg      sync.WaitGroup // counts the functions started and not returned
	running atomic.Int64   // the same count, readable by SetLimit
	sem     chan token     // a token per running function; nil: no limit. Changed only by SetLimit while nothing runs.

	errOnce sync.Once
	err     error // the first error; written once under errOnce, read by Wait after wg.Wait

	mu       sync.Mutex          // guards the fields below
	panicked *nursery.PanicError // the first panic; re-raised by every Wait
	goexit   bool                // a function called runtime.Goexit

	watchdog taskrun.Watchdog // armed while a panic or Goexit waits for a Wait

	// obs is the scope the instruments see, from the first Go after
	// instruments were added to the Wait that returns after it; nil
	// otherwise. Set under mu, swapped out by Wait.
	obs atomic.Pointer[groupObs]
}

type token struct{}

// WithContext returns a new Group and a context derived from ctx. The
// context is canceled the first time a function started by the Group
// returns a non-nil error, panics or calls runtime.Goexit, with that
// failure as its cause (the error, a [*nursery.PanicError], or
// [nursery.ErrGoexit]), or else the first time [Group.Wait] returns, with
// cause [context.Canceled].
func WithContext(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancelCause(ctx)
	return &Group{cancel: cancel, ctx: ctx}, ctx
}

// Go calls f in a new goroutine. If a limit is set (see [Group.SetLimit]),
// Go first blocks until fewer than the limit of the Group's functions are
// running.
//
// The first function to return a non-nil error cancels the Group's context,
// if it has one, and that error is what [Group.Wait] returns. Go may be
// called again after Wait has returned, for more work in the same Group;
// the first call to Go must happen before Wait is called.
//
// Go panics if f is nil.
//
//go:noinline
func (g *Group) Go(f func() error) {
	if f == nil {
		panic("taskgroup: Group.Go called with a nil function")
	}
	var t *groupTask
	if g.obs.Load() != nil || taskrun.Observed() {
		t = g.submit("go", callerpc.Caller())
	}
	if sem := g.sem; sem != nil {
		if t != nil {
			select {
			case sem <- token{}:
			default:
				t.waiting()
				sem <- token{}
			}
		} else {
			sem <- token{}
		}
	}
	g.start(f, t)
}

// TryGo calls f in a new goroutine, as [Group.Go] does, if the Group is
// below its limit, and reports whether it did. It never blocks; without a
// limit it always starts f.
//
// TryGo panics if f is nil.
//
//go:noinline
func (g *Group) TryGo(f func() error) bool {
	if f == nil {
		panic("taskgroup: Group.TryGo called with a nil function")
	}
	if sem := g.sem; sem != nil {
		select {
		case sem <- token{}:
		default:
			return false
		}
	}
	var t *groupTask
	if g.obs.Load() != nil || taskrun.Observed() {
		t = g.submit("trygo", callerpc.Caller())
	}
	g.start(f, t)
	return true
}

// SetLimit makes at most n of the Group's functions run at once: later
// calls to [Group.Go] block, and calls to [Group.TryGo] fail, while n are
// running. A negative n removes the limit; n == 0 lets nothing start.
//
// SetLimit panics if any function of the Group is still running.
func (g *Group) SetLimit(n int) {
	if r := g.running.Load(); r != 0 {
		panic(fmt.Sprintf("taskgroup: Group.SetLimit(%d) called while %d functions of the group are running", n, r))
	}
	if n < 0 {
		g.sem = nil
		return
	}
	g.sem = make(chan token, n)
}

// Wait blocks until every function started by [Group.Go] and [Group.TryGo]
// has returned, cancels the Group's context, if it has one, and returns the
// first non-nil error any of them returned. Wait may be called more than
// once, and from several goroutines; each call reports the same first
// error.
//
// If a function panicked, Wait panics instead, in its caller's goroutine,
// with a [*nursery.PanicError] that holds the value and the stack of the
// function that panicked; if several panicked, the first. If no function
// panicked but one called runtime.Goexit, Wait calls runtime.Goexit. Either
// way the other functions have returned first. If no Wait has taken up a
// panic or Goexit within [nursery.DefaultGrace] after it happened, because
// Wait was not called or a function ignores cancellation, the program
// crashes with the original panic instead of holding it hidden.
//
// In the terminology of the Go memory model, the return of every function
// started by Go or TryGo synchronizes before the return of any Wait call
// that waits for it, as [sync.WaitGroup.Done] does for Wait.
func (g *Group) Wait() error {
	g.wg.Wait()
	if g.cancel != nil {
		// From Wait's own small frame: the cancellation goes deep into
		// package context (see nursery.Run).
		g.cancel(g.err) // nil: context.Canceled
	}
	return g.finish()
}

// finish ends Wait once every function has returned and the context is
// canceled: it reports the outcome and re-raises a panic or Goexit.
func (g *Group) finish() error {
	g.mu.Lock()
	pe, goexit := g.panicked, g.goexit
	g.watchdog.Stop()
	g.mu.Unlock()
	if s := g.obs.Swap(nil); s != nil {
		// Deferred, as in nursery.Run: a panic in an instrument comes on
		// top of the panic raised below.
		defer s.closed(g.outcome(pe, goexit))
	}
	// Unlike errgroup, which lets a panic crash the program from the
	// function's own goroutine, the panic is re-raised here: the caller of
	// Wait is the function's owner, and the PanicError keeps the function's
	// stack. The watchdog above keeps a Wait that never comes from hiding it.
	if pe != nil {
		panic(pe)
	}
	if goexit {
		runtime.Goexit()
	}
	return g.err
}

// start runs f in a new goroutine; t is its observation, or nil.
func (g *Group) start(f func() error, t *groupTask) {
	g.running.Add(1)
	g.wg.Add(1)
	go g.run(f, t)
}

// run calls f and records how it ended. A panic or Goexit is recorded
// before wg.Done, so that Wait sees it. The token, if any, goes back to
// g.sem, which SetLimit cannot change while f runs.
func (g *Group) run(f func() error, t *groupTask) {
	if t != nil {
		t.started(g.ctx)
	}
	// A return is recorded here rather than in Call's deferred function:
	// one frame less under every frame of f (see nursery.Run).
	if err, ok := taskrun.Call(call, f, func(o taskrun.Outcome) { g.ended(o, t) }); ok {
		g.ended(taskrun.Outcome{Err: err}, t)
	}
}

// ended records how a function of g ended, and uncounts it.
func (g *Group) ended(o taskrun.Outcome, t *groupTask) {
	var pe *nursery.PanicError
	switch {
	case o.Panic != nil:
		// A *PanicError re-raised by a nested nursery.Run or Wait is
		// kept: its stack, the first panic's, is the one that matters.
		var ok bool
		if pe, ok = o.Panic.Value.(*nursery.PanicError); !ok {
			pe = &nursery.PanicError{Value: o.Panic.Value, Stack: o.Panic.Stack}
		}
		g.hold(pe)
	case o.Goexit:
		g.hold(nil)
	case o.Err != nil:
		g.errOnce.Do(func() {
			g.err = o.Err
			if g.cancel != nil {
				g.cancel(o.Err)
				g.canceled(o.Err)
			}
		})
	}
	if t != nil {
		t.ended(o, pe)
	}
	if sem := g.sem; sem != nil {
		<-sem
	}
	g.running.Add(-1)
	g.wg.Done()
}

// call calls f, for taskrun.Call.
func call(f func() error) error { return f() }

// hold records a panic (pe != nil) or a runtime.Goexit (pe == nil),
// cancels the context and arms the watchdog, which Wait stops.
func (g *Group) hold(pe *nursery.PanicError) {
	var cause error = nursery.ErrGoexit
	g.mu.Lock()
	if pe == nil {
		g.goexit = true
	} else {
		cause = pe
		if g.panicked == nil {
			g.panicked = pe
		}
	}
	g.watchdog.Arm(nursery.DefaultGrace, g.crashReport)
	g.mu.Unlock()
	if g.cancel != nil {
		g.cancel(cause)
		g.canceled(cause)
	}
}

// crashReport is what the watchdog crashes the program with when no Wait
// took up a panic or Goexit within the grace period: the first panic (a
// panic wins over a Goexit, whichever armed the watchdog).
func (g *Group) crashReport() (msg string, v any) {
	g.mu.Lock()
	pe := g.panicked
	g.mu.Unlock()
	if pe == nil {
		v = fmt.Sprintf("taskgroup: a function of a Group called runtime.Goexit and no Group.Wait took it up within %v", nursery.DefaultGrace)
		return fmt.Sprintf("taskgroup: a function called runtime.Goexit and no Group.Wait took it up within %v; crashing", nursery.DefaultGrace), v
	}
	return fmt.Sprintf("taskgroup: a function panicked and no Group.Wait took it up within %v; crashing", nursery.DefaultGrace), pe
}
