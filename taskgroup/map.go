package taskgroup

import (
	"context"
	"sync/atomic"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/nursery"
)

// Map calls fn on every element of in, with at most the [Limit] (by default
// runtime.GOMAXPROCS(0)) calls running at once, and returns their results in
// input order: the result of fn(ctx, in[i]) is at index i.
//
// Map returns once every call has returned. The first failure cancels the
// context the calls receive, with the failure as its cause, and once that
// context is canceled, by a failure or by ctx, Map starts no further calls.
// On failure Map returns nil and the errors, as [nursery.Run] returns them:
// one error as it is, several joined, echoes of the cancellation dropped,
// and context.Cause(ctx) if ctx was canceled and the calls only echoed it.
// A panic in fn is re-raised in the caller as a [*nursery.PanicError] once
// the other calls have returned; a runtime.Goexit in fn is re-raised as a
// Goexit.
//
// In the terminology of the Go memory model, the return of every call of
// fn synchronizes before Map returns or re-raises.
//
// Map does not start a goroutine per element: a fixed set of at most Limit
// goroutines takes the elements in turn, so Map over many cheap elements
// costs little more than a hand-written loop.
//
// Map panics if fn is nil or if it is given [Unordered].
//
//go:noinline
func Map[In, Out any](ctx context.Context, in []In, fn func(context.Context, In) (Out, error), opts ...Option) ([]Out, error) {
	if fn == nil {
		panic("taskgroup: Map called with a nil fn")
	}
	c := configure("Map", false, opts)
	out := make([]Out, len(in))
	err := each(atSite(ctx, callerpc.Caller()), "Map", len(in), c.limit, func(ctx context.Context, lo, hi int) error {
		dst := out[lo:hi] // this chunk's own results: no other goroutine writes them
		for i, v := range in[lo:hi] {
			if ctx.Err() != nil {
				return context.Cause(ctx) // an echo: Run drops it
			}
			r, err := fn(ctx, v)
			if err != nil {
				return err
			}
			dst[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ForEach calls fn on every element of in, with at most the [Limit] (by
// default runtime.GOMAXPROCS(0)) calls running at once, and returns once
// every call has returned. Failures, cancellation, panics and Goexit are
// handled as by [Map], and the error is the one Map would return. The
// return of every call of fn synchronizes before ForEach returns or
// re-raises, as in Map.
//
// ForEach panics if fn is nil or if it is given [Unordered].
//
//go:noinline
func ForEach[In any](ctx context.Context, in []In, fn func(context.Context, In) error, opts ...Option) error {
	if fn == nil {
		panic("taskgroup: ForEach called with a nil fn")
	}
	c := configure("ForEach", false, opts)
	return each(atSite(ctx, callerpc.Caller()), "ForEach", len(in), c.limit, func(ctx context.Context, lo, hi int) error {
		for _, v := range in[lo:hi] {
			if ctx.Err() != nil {
				return context.Cause(ctx) // an echo: Run drops it
			}
			if err := fn(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// MapSettled calls fn on every element of in, with at most the [Limit] (by
// default runtime.GOMAXPROCS(0)) calls running at once, and returns the
// outcome of every call in input order: result i holds the value and the
// error of fn(ctx, in[i]). A call's error cancels nothing: unless ctx is
// canceled, fn is called on every element, and MapSettled tells which
// inputs failed while keeping the results of the rest. It returns once
// every call has returned.
//
// If ctx is canceled, MapSettled starts no further calls: the result of
// each element whose call had not started holds the zero value and
// context.Cause(ctx), so that no element is left without an outcome. A
// call already running sees its context canceled, and its result holds
// whatever it returned.
//
// A panic in fn still cancels the other calls, and is re-raised in the
// caller as a [*nursery.PanicError] once they have returned; a
// runtime.Goexit in fn is re-raised as a Goexit. No results are returned
// then.
//
// In the terminology of the Go memory model, the return of every call of
// fn synchronizes before MapSettled returns or re-raises.
//
// MapSettled panics if fn is nil or if it is given [Unordered].
//
//go:noinline
func MapSettled[In, Out any](ctx context.Context, in []In, fn func(context.Context, In) (Out, error), opts ...Option) []Result[Out] {
	if fn == nil {
		panic("taskgroup: MapSettled called with a nil fn")
	}
	c := configure("MapSettled", false, opts)
	out := make([]Result[Out], len(in))
	// The workers return nil to the nursery, so that no error cancels it:
	// only ctx, a panic or a Goexit can, and each worker then fills in the
	// results of the elements it claims without calling fn.
	_ = each(atSite(ctx, callerpc.Caller()), "MapSettled", len(in), c.limit, func(ctx context.Context, lo, hi int) error {
		dst := out[lo:hi] // this chunk's own results: no other goroutine writes them
		for i, v := range in[lo:hi] {
			if ctx.Err() != nil {
				cause := context.Cause(ctx)
				for j := i; j < len(dst); j++ {
					dst[j].Err = cause
				}
				return nil
			}
			dst[i].Value, dst[i].Err = fn(ctx, v)
		}
		return nil
	})
	return out
}

// each calls run on chunks [lo, hi) of the indexes 0 to count-1, on at
// most limit workers of one nursery, and returns what the nursery's Run
// returns. run must check, before each call of fn, that the context is not
// canceled: once it is, no call of fn starts. ctx.Err() is exact for that,
// since a context's error is set before its cancel function returns, and
// cheap: an atomic load, where a select on Done is a runtime call.
//
// The workers take chunks from a shared counter; the chunks shrink as the
// work runs out (guided scheduling): large chunks keep the counter cold
// while much is left, chunks of one at the end keep the workers equally
// busy until the last element. Handing run a chunk, not an index, keeps
// the call of fn in run's loop, where nothing stands between the two.
func each(ctx context.Context, what string, count, limit int, run func(ctx context.Context, lo, hi int) error) error {
	if ctx == nil {
		panic("taskgroup: " + what + " called with a nil context")
	}
	if count == 0 {
		return nil
	}
	workers := min(limit, count)
	var next atomic.Int64 // the first index no worker has taken
	return nursery.Run(ctx, func(_ context.Context, n *nursery.Nursery) error {
		for range workers {
			n.Go(func(ctx context.Context) error {
				for {
					lo, hi := claim(&next, count, workers)
					if lo == hi {
						return nil
					}
					if err := run(ctx, lo, hi); err != nil {
						return err
					}
				}
			})
		}
		return nil
	})
}

// chunkDivisor sets the chunk size: each claim takes 1/(chunkDivisor*workers)
// of the elements left, so the workers claim a few dozen times each over a
// whole run.
const chunkDivisor = 8

// claim takes the next chunk of indexes [lo, hi) from next; lo == hi when
// none is left.
func claim(next *atomic.Int64, count, workers int) (lo, hi int) {
	for {
		start := next.Load()
		left := int64(count) - start
		if left <= 0 {
			return count, count
		}
		size := max(left/int64(chunkDivisor*workers), 1)
		if next.CompareAndSwap(start, start+size) {
			return int(start), int(start + size)
		}
	}
}
