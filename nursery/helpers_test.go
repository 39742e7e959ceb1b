package nursery_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/scoped-go/scoped/nursery"
)

var (
	errA = errors.New("a failed")
	errB = errors.New("b failed")
	errC = errors.New("c failed")
)

// codeError is an error type for errors.As.
type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.code) }

// An outcome is how a call ended: it returned, it panicked with value, or
// its goroutine called runtime.Goexit.
type outcome struct {
	returned bool
	panicked bool
	value    any // the panic value
	goexit   bool
}

func (o outcome) String() string {
	switch {
	case o.returned:
		return "returned"
	case o.panicked:
		return "panicked with " + describe(o.value)
	case o.goexit:
		return "called runtime.Goexit"
	}
	return "unknown"
}

// describe prints a panic value on one line: a *PanicError's Error would
// print its stack.
func describe(v any) string {
	if pe, ok := v.(*nursery.PanicError); ok {
		return fmt.Sprintf("*PanicError{Value: %v}", describe(pe.Value))
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// capture calls f in a goroutine of its own, so that a runtime.Goexit ends
// that goroutine and not the test's, and reports how f ended once that
// goroutine has exited.
func capture(f func()) outcome {
	var o outcome
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if o.returned {
				return
			}
			if r := recover(); r != nil {
				o.panicked, o.value = true, r
			} else {
				o.goexit = true
			}
		}()
		f()
		o.returned = true
	}()
	<-done
	return o
}

// joined returns the errors that err joins, or nil if it does not join any.
func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return nil
}

// checkErrors checks that err, returned by Run, is exactly the root errors
// want: the lone error as it is, or several flat-joined in order.
func checkErrors(t *testing.T, err error, want ...error) {
	t.Helper()
	switch len(want) {
	case 0:
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
		return
	case 1:
		if err != want[0] {
			t.Errorf("Run() = %v (%T), want %v as it is", err, err, want[0])
		}
		return
	}
	if got := joined(err); !slices.Equal(got, want) {
		t.Errorf("Run() joins %q, want %q", got, want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("errors.Is(Run(), %v) = false, want true", w)
		}
	}
}

// asPanicError returns v as a *nursery.PanicError, or fails the test.
func asPanicError(t *testing.T, o outcome) *nursery.PanicError {
	t.Helper()
	pe, ok := o.value.(*nursery.PanicError)
	if !o.panicked || !ok {
		t.Fatalf("Run() %v, want a panic with a *nursery.PanicError", o)
	}
	return pe
}

// waitDone is a task that returns when its context is done, echoing the
// cancellation.
func waitDone(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}
