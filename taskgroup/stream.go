package taskgroup

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/nursery"
)

// errBreak is the cause the calls in flight see when the loop over a Stream
// ends early.
var errBreak = fmt.Errorf("taskgroup: the loop over the Stream ended: %w", context.Canceled)

// errAborted stands for the result of a call that panicked or called
// runtime.Goexit; the nursery re-raises the real outcome.
var errAborted = errors.New("taskgroup: the call did not return")

// Stream returns a sequence of the results of fn on the elements of in,
// computed concurrently as the sequence is ranged over:
//
//	for out, err := range taskgroup.Stream(ctx, in, fn) {
//		if err != nil {
//			return err
//		}
//		use(out)
//	}
//
// Nothing starts until the sequence is ranged over, and each range runs the
// work anew. Stream pulls in lazily, an element only when there is room for
// its call: at most the [Limit] (by default runtime.GOMAXPROCS(0), read when
// Stream is called) calls are outstanding, that is started and not yet
// yielded. Results are yielded in input order, or with [Unordered] in the
// order the calls return. Results are yielded between pulls of in: one
// that is ready is yielded before the next element is pulled, but none is
// yielded while in is producing an element.
//
// The first failure cancels the calls in flight, with the failure as their
// context's cause; the results that were ready before it are yielded (a
// call before it still running is canceled and yields nothing), then the
// failure, as
// the zero value and the errors [nursery.Run] would return (one as it is,
// several joined, echoes dropped), and the sequence ends. If ctx is
// canceled, no further element is pulled, and context.Cause(ctx) is yielded
// once, after the results that were ready, and ends the sequence.
//
// Breaking out of the loop cancels the calls in flight, with a cause that
// matches [context.Canceled], and waits for them before the loop statement
// ends; their results and errors are dropped. The loop body runs in the
// goroutine that ranges, with the calls in flight: a panic in it, or in
// in, propagates as it is once they have returned. A panic in fn is
// re-raised in the ranging goroutine as a [*nursery.PanicError] once the
// other calls have returned, and a runtime.Goexit in fn as a Goexit.
//
// In the terminology of the Go memory model, the return of a call of fn
// synchronizes before its result is yielded, and the return of every call
// synchronizes before the loop statement ends.
//
// Stream panics if in or fn is nil.
//
//go:noinline
func Stream[In, Out any](ctx context.Context, in iter.Seq[In], fn func(context.Context, In) (Out, error), opts ...Option) iter.Seq2[Out, error] {
	if ctx == nil {
		panic("taskgroup: Stream called with a nil context")
	}
	if in == nil {
		panic("taskgroup: Stream called with a nil input sequence")
	}
	if fn == nil {
		panic("taskgroup: Stream called with a nil fn")
	}
	c := configure("Stream", true, opts)
	site := callerpc.Caller()
	return func(yield func(Out, error) bool) {
		s := &stream[In, Out]{fn: fn, limit: c.limit, unordered: c.unordered}
		s.run(atSite(ctx, site), in, yield)
	}
}

// stream is the state of one range over a Stream. Apart from results, it
// belongs to the ranging goroutine, which runs the nursery's body.
type stream[In, Out any] struct {
	fn        func(context.Context, In) (Out, error)
	limit     int
	unordered bool

	// results carries every call's outcome, exactly once. At most limit
	// calls are outstanding and it holds limit, so a send never blocks.
	results chan outcome[Out]
	// pending holds, in input order, the outcomes taken from results ahead
	// of an earlier one: the outcome of call seq is at seq % limit.
	pending  []outcome[Out]
	started  int // calls started; the next call's seq
	yielded  int // outcomes handed on, or the seq of the next one in order
	broke    bool
	canceled bool // pulling stopped because the context was canceled
}

// outcome is one call's result.
type outcome[Out any] struct {
	seq   int
	value Out
	err   error
	ok    bool // in pending: this slot is filled
}

func (s *stream[In, Out]) run(ctx context.Context, in iter.Seq[In], yield func(Out, error) bool) {
	s.results = make(chan outcome[Out], s.limit)
	if !s.unordered {
		s.pending = make([]outcome[Out], s.limit)
	}
	// The body runs in this goroutine: it pulls in, starts the calls and
	// yields to the loop body, so that a panic in either is a body panic
	// that Run re-raises as it is after the calls have returned.
	err := nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		if ctx.Err() != nil {
			return context.Cause(ctx) // an echo: Run reports the parent's cause
		}
		for v := range in {
			s.start(n, v)
			if !s.pump(n, yield, false) {
				return nil
			}
			if ctx.Err() != nil {
				s.canceled = true
				break
			}
		}
		if !s.pump(n, yield, true) || !s.canceled {
			return nil
		}
		return context.Cause(ctx) // an echo: Run reports the parent's cause, or the failure
	})
	if err != nil && !s.broke {
		var zero Out
		yield(zero, err)
	}
}

// start starts the call of fn on v.
func (s *stream[In, Out]) start(n *nursery.Nursery, v In) {
	seq := s.started
	s.started++
	n.Go(func(ctx context.Context) error {
		o := outcome[Out]{seq: seq, err: errAborted}
		// Sent even if fn panics or exits, so that the body never waits
		// for an outcome that will not come.
		defer func() { s.results <- o }()
		o.value, o.err = s.fn(ctx, v)
		return o.err
	})
}

// pump yields the outcomes that are ready, and waits for the next one while
// limit calls are outstanding, or while any is when drain is set. It
// reports false once the sequence must end: at a failure, or when the loop
// has broken.
func (s *stream[In, Out]) pump(n *nursery.Nursery, yield func(Out, error) bool, drain bool) bool {
	for s.started > s.yielded {
		wait := drain || s.started-s.yielded == s.limit
		o, ok := s.next(wait)
		if !ok {
			return true
		}
		s.yielded++
		if o.err != nil {
			// A failure, or an echo of one or of ctx: Run reports the root
			// errors once the calls have returned.
			return false
		}
		if !yield(o.value, nil) {
			s.broke = true
			n.Cancel(errBreak)
			return false
		}
	}
	return true
}

// next takes the next outcome to yield: the next in completion order, or
// with input order the one of call s.yielded. It waits for it if wait is
// set, and otherwise reports false if it is not ready.
func (s *stream[In, Out]) next(wait bool) (outcome[Out], bool) {
	var o outcome[Out]
	if s.unordered {
		if wait {
			return <-s.results, true
		}
		select {
		case o = <-s.results:
			return o, true
		default:
			return o, false
		}
	}
	head := &s.pending[s.yielded%s.limit]
	for !head.ok {
		if wait {
			o = <-s.results
		} else {
			select {
			case o = <-s.results:
			default:
				return o, false
			}
		}
		o.ok = true
		s.pending[o.seq%s.limit] = o
	}
	o, *head = *head, outcome[Out]{}
	return o, true
}
