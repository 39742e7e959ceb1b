// Package taskrun is the one place where a task of package nursery or
// package taskgroup is run and its end is caught: it returned, it panicked,
// or it called runtime.Goexit. It also holds the watchdog that crashes a
// program whose held panic cannot be delivered.
package taskrun

import (
	"runtime/debug"
)

// An Outcome is how a task's function ended: it returned Err (nil or
// not), it panicked (Panic is set), or it called runtime.Goexit.
type Outcome struct {
	Err    error  // what the function returned, if it returned
	Panic  *Panic // set if it panicked
	Goexit bool   // it called runtime.Goexit
}

// A Panic is a panic caught in a task.
type Panic struct {
	Value any    // the panic value
	Stack []byte // the panicking goroutine's stack, taken where the panic was caught
}

// Returned reports whether the function returned.
func (o Outcome) Returned() bool { return o.Panic == nil && !o.Goexit }

// Run calls f(a) and then end with how f ended, in f's goroutine.
//
// If f returns, end is called after it, and Run returns. If f panics, the
// panic is recovered and end is called from the deferred function that
// recovered it, so the panicking frames are still on the stack (for a
// stack trace, or to re-panic with them in view); Run then returns, unless
// end panics. If f calls runtime.Goexit, end is called as the goroutine
// unwinds, and the Goexit goes on after end returns: Run does not return.
//
// A panic in end itself is not recovered. Run takes f's argument apart
// from f, so that the common task, a func(context.Context) error, needs no
// closure around it.
func Run[A any](f func(A) error, a A, end func(Outcome)) {
	if err, ok := Call(f, a, end); ok {
		end(Outcome{Err: err})
	}
}

// Call is Run for a caller that takes a return itself: if f returns, Call
// returns f's error and true, and does not call end. If f panics or calls
// runtime.Goexit, Call does as Run does, and returns false after a panic.
// A task's common end, a return, then costs no call through end.
func Call[A any](f func(A) error, a A, end func(Outcome)) (err error, returned bool) {
	defer func() {
		if returned {
			return
		}
		// recover is nil for runtime.Goexit: since Go 1.21, panic(nil)
		// panics with a *runtime.PanicNilError.
		var o Outcome
		if r := recover(); r != nil {
			o.Panic = &Panic{Value: r, Stack: debug.Stack()}
		} else {
			o.Goexit = true
		}
		end(o)
	}()
	return f(a), true
}
