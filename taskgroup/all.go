package taskgroup

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/nursery"
)

// ErrNoTasks is the error [Any] returns when it is given no tasks.
var ErrNoTasks = errors.New("taskgroup: Any called with no tasks")

// errLost is the cause Any's losers see: another task succeeded first.
var errLost = fmt.Errorf("taskgroup: another task of Any succeeded first: %w", context.Canceled)

// A Result is the outcome of one task of [Settled], or of one call of fn
// in [MapSettled]: the value and the error it returned (for an element
// whose call MapSettled never started, the zero value and the cause of
// the cancellation).
type Result[T any] struct {
	Value T
	Err   error
}

// All runs every task at once, each in its own goroutine, and returns their
// results in the order of the tasks, once every task has returned.
//
// The first failure cancels the context the tasks receive, with the
// failure as its cause. On failure All returns nil and the errors, as
// [nursery.Run] returns them: one error as it is, several joined, echoes of
// the cancellation dropped, and context.Cause(ctx) if ctx was canceled and
// the tasks only echoed it. A panic in a task is re-raised in the caller as
// a [*nursery.PanicError] once the other tasks have returned; a
// runtime.Goexit in a task is re-raised as a Goexit.
//
// In the terminology of the Go memory model, the return of every task
// synchronizes before All returns or re-raises.
//
// All panics if a task is nil.
//
//go:noinline
func All[T any](ctx context.Context, tasks ...func(context.Context) (T, error)) ([]T, error) {
	checkTasks("All", ctx, tasks)
	out := make([]T, len(tasks))
	var next atomic.Int64
	// One function serves every task, each goroutine claiming the next
	// index, so that no closure is made per task.
	run := func(ctx context.Context) error {
		i := next.Add(1) - 1
		v, err := tasks[i](ctx)
		out[i] = v // each task writes its own index only
		return err
	}
	err := nursery.Run(atSite(ctx, callerpc.Caller()), func(_ context.Context, n *nursery.Nursery) error {
		for range tasks {
			n.Go(run)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Any runs every task at once, each in its own goroutine, and returns the
// result of the first to succeed. That success cancels the other tasks'
// context, with a cause that matches [context.Canceled], and Any returns
// once they have returned; their results and errors are dropped.
//
// If no task succeeds, Any returns the zero value and the tasks' errors:
// one as it is, several joined in the order of the tasks. If ctx is
// canceled before the last task has failed, Any returns context.Cause(ctx)
// instead. With no tasks it returns [ErrNoTasks]. A failure does not cancel
// the other tasks, but a panic or runtime.Goexit does, and is re-raised in
// the caller as [All] does.
//
// The return of every task, the losers' included, synchronizes before Any
// returns or re-raises, as in All.
//
// Any panics if a task is nil.
//
//go:noinline
func Any[T any](ctx context.Context, tasks ...func(context.Context) (T, error)) (T, error) {
	checkTasks("Any", ctx, tasks)
	var zero T
	if len(tasks) == 0 {
		return zero, ErrNoTasks
	}
	var (
		won         atomic.Bool // set by the first task to succeed, which alone writes winner
		winner      T
		errs        = make([]error, len(tasks)) // each task writes its own index only
		failed      atomic.Int64
		parentEnded bool // written by the last task to fail only
	)
	// The tasks return nil to the nursery: a failure is Any's to judge, and
	// must not cancel the others.
	_ = nursery.Run(atSite(ctx, callerpc.Caller()), func(_ context.Context, n *nursery.Nursery) error {
		var next atomic.Int64
		run := func(tctx context.Context) error { // as in All: one function, each goroutine claims an index
			i := next.Add(1) - 1
			v, err := tasks[i](tctx)
			if err == nil {
				if won.CompareAndSwap(false, true) {
					winner = v
					n.Cancel(errLost)
				}
				return nil
			}
			errs[i] = err
			if failed.Add(1) == int64(len(tasks)) {
				parentEnded = ctx.Err() != nil
			}
			return nil
		}
		for range tasks {
			n.Go(run)
		}
		return nil
	})
	// Run has waited for every task: what they wrote is visible here.
	switch {
	case won.Load():
		return winner, nil
	case parentEnded:
		return zero, context.Cause(ctx)
	case len(errs) == 1:
		return zero, errs[0]
	default:
		return zero, errors.Join(errs...)
	}
}

// Settled runs every task at once, each in its own goroutine, and returns
// the result of each, in the order of the tasks, once every task has
// returned. A task's error does not cancel the others; a panic or
// runtime.Goexit does, and is re-raised in the caller as [All] does.
// The return of every task synchronizes before Settled returns or
// re-raises, as in All. To call one function on every element of a
// slice, with a limit, use [MapSettled].
//
// Settled panics if a task is nil.
//
//go:noinline
func Settled[T any](ctx context.Context, tasks ...func(context.Context) (T, error)) []Result[T] {
	checkTasks("Settled", ctx, tasks)
	out := make([]Result[T], len(tasks))
	// The tasks return nil to the nursery, so that no error cancels it. As
	// in All, one function serves every task.
	var next atomic.Int64
	run := func(ctx context.Context) error {
		i := next.Add(1) - 1
		v, err := tasks[i](ctx)
		out[i] = Result[T]{Value: v, Err: err} // each task writes its own index only
		return nil
	}
	_ = nursery.Run(atSite(ctx, callerpc.Caller()), func(_ context.Context, n *nursery.Nursery) error {
		for range tasks {
			n.Go(run)
		}
		return nil
	})
	return out
}

// checkTasks panics, naming the function what, if ctx or a task is nil, so
// that misuse fails at the call and before any task starts.
func checkTasks[T any](what string, ctx context.Context, tasks []func(context.Context) (T, error)) {
	if ctx == nil {
		panic("taskgroup: " + what + " called with a nil context")
	}
	for i, task := range tasks {
		if task == nil {
			panic(fmt.Sprintf("taskgroup: %s called with a nil task (index %d)", what, i))
		}
	}
}
