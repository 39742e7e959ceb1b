package durable

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// A PanicError is a panic recovered from a task or from the body of a
// nursery. [Run] re-panics with it in its own coroutine once the nursery's
// tasks have returned. Its Error prints the stack of the coroutine that
// panicked, so the failure the SDK reports for the workflow task (or the
// workflow, under the FailWorkflow panic policy) shows where the panic
// happened and not only where Run raised it again.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the panicking coroutine's stack, as runtime/debug.Stack
	// formats it, taken where the panic was recovered.
	Stack []byte

	scope string // the nursery's name, if it has one
	body  bool   // the panic was the body's, not a task's
}

// newPanicError wraps a recovered value. It must be called from the
// deferred function that recovered it, so that the stack it takes still
// holds the panicking frames. A value that already is a *PanicError,
// raised by a nested Run, is kept as it is: its stack is the one that
// matters.
func newPanicError(v any, scope string) *PanicError {
	if pe, ok := v.(*PanicError); ok {
		return pe
	}
	return &PanicError{Value: v, Stack: debug.Stack(), scope: scope}
}

// Error returns the panic value followed by the stack of the coroutine
// that panicked.
func (e *PanicError) Error() string {
	var b strings.Builder
	b.WriteString("durable: ")
	what := "task"
	if e.body {
		what = "body"
	}
	if e.scope != "" {
		fmt.Fprintf(&b, "%s in %q ", what, e.scope)
	} else {
		b.WriteString(what + " ")
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
