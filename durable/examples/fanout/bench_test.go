package main

import (
	"context"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Quick is an activity that returns its input.
func Quick(ctx context.Context, i int) (int, error) { return i, nil }

var quickOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
}

// MapQuick maps Quick over n items, limit at once, with durable.Map.
func MapQuick(ctx workflow.Context, n, limit int) ([]int, error) {
	return durable.Map(ctx, make([]int, n), durable.Activity[int, int](Quick, quickOptions), durable.Limit(limit))
}

// SelectQuick does what MapQuick does with a hand-written selector loop.
func SelectQuick(ctx workflow.Context, n, limit int) ([]int, error) {
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	actx := workflow.WithActivityOptions(ctx, quickOptions)
	out := make([]int, n)
	sel := workflow.NewSelector(ctx)
	var firstErr error
	next, inFlight := 0, 0
	for {
		for firstErr == nil && next < n && inFlight < limit {
			i := next
			next++
			inFlight++
			sel.AddFuture(workflow.ExecuteActivity(actx, Quick, 0), func(f workflow.Future) {
				inFlight--
				if err := f.Get(ctx, &out[i]); err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
			})
		}
		if inFlight == 0 {
			break
		}
		sel.Select(ctx)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// BenchmarkFanOutOnARealServer: durable.Map against the hand-written
// selector loop, 200 activities at most 20 at once, each iteration one
// workflow run end to end on a real server (in another process) and one
// worker. Run with
//
//	go test -run '^$' -bench . -count 5
func BenchmarkFanOutOnARealServer(b *testing.B) {
	c := connect(b)
	w := worker.New(c, "bench", worker.Options{})
	w.RegisterWorkflow(MapQuick)
	w.RegisterWorkflow(SelectQuick)
	w.RegisterActivity(Quick)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	for _, wf := range []struct {
		name string
		fn   any
	}{{"durable.Map", MapQuick}, {"selector", SelectQuick}} {
		b.Run("impl="+wf.name, func(b *testing.B) {
			for b.Loop() {
				run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: "bench"}, wf.fn, 200, 20)
				if err != nil {
					b.Fatal(err)
				}
				var out []int
				if err := run.Get(context.Background(), &out); err != nil || len(out) != 200 {
					b.Fatalf("%s: %d results, %v", wf.name, len(out), err)
				}
			}
		})
	}
}
