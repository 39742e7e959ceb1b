// Package taskrun is the one place where a task of package nursery or
// package taskgroup is run and its end is caught: it returned, it panicked,
// or it called runtime.Goexit. It also holds the watchdog that crashes a
// program whose held panic cannot be delivered.
package taskrun

import (
	"runtime/debug"
)

// An Outcome is how a task's function ended: exactly one of returned (with
// Err, nil or not), Panicked and Goexit holds.
type Outcome struct {
	Err      error  // what the function returned, if it returned
	Panicked bool   // it panicked with Value
	Value    any    // the panic value
	Stack    []byte // the panicking goroutine's stack, taken where the panic was caught
	Goexit   bool   // it called runtime.Goexit
}

// Returned reports whether the function returned.
func (o Outcome) Returned() bool { return !o.Panicked && !o.Goexit }

// Run calls f and then end with how f ended, in f's goroutine.
//
// If f returns, end is called after it, and Run returns. If f panics, the
// panic is recovered and end is called from the deferred function that
// recovered it, so the panicking frames are still on the stack (for a
// stack trace, or to re-panic with them in view); Run then returns, unless
// end panics. If f calls runtime.Goexit, end is called as the goroutine
// unwinds, and the Goexit goes on after end returns: Run does not return.
//
// A panic in end itself is not recovered.
func Run(f func() error, end func(Outcome)) {
	var o Outcome
	returned := false
	defer func() {
		if returned {
			return // end has run, or panicked: let its panic go on
		}
		// recover is nil for runtime.Goexit: since Go 1.21, panic(nil)
		// panics with a *runtime.PanicNilError.
		if r := recover(); r != nil {
			o.Panicked, o.Value, o.Stack = true, r, debug.Stack()
		} else {
			o.Goexit = true
		}
		end(o)
	}()
	o.Err = f()
	returned = true
	end(o)
}
