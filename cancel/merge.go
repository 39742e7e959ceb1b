package cancel

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Merge returns a context that is done as soon as ctx or any of others is
// done, with the cause of the input that ended it: [context.Cause] on the
// merged context returns that input's cause and Err returns that input's
// Err. If an input is already done when Merge is called, the merged context
// is done before Merge returns, with the cause of the first such input in
// argument order (ctx, then others in order).
//
// Values come from ctx only; others contribute their cancellation and their
// deadlines, nothing else. Deadline reports the earliest deadline of all
// inputs.
//
// Merge starts no goroutine: it registers one [context.AfterFunc] per input
// (for an input of a foreign Context type without an AfterFunc method,
// context.AfterFunc itself waits in a goroutine).
// The returned release function cancels the merged context with
// [context.Canceled] if it is not done yet and stops those registrations,
// so the inputs no longer refer to it; it never cancels an input. Code
// should call release as soon as the work under the merged context is
// complete. release may be called more than once and from any goroutine.
//
// Contexts derived from the merged context while it is live end with it
// and carry its cause, but their Err is [context.Canceled] even when a
// deadline ended the merge: only the merged context itself can report the
// Err of the input that ended it.
//
// Merge panics if ctx or any of others is nil.
func Merge(ctx context.Context, others ...context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		panic("cancel: Merge called with nil Context")
	}
	for i, o := range others {
		if o == nil {
			panic(fmt.Sprintf("cancel: Merge called with nil Context in others[%d]", i))
		}
	}

	// The inner context keeps ctx's values but not its cancellation, so
	// that every input, ctx included, ends the merge through end and
	// end alone decides the merge's Err and cause.
	inner, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	m := &merged{Context: inner, cancel: cancel}
	m.deadline, m.hasDeadline = ctx.Deadline()
	for _, o := range others {
		if d, ok := o.Deadline(); ok && (!m.hasDeadline || d.Before(m.deadline)) {
			m.deadline, m.hasDeadline = d, true
		}
	}

	// An input that is already done ends the merge now, synchronously;
	// context.AfterFunc would run the callback in a new goroutine.
	inputs := append([]context.Context{ctx}, others...)
	for _, in := range inputs {
		if in.Err() != nil {
			m.end(in)
			return m, func() {}
		}
	}

	stops := make([]func() bool, 0, len(inputs))
	for _, in := range inputs {
		stops = append(stops, context.AfterFunc(in, func() { m.end(in) }))
	}
	// stops is written only above, before release can run.
	release := func() {
		m.endWith(context.Canceled, context.Canceled)
		for _, stop := range stops {
			stop()
		}
	}
	return m, release
}

// merged is the context returned by Merge.
//
// Invariant: only end and endWith cancel the embedded context, and each
// sets err before it does, so err is non-nil whenever Done is closed.
type merged struct {
	context.Context // from WithCancelCause; carries Done, Value and the cause

	cancel      context.CancelCauseFunc
	deadline    time.Time // earliest input deadline; fixed at construction
	hasDeadline bool

	mu  sync.Mutex // protects err
	err error      // set once, by the first input to end the merge
}

// end ends the merge because in is done.
func (m *merged) end(in context.Context) {
	m.endWith(in.Err(), context.Cause(in))
}

// endWith ends the merge with err and cause unless it has already ended.
// The first caller wins; later calls do nothing.
func (m *merged) endWith(err, cause error) {
	m.mu.Lock()
	first := m.err == nil
	if first {
		m.err = err
	}
	m.mu.Unlock()
	// Cancel outside mu: canceling runs children's cancellation, and none
	// of it must wait for m.mu.
	if first {
		m.cancel(cause)
	}
}

func (m *merged) Deadline() (time.Time, bool) {
	return m.deadline, m.hasDeadline
}

func (m *merged) Err() error {
	if m.Context.Err() == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

func (m *merged) String() string {
	return "cancel.Merge"
}
