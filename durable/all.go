package durable

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// Map calls fn on every element of in, each call in a coroutine of one
// nursery, and returns their results in input order: the result of
// fn(ctx, in[i]) is at index i.
//
// With [Limit], at most n calls run at once and the elements are started in
// input order as calls return; without it every call starts at once: there
// is no default limit (see Limit). Map returns once every call has
// returned. The first failure cancels the context the calls receive, which
// cancels their activities, and once that context is canceled Map starts
// no further calls. On failure Map returns nil and the errors, as [Run]
// returns them: one as it is, several joined, echoes of the cancellation
// dropped. A panic in fn is raised as Run raises it.
//
// With [Activity], Map fans an activity out across every worker that polls
// the workflow's task queue:
//
//	sizes, err := durable.Map(ctx, urls, durable.Activity[string, int](Fetch, opts), durable.Limit(50))
//
// Given a function made by Activity itself (not one that calls it), Map
// starts the activities from its own coroutine and waits for their results
// there, as a hand-written selector loop does, instead of running each call
// in a coroutine: the rules above hold all the same, and the workflow's
// stack trace shows no coroutine per call.
//
// Map panics if ctx or fn is nil.
func Map[In, Out any](ctx workflow.Context, in []In, fn func(workflow.Context, In) (Out, error), opts ...Option) ([]Out, error) {
	if fn == nil {
		panic("durable: Map called with a nil fn")
	}
	out := make([]Out, len(in))
	if ctx != nil {
		if a := activityOf(ctx, fn); a != nil {
			err := eachActivity(ctx, "Map", len(in), func(ctx workflow.Context, i int) workflow.Future {
				return a.start(ctx, in[i])
			}, func(ctx workflow.Context, f workflow.Future, i int) error {
				return f.Get(ctx, &out[i]) // each call writes its own index only
			}, opts)
			if err != nil {
				return nil, err
			}
			return out, nil
		}
	}
	err := each(ctx, "Map", len(in), func(ctx workflow.Context, i int) error {
		r, err := fn(ctx, in[i])
		out[i] = r // each call writes its own index only
		return err
	}, opts)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ForEach calls fn on every element of in, as [Map] does, and returns once
// every call has returned, with the error Map would return.
//
// ForEach panics if ctx or fn is nil.
func ForEach[In any](ctx workflow.Context, in []In, fn func(workflow.Context, In) error, opts ...Option) error {
	if fn == nil {
		panic("durable: ForEach called with a nil fn")
	}
	return each(ctx, "ForEach", len(in), func(ctx workflow.Context, i int) error {
		return fn(ctx, in[i])
	}, opts)
}

// each runs call(ctx, i) for i from 0 to count-1 in one nursery, in input
// order, and returns what Run returns.
//
// It runs the calls on workers: min(limit, count) coroutines (count without
// a limit), the body's among them, each taking the next index as its last
// call returns, rather than one coroutine per call with Go waiting for
// room. The SDK resumes every blocked coroutine on each pass of its
// dispatcher, so what a fan-out costs is the coroutines alive and the
// passes that a new coroutine or a waiting Go adds (BenchmarkFanOut).
// Each call's error is recorded as the nursery records a task's, as soon
// as the call returns.
func each(ctx workflow.Context, what string, count int, call func(ctx workflow.Context, i int) error, opts []Option) error {
	if ctx == nil {
		panic("durable: " + what + " called with a nil context")
	}
	c := configure(what, opts)
	workers := count
	if c.limit > 0 {
		workers = min(c.limit, count)
	}
	next := 0 // the next index to call; coroutines run one at a time
	return Run(ctx, func(ctx workflow.Context, n *Nursery) error {
		work := func(ctx workflow.Context) error {
			// Once the nursery is canceled no further call starts.
			for next < count && ctx.Err() == nil {
				i := next
				next++
				n.failed(call(ctx, i))
			}
			return nil
		}
		for range workers - 1 {
			n.Go(ctx, work)
		}
		// The body's coroutine is the last worker: one coroutine fewer
		// for the dispatcher to resume on every pass.
		return work(ctx)
	}, opts...)
}

// eachActivity is each for calls that each execute one activity: start(ctx,
// i) executes the activity of index i and get(ctx, f, i) reads its result
// once f is ready. It starts the activities from the body's coroutine and
// waits for them there, with no coroutine per call: the SDK resumes every
// blocked coroutine on each pass of its dispatcher, so a fan-out of
// coroutines costs, per activity that ends, a pass over all of them, where
// this costs a look at each future in flight. The rules are each's: the
// calls start in input order, at most limit in flight; each result is
// recorded as a task's error as soon as it is read, ready futures in the
// order they were started; once the nursery is canceled no further call
// starts; and every activity started has ended before the body returns.
func eachActivity(ctx workflow.Context, what string, count int,
	start func(ctx workflow.Context, i int) workflow.Future,
	get func(ctx workflow.Context, f workflow.Future, i int) error, opts []Option) error {
	limit := configure(what, opts).limit
	return Run(ctx, func(ctx workflow.Context, n *Nursery) error {
		type call struct {
			f workflow.Future
			i int
		}
		var inFlight []call // started, not yet read; in the order started
		// The waits below outlast the nursery's cancellation: a canceled
		// activity is awaited until it has ended (WaitForCancellation).
		wctx, release := workflow.NewDisconnectedContext(ctx)
		defer release()
		anyReady := func() bool {
			for _, c := range inFlight {
				if c.f.IsReady() {
					return true
				}
			}
			return false
		}
		// settle waits until a call in flight has ended, and records every
		// call that has.
		settle := func() {
			_ = workflow.Await(wctx, anyReady)
			kept := inFlight[:0]
			for _, c := range inFlight {
				if c.f.IsReady() {
					n.settleFuture(func() error { return get(wctx, c.f, c.i) })
				} else {
					kept = append(kept, c)
				}
			}
			clear(inFlight[len(kept):])
			inFlight = kept
		}
		for i := 0; i < count; i++ {
			for limit > 0 && len(inFlight) >= limit {
				settle()
			}
			if ctx.Err() != nil {
				break
			}
			inFlight = append(inFlight, call{start(ctx, i), i})
		}
		for len(inFlight) > 0 {
			settle()
		}
		return nil
	}, opts...)
}

// ErrNoTasks is the error [Any] returns when it is given no tasks.
var ErrNoTasks = errors.New("durable: Any called with no tasks")

// A Result is the outcome of one task of [Settled]: the value and the error
// the task returned.
type Result[T any] struct {
	Value T
	Err   error
}

// All runs every task at once, each in a coroutine of one nursery, and
// returns their results in the order of the tasks, once every task has
// returned.
//
// The first failure cancels the context the tasks receive. On failure All
// returns nil and the errors, as [Run] returns them. A panic in a task is
// raised as Run raises it.
//
// All panics if ctx or a task is nil.
func All[T any](ctx workflow.Context, tasks ...func(workflow.Context) (T, error)) ([]T, error) {
	checkTasks("All", ctx, tasks)
	out := make([]T, len(tasks))
	err := Run(ctx, func(ctx workflow.Context, n *Nursery) error {
		for i, task := range tasks {
			n.Go(ctx, func(ctx workflow.Context) error {
				v, err := task(ctx)
				out[i] = v // each task writes its own index only
				return err
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Any runs every task at once, each in a coroutine of one nursery, and
// returns the result of the first to succeed. That success cancels the
// other tasks' context, and Any returns once they have returned; their
// results and errors are dropped.
//
// If no task succeeds, Any returns the zero value and the tasks' errors:
// one as it is, several joined in the order of the tasks. If ctx is
// canceled before the last task has failed, Any returns ctx.Err() instead.
// With no tasks it returns [ErrNoTasks]. A failure does not cancel the
// other tasks, but a panic does, and is raised as [Run] raises it.
//
// Any panics if ctx or a task is nil.
func Any[T any](ctx workflow.Context, tasks ...func(workflow.Context) (T, error)) (T, error) {
	checkTasks("Any", ctx, tasks)
	var zero T
	if len(tasks) == 0 {
		return zero, ErrNoTasks
	}
	var (
		won         bool // set by the first task to succeed, which alone writes winner
		winner      T
		errs        = make([]error, len(tasks)) // each task writes its own index only
		failed      int
		parentEnded bool // written by the last task to fail
	)
	// The tasks return nil to the nursery: a failure is Any's to judge,
	// and must not cancel the others.
	_ = Run(ctx, func(_ workflow.Context, n *Nursery) error {
		for i, task := range tasks {
			n.Go(ctx, func(tctx workflow.Context) error {
				v, err := task(tctx)
				if err == nil {
					if !won {
						won, winner = true, v
						n.Cancel()
					}
					return nil
				}
				errs[i] = err
				if failed++; failed == len(tasks) {
					parentEnded = ctx.Err() != nil
				}
				return nil
			})
		}
		return nil
	})
	switch {
	case won:
		return winner, nil
	case parentEnded:
		return zero, ctx.Err()
	case len(errs) == 1:
		return zero, errs[0]
	default:
		return zero, errors.Join(errs...)
	}
}

// Settled runs every task at once, each in a coroutine of one nursery, and
// returns the result of each, in the order of the tasks, once every task
// has returned. A task's error does not cancel the others; a panic does,
// and is raised as [Run] raises it.
//
// Settled panics if ctx or a task is nil.
func Settled[T any](ctx workflow.Context, tasks ...func(workflow.Context) (T, error)) []Result[T] {
	checkTasks("Settled", ctx, tasks)
	out := make([]Result[T], len(tasks))
	// The tasks return nil to the nursery, so that no error cancels it.
	_ = Run(ctx, func(ctx workflow.Context, n *Nursery) error {
		for i, task := range tasks {
			n.Go(ctx, func(ctx workflow.Context) error {
				v, err := task(ctx)
				out[i] = Result[T]{Value: v, Err: err}
				return nil
			})
		}
		return nil
	})
	return out
}

// checkTasks panics, naming the function what, if ctx or a task is nil, so
// that misuse fails at the call and before any task starts.
func checkTasks[T any](what string, ctx workflow.Context, tasks []func(workflow.Context) (T, error)) {
	if ctx == nil {
		panic("durable: " + what + " called with a nil context")
	}
	for i, task := range tasks {
		if task == nil {
			panic(fmt.Sprintf("durable: %s called with a nil task (index %d)", what, i))
		}
	}
}
