package durable_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/workflow"
)

// TestGoexitIsNotAFailure: a task that ends through runtime.Goexit, as the
// SDK ends coroutines, fails nothing: its siblings run on, Run returns nil,
// and a spawned task's future says how it ended.
func TestGoexitIsNotAFailure(t *testing.T) {
	var sibling, runErr, futureErr error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, sleeper(time.Second, &sibling))
			n.Go(ctx, func(workflow.Context) error { runtime.Goexit(); return nil })
			f := durable.Spawn(ctx, n, func(workflow.Context) (int, error) { runtime.Goexit(); return 1, nil })
			_, futureErr = f.Get(ctx)
			return nil
		})
		return nil
	})
	if runErr != nil || sibling != nil {
		t.Errorf("Run = %v, sibling = %v; want nil and nil", runErr, sibling)
	}
	if futureErr == nil || !strings.Contains(futureErr.Error(), "Goexit") {
		t.Errorf("future of a task that called Goexit: error %v, want one that says so", futureErr)
	}
}

// TestTeardownOfAnOpenNursery: a nursery left open in a coroutine the
// workflow abandons is torn down with the workflow's coroutines: its Run
// and its tasks block nothing and leave no goroutine behind (goleak, in
// TestMain, checks the last).
func TestTeardownOfAnOpenNursery(t *testing.T) {
	returned := false
	mustRun(t, func(ctx workflow.Context) error {
		started := false
		workflow.Go(ctx, func(ctx workflow.Context) {
			_ = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
				for range 3 {
					n.Go(ctx, func(ctx workflow.Context) error {
						started = true
						return workflow.Sleep(ctx, time.Hour)
					})
				}
				durable.Spawn(ctx, n, func(ctx workflow.Context) (int, error) {
					return 0, workflow.Sleep(ctx, time.Hour)
				})
				return nil
			}, durable.Limit(2))
			returned = true
		})
		// Return, with the nursery open, once its tasks run.
		return workflow.Await(ctx, func() bool { return started })
	})
	if returned {
		t.Error("Run returned: the nursery was not left open")
	}
}
