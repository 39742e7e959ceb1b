package nursery

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/scoped-go/scoped/internal/taskrun"
)

// ErrGoexit is the failure recorded for a task that called runtime.Goexit,
// as t.FailNow does in a test. The nursery's other tasks see it as the cause
// of their context's cancellation, and [Future.Await] returns it for a task
// that exited this way. [Run] itself does not return it: it calls
// runtime.Goexit in its caller, as a sequential call would have.
var ErrGoexit = errors.New("nursery: task called runtime.Goexit")

// A PanicError is a panic recovered from a task. [Run] re-panics with it in
// its caller's goroutine once the nursery's other tasks have returned, so
// the crash output shows both the caller's stack and, through Error, the
// stack of the task that panicked.
type PanicError struct {
	// Value is the value the task passed to panic.
	Value any
	// Stack is the panicking goroutine's stack, as runtime/debug.Stack
	// formats it, taken where the panic was recovered.
	Stack []byte

	scope string // the nursery's name, if it has one
}

// newPanicError wraps a caught panic. A value that already is a
// *PanicError, re-raised by a nested Run, is kept as it is: its stack is
// the one that matters.
func newPanicError(p *taskrun.Panic, scope string) *PanicError {
	if pe, ok := p.Value.(*PanicError); ok {
		return pe
	}
	return &PanicError{Value: p.Value, Stack: p.Stack, scope: scope}
}

// Error returns the panic value followed by the stack of the goroutine that
// panicked.
func (e *PanicError) Error() string {
	var b strings.Builder
	b.WriteString("nursery: ")
	if e.scope != "" {
		fmt.Fprintf(&b, "task in %q ", e.scope)
	} else {
		b.WriteString("task ")
	}
	fmt.Fprintf(&b, "panicked: %v\n\n", e.Value)
	b.Write(e.Stack)
	return b.String()
}

// Unwrap returns Value if it is an error, and nil otherwise, so that
// errors.Is and errors.As see through the panic to an error value.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// hold records a panic (pe != nil) or a runtime.Goexit (pe == nil) in
// body or a task, cancels the nursery and arms the watchdog. bodyPanic is
// body's own panic value, re-raised as it is, or nil.
func (n *Nursery) hold(pe *PanicError, bodyPanic any) {
	var cause error = ErrGoexit
	n.mu.Lock()
	if pe != nil {
		cause = pe
		if n.panicked == nil {
			n.panicked, n.bodyPanic = pe, bodyPanic
		}
	} else {
		n.goexit = true
	}
	if !n.closed {
		n.watchdog.Arm(n.cfg.grace, n.crashReport)
	}
	n.mu.Unlock()
	n.cancelOwn(cause)
}

// crashReport is what the watchdog crashes the program with, when the
// nursery's tasks did not return within the grace period after a panic or
// Goexit: the panic it holds, after a line on standard error.
func (n *Nursery) crashReport() (msg string, v any) {
	n.mu.Lock()
	pe := n.panicked
	n.mu.Unlock()
	if pe == nil {
		msg = fmt.Sprintf("nursery: tasks still running %v after a task called runtime.Goexit", n.cfg.grace)
		return msg + ": a task ignores cancellation; crashing", msg
	}
	return fmt.Sprintf("nursery: tasks still running %v after a panic: a task ignores cancellation; crashing", n.cfg.grace), pe
}

// bodyEnded ends the body after a panic or runtime.Goexit, in the
// deferred function that caught it, on the panicking stack (see
// taskrun.Call): so a re-raised panic still shows where body panicked.
func (n *Nursery) bodyEnded(o taskrun.Outcome) {
	n.closeBody(o)
	n.cancel(errClosed)
	n.finish(o.Goexit) // body's own Goexit needs no second call
}

// finish reports the scope's outcome to the instruments and re-raises a
// panic or Goexit that the nursery holds, unless bodyGoexit says that
// body's own Goexit goes on.
func (n *Nursery) finish(bodyGoexit bool) {
	if n.obs != nil {
		// Deferred, so that a panic in an instrument comes on top of the
		// panic raised below: the crash output shows both.
		defer n.obs.closed(n.outcome())
	}
	n.raise(bodyGoexit)
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
