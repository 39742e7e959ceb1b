package nursery

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
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

// newPanicError wraps a recovered value. It must be called from the
// deferred function that recovered it, so that the stack it takes still
// holds the panicking frames. A value that already is a *PanicError, re-raised
// by a nested Run, is kept as it is: its stack is the one that matters.
func newPanicError(v any, scope string) *PanicError {
	if pe, ok := v.(*PanicError); ok {
		return pe
	}
	return &PanicError{Value: v, Stack: debug.Stack(), scope: scope}
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
