package durable_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// inFlight counts the tasks running at once, and records the count each
// task saw as it started.
type inFlight struct {
	now, max int
	atStart  []int
}

func (f *inFlight) task(d time.Duration) func(ctx workflow.Context) error {
	return func(ctx workflow.Context) error {
		f.now++
		f.max = max(f.max, f.now)
		f.atStart = append(f.atStart, f.now)
		defer func() { f.now-- }()
		return workflow.Sleep(ctx, d)
	}
}

// TestLimitBoundsTasksInFlight: with Limit(3), Go waits while three tasks
// run, so exactly three run at once and every later task starts as one
// returns.
func TestLimitBoundsTasksInFlight(t *testing.T) {
	var f inFlight
	var returns []int // how many tasks had started when each Go returned
	mustRun(t, func(ctx workflow.Context) error {
		return durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			for i := range 10 {
				n.Go(ctx, f.task(time.Duration(1+i%4)*time.Second))
				returns = append(returns, len(f.atStart))
			}
			return nil
		}, durable.Limit(3))
	})
	if got, want := fmt.Sprint(f.atStart), "[1 2 3 3 3 3 3 3 3 3]"; got != want {
		t.Errorf("tasks in flight as each started = %s, want %s", got, want)
	}
	// A Go that did not wait returns before its task starts; one that
	// waited returns once a task has ended, before its own starts too.
	if got, want := fmt.Sprint(returns), "[0 0 0 3 4 5 6 7 8 9]"; got != want {
		t.Errorf("tasks started as each Go returned = %s, want %s", got, want)
	}
}

// TestMapLimitInFlight: Map with Limit(4) over 20 elements never runs more
// than four calls, and runs four whenever four are left.
func TestMapLimitInFlight(t *testing.T) {
	var f inFlight
	var out []int
	mustRun(t, func(ctx workflow.Context) error {
		var err error
		out, err = durable.Map(ctx, make([]int, 20), func(ctx workflow.Context, _ int) (int, error) {
			return f.now, f.task(time.Second)(ctx)
		}, durable.Limit(4))
		return err
	})
	if f.max != 4 || len(f.atStart) != 20 {
		t.Errorf("max in flight = %d over %d calls, want 4 over 20", f.max, len(f.atStart))
	}
	if len(out) != 20 {
		t.Errorf("Map returned %d results, want 20", len(out))
	}
}

// TestWaitingGoGivesUpWhenCanceled: once the nursery is canceled, a Go or
// Spawn waiting for room drops its task, even when the failure that
// canceled the nursery also freed the room; a dropped Spawn's future holds
// the cancellation. A Go that finds room in a canceled nursery starts its
// task, with the canceled context (the body's loop should stop instead).
func TestWaitingGoGivesUpWhenCanceled(t *testing.T) {
	spawnRan, goRan := false, false
	var runErr, dropped, late error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, failAfter(time.Second, errBoom))
			f := durable.Spawn(ctx, n, func(ctx workflow.Context) (int, error) { spawnRan = true; return 1, nil })
			_, dropped = f.Get(ctx)
			n.Go(ctx, func(ctx workflow.Context) error { goRan = true; late = ctx.Err(); return nil })
			return nil
		}, durable.Limit(1))
		return nil
	})
	if spawnRan || !temporal.IsCanceledError(dropped) {
		t.Errorf("waiting Spawn: ran = %v, future error = %v; want dropped with a CanceledError", spawnRan, dropped)
	}
	if runErr != errBoom {
		t.Errorf("Run = %v, want errBoom", runErr)
	}
	if !goRan || !temporal.IsCanceledError(late) {
		t.Errorf("Go with room after the failure: ran = %v, ctx.Err() = %v; want run with a canceled context", goRan, late)
	}
}

// TestForEachStopsStartingWhenCanceled: a limited ForEach starts no call
// after a failure.
func TestForEachStopsStartingWhenCanceled(t *testing.T) {
	var calls []int
	var err error
	mustRun(t, func(ctx workflow.Context) error {
		err = durable.ForEach(ctx, []int{0, 1, 2, 3, 4, 5}, func(ctx workflow.Context, i int) error {
			calls = append(calls, i)
			if i == 1 {
				return failAfter(time.Second, errBoom)(ctx)
			}
			return workflow.Sleep(ctx, time.Duration(3+i)*time.Second)
		}, durable.Limit(2))
		return nil
	})
	if got, want := fmt.Sprint(calls), "[0 1]"; got != want || err != errBoom {
		t.Errorf("calls = %s, err = %v; want %s and errBoom", got, err, want)
	}
}

// TestTaskWaitsForRoomInItsOwnCoroutine: a task that starts tasks in its
// own limited nursery waits, through its own context, for room.
func TestTaskWaitsForRoomInItsOwnCoroutine(t *testing.T) {
	var f inFlight
	mustRun(t, func(ctx workflow.Context) error {
		return durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error {
				for range 5 {
					n.Go(ctx, f.task(time.Second))
				}
				return nil
			})
			return nil
		}, durable.Limit(2))
	})
	if got, want := fmt.Sprint(f.atStart), "[1 1 1 1 1]"; got != want {
		// The parent task holds one of the two places until it returns.
		t.Errorf("tasks in flight as each started = %s, want %s", got, want)
	}
}

// TestSpawnGivesUpWhenItsCallerIsCanceled: a Spawn waiting for room on a
// context that is canceled gives up; its future holds the cancellation,
// and the nursery, still live, is not failed.
func TestSpawnGivesUpWhenItsCallerIsCanceled(t *testing.T) {
	ran := false
	var dropped, runErr error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error { return workflow.Sleep(ctx, time.Second) })
			cctx, cancel := workflow.WithCancel(ctx)
			cancel()
			f := durable.Spawn(cctx, n, func(ctx workflow.Context) (int, error) { ran = true; return 1, nil })
			_, dropped = f.Get(ctx)
			return nil
		}, durable.Limit(1))
		return nil
	})
	if ran || !temporal.IsCanceledError(dropped) || runErr != nil {
		t.Errorf("ran = %v, future error = %v, Run = %v; want not run, a CanceledError, nil", ran, dropped, runErr)
	}
}
