package taskgroup_test

import (
	"context"
	"slices"
	"testing"

	"github.com/scoped-go/scoped/taskgroup"
)

// TestCallsSynchronizeTasksWrites pins the happens-before edge each
// blocking call documents. Each task writes its own element of a plain,
// non-atomic slice just before it returns, and the caller reads the slice
// after the call, with nothing else ordering the two: without the edge the
// race detector (go test -race) reports the read.
func TestCallsSynchronizeTasksWrites(t *testing.T) {
	const n = 8
	ctx := context.Background()
	// tasks returns n tasks, task i writing wrote[i] as it returns; the
	// first fails with errA when fail is set.
	tasks := func(wrote []int, fail bool) []func(context.Context) (int, error) {
		ts := make([]func(context.Context) (int, error), n)
		for i := range ts {
			ts[i] = func(context.Context) (int, error) {
				wrote[i] = i + 1
				if fail && i == 0 {
					return 0, errA
				}
				return i, nil
			}
		}
		return ts
	}
	fn := func(wrote []int, fail bool) func(context.Context, int) (int, error) {
		ts := tasks(wrote, fail)
		return func(ctx context.Context, i int) (int, error) { return ts[i](ctx) }
	}
	tests := []struct {
		name string
		// call runs n tasks that write wrote, and returns once the call
		// under test has returned.
		call func(t *testing.T, wrote []int)
	}{
		{name: "Group.Wait", call: func(t *testing.T, wrote []int) {
			var g taskgroup.Group
			for _, task := range tasks(wrote, true) {
				g.Go(func() error { _, err := task(ctx); return err })
			}
			_ = g.Wait()
		}},
		{name: "Group.Wait with a limit and TryGo", call: func(t *testing.T, wrote []int) {
			g, gctx := taskgroup.WithContext(ctx)
			g.SetLimit(2)
			for i, task := range tasks(wrote, false) {
				if i%2 == 1 && g.TryGo(func() error { _, err := task(gctx); return err }) {
					continue
				}
				g.Go(func() error { _, err := task(gctx); return err })
			}
			_ = g.Wait()
		}},
		{name: "Map", call: func(t *testing.T, wrote []int) {
			_, _ = taskgroup.Map(ctx, ints(n), fn(wrote, false), taskgroup.Limit(3))
		}},
		{name: "ForEach", call: func(t *testing.T, wrote []int) {
			f := fn(wrote, false)
			_ = taskgroup.ForEach(ctx, ints(n), func(ctx context.Context, i int) error { _, err := f(ctx, i); return err }, taskgroup.Limit(3))
		}},
		{name: "MapSettled", call: func(t *testing.T, wrote []int) {
			_ = taskgroup.MapSettled(ctx, ints(n), fn(wrote, true), taskgroup.Limit(3))
		}},
		{name: "All", call: func(t *testing.T, wrote []int) {
			_, _ = taskgroup.All(ctx, tasks(wrote, false)...)
		}},
		{name: "Any", call: func(t *testing.T, wrote []int) {
			_, _ = taskgroup.Any(ctx, tasks(wrote, true)...)
		}},
		{name: "Settled", call: func(t *testing.T, wrote []int) {
			_ = taskgroup.Settled(ctx, tasks(wrote, true)...)
		}},
		{name: "Stream", call: func(t *testing.T, wrote []int) {
			for i, err := range taskgroup.Stream(ctx, slices.Values(ints(n)), fn(wrote, false), taskgroup.Limit(3)) {
				if err != nil || wrote[i] != i+1 { // the yielded call's own write
					t.Errorf("Stream yielded %d, %v with wrote[%d] = %d want %d, nil with %d", i, err, i, wrote[i], i, i+1)
				}
			}
		}},
		{name: "Stream unordered", call: func(t *testing.T, wrote []int) {
			for i, err := range taskgroup.Stream(ctx, slices.Values(ints(n)), fn(wrote, false), taskgroup.Limit(3), taskgroup.Unordered()) {
				if err != nil || wrote[i] != i+1 {
					t.Errorf("Stream yielded %d, %v with wrote[%d] = %d want %d, nil with %d", i, err, i, wrote[i], i, i+1)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrote := make([]int, n)
			tt.call(t, wrote)
			for i, w := range wrote {
				if w != i+1 {
					t.Errorf("after %s, wrote[%d] = %d want %d", tt.name, i, w, i+1)
				}
			}
		})
	}
}
