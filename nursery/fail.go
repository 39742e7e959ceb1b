package nursery

import (
	"context"
	"errors"
	"reflect"

	"github.com/scoped-go/scoped/internal/taskrun"
)

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

// record records how a task that ran with ctx ended: a failure, a panic or
// a runtime.Goexit. It must be called as the task ends (see jobEnded):
// whether ctx was already canceled is read here. fut, if not nil, is told
// the outcome first, and published after the nursery has recorded it: so
// no one who awaits the future can act on a failure the nursery has not
// yet seen. obs, if not nil, hears the outcome last.
func (n *Nursery) record(o taskrun.Outcome, ctx context.Context, fut *futureCore, obs *taskObs) {
	var pe *PanicError
	if o.Panic != nil {
		pe = newPanicError(o.Panic, n.cfg.name)
	}
	if fut != nil {
		switch {
		case pe != nil:
			fut.settle(pe)
		case o.Goexit:
			fut.settle(ErrGoexit)
		default:
			fut.settle(o.Err)
		}
	}
	echo := false
	switch {
	case pe != nil:
		n.hold(pe, nil)
	case o.Goexit:
		n.hold(nil, nil)
	default:
		echo = n.failed(o.Err, ctx)
	}
	if fut != nil {
		fut.publish()
	}
	if obs != nil {
		obs.ended(outcomeErr(o, pe), echo)
	}
}

// failed records err, returned by a task that ran with ctx, as a failure
// unless it is nil or an echo of ctx's cancellation. It must be called right
// after the task returned: whether ctx was already canceled is read here.
// It reports whether err was an echo.
func (n *Nursery) failed(err error, ctx context.Context) (echo bool) {
	if err == nil {
		return false
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
			return true
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
	return false
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

// outcome is Run's outcome as the instruments hear it, once the nursery
// has closed: the panic or Goexit it raises, or what it returns.
func (n *Nursery) outcome() error {
	n.mu.Lock()
	pe, goexit := n.panicked, n.goexit
	n.mu.Unlock()
	switch {
	case pe != nil:
		return pe
	case goexit:
		return ErrGoexit
	}
	return n.result()
}
