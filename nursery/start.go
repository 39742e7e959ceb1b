package nursery

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/internal/taskrun"
)

// errNotReady is what Start returns for a task that returned nil without
// calling ready.
var errNotReady = errors.New("nursery: Start: task returned without calling ready")

// Start starts task and waits until it is ready: Start is a synchronous
// call until the task calls ready, and the task then goes on running in the
// nursery as if started with [Nursery.Go]. Use it for a task that must set
// something up (bind a listener, open a connection) before its caller may
// go on.
//
// Start returns nil once the task calls ready. If the task returns first,
// Start returns its error, or an error saying it returned without calling
// ready; that failure is the caller's to handle, and does not fail or
// cancel the nursery. A panic before ready is re-raised in Start's caller
// as a [*PanicError] with the task's stack, and a runtime.Goexit before
// ready is repeated in Start's caller. After ready, the task's failures are
// the nursery's, as for any task. Calling ready again, or after the task
// returned, does nothing.
//
// If the nursery is canceled before the task is ready, the task sees its
// canceled context; Start returns when the task returns. Start tasks do not
// count toward the nursery's [Limit].
//
// In the terminology of the Go memory model, the task's first call of
// ready synchronizes before Start returns nil, and the end of a task that
// was not ready synchronizes before Start returns its error or re-raises
// its panic or Goexit: what the task wrote before then is visible to
// Start's caller.
//
// Start panics if task is nil or if Run has returned.
//
//go:noinline
func (n *Nursery) Start(task func(ctx context.Context, ready func()) error) error {
	if task == nil {
		panic("nursery: Start called with a nil task")
	}
	var at uintptr
	if n.obs != nil {
		at = callerpc.Caller()
	}
	return n.start("Start", at, func(ctx context.Context, st *starter) error {
		return task(ctx, func() { st.ready(nil) })
	})
}

// StartValue is [Nursery.Start] for a task that hands a value to its
// caller when it is ready, such as the address a server bound. It returns
// the value passed to the first call of ready, or the zero value and the
// error with which Start would fail. It synchronizes with its task as
// Start does: the value, and what the task wrote before calling ready, are
// visible to StartValue's caller.
//
// StartValue panics if n or task is nil, or if Run has returned.
//
//go:noinline
func StartValue[T any](n *Nursery, task func(ctx context.Context, ready func(T)) error) (T, error) {
	if n == nil {
		panic("nursery: StartValue called with a nil Nursery")
	}
	if task == nil {
		panic("nursery: StartValue called with a nil task")
	}
	var at uintptr
	if n.obs != nil {
		at = callerpc.Caller()
	}
	var v T
	err := n.start("StartValue", at, func(ctx context.Context, st *starter) error {
		return task(ctx, func(x T) { st.ready(func() { v = x }) })
	})
	return v, err
}

// The states of a starter. Exactly one CAS leaves starting: ready's, or
// the task's end before ready.
const (
	starting int32 = iota
	started        // ready was called first
	ended          // the task returned, panicked or exited first
)

// A starter is the handshake between Start and its task. The task's side
// writes err, pe or goexit before closing done; Start reads them after.
type starter struct {
	state  atomic.Int32
	done   chan struct{}
	err    error
	pe     *PanicError
	goexit bool
}

// ready marks the task ready, first calling set, if not nil, to publish a
// value. Only the first call, before the task ended, has an effect.
func (st *starter) ready(set func()) {
	if st.state.CompareAndSwap(starting, started) {
		if set != nil {
			set()
		}
		close(st.done)
	}
}

// start starts a Start or StartValue task called at site at.
func (n *Nursery) start(what string, at uintptr, task func(ctx context.Context, st *starter) error) error {
	n.enter(1, what)
	st := &starter{done: make(chan struct{})}
	var obs *taskObs
	if n.obs != nil {
		obs = n.obs.submit(new(taskObs), "start", nil, n.obs.siteFor(at))
	}
	go n.runStart(task, st, obs)
	<-st.done
	switch {
	case st.state.Load() == started:
		return nil
	case st.pe != nil:
		panic(st.pe)
	case st.goexit:
		runtime.Goexit()
	}
	return st.err
}

func (n *Nursery) runStart(task func(ctx context.Context, st *starter) error, st *starter, obs *taskObs) {
	ctx := n.begin(n.ctx, obs)
	taskrun.Run(func(ctx context.Context) error { return task(ctx, st) }, ctx, func(o taskrun.Outcome) {
		if st.state.CompareAndSwap(starting, ended) {
			// Before ready the outcome is Start's caller's alone.
			switch {
			case o.Panic != nil:
				st.pe = newPanicError(o.Panic, n.cfg.name)
			case o.Goexit:
				st.goexit = true
			case o.Err == nil:
				st.err = errNotReady
				o.Err = errNotReady // what the instruments hear, as Start's caller
			default:
				st.err = o.Err
			}
			if obs != nil {
				obs.ended(outcomeErr(o, st.pe), false)
			}
			close(st.done)
		} else {
			n.record(o, n.ctx, nil, obs)
		}
		n.exit(1)
	})
}
