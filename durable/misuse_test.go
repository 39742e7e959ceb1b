package durable_test

import (
	"strings"
	"testing"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/workflow"
)

// wantPanic fails t unless f panics with a message that starts with
// "durable: " and contains want.
func wantPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, _ := r.(string)
		if !strings.HasPrefix(msg, "durable: ") || !strings.Contains(msg, want) {
			t.Errorf("panic = %v, want a durable: panic containing %q", r, want)
		}
	}()
	f()
}

// TestMisuseOutsideWorkflow: the checks that need no workflow fire at the
// call, before anything starts.
func TestMisuseOutsideWorkflow(t *testing.T) {
	wantPanic(t, "Limit(0)", func() { durable.Limit(0) })
	wantPanic(t, "Limit(-1)", func() { durable.Limit(-1) })
	wantPanic(t, "nil context", func() { _ = durable.Run(nil, func(workflow.Context, *durable.Nursery) error { return nil }) })
	wantPanic(t, "Activity called with <nil>", func() { durable.Activity[int, int](nil, noRetry) })
	wantPanic(t, "Activity called with int", func() { durable.Activity[int, int](42, noRetry) })
	wantPanic(t, "Activity called with string", func() { durable.Activity[int, int]("", noRetry) })
	wantPanic(t, "Spawn called with a nil Nursery", func() { durable.Spawn[int](nil, nil, nil) })
}

// TestMisuseInWorkflow: nil bodies, tasks, contexts and options panic at
// the call, and so does starting a task after Run has returned.
func TestMisuseInWorkflow(t *testing.T) {
	noop := func(workflow.Context) error { return nil }
	mustRun(t, func(ctx workflow.Context) error {
		wantPanic(t, "nil body", func() { _ = durable.Run(ctx, nil) })
		wantPanic(t, "nil Option", func() { _ = durable.Run(ctx, func(workflow.Context, *durable.Nursery) error { return nil }, nil) })
		wantPanic(t, "Map called with a nil fn", func() { _, _ = durable.Map[int, int](ctx, nil, nil) })
		wantPanic(t, "ForEach called with a nil fn", func() { _ = durable.ForEach[int](ctx, nil, nil) })
		wantPanic(t, "Map called with a nil context", func() {
			_, _ = durable.Map(nil, []int{1}, func(workflow.Context, int) (int, error) { return 0, nil })
		})
		wantPanic(t, "All called with a nil task (index 1)", func() { _, _ = durable.All(ctx, func(workflow.Context) (int, error) { return 0, nil }, nil) })
		wantPanic(t, "Any called with a nil context", func() { _, _ = durable.Any[int](nil) })
		wantPanic(t, "Settled called with a nil task", func() { durable.Settled[int](ctx, nil) })
		var kept *durable.Nursery
		err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			wantPanic(t, "Go called with a nil task", func() { n.Go(ctx, nil) })
			wantPanic(t, "Go called with a nil context", func() { n.Go(nil, noop) })
			wantPanic(t, "Spawn called with a nil task", func() { durable.Spawn[int](ctx, n, nil) })
			kept = n
			return nil
		})
		wantPanic(t, "Go called after Run returned", func() { kept.Go(ctx, noop) })
		wantPanic(t, "Spawn called after Run returned", func() {
			durable.Spawn(ctx, kept, func(workflow.Context) (int, error) { return 0, nil })
		})
		kept.Cancel() // does nothing: Run canceled the nursery as it returned
		return err
	})
}
