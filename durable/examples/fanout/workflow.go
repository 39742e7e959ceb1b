package main

import (
	"context"
	"fmt"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Params says what FanOut maps: Items activities, at most Limit at once;
// the activity for item FailAt fails (none if FailAt < 0).
type Params struct {
	Items  int
	Limit  int
	FailAt int
}

// Done is what one activity reports: its item, and the worker that ran it.
type Done struct {
	Item   int
	Worker string
}

// FanOut is the workflow: it maps the Work activity over the items, at
// most p.Limit at once, across every worker that polls the task queue.
// The first failure cancels the activities still running, and FanOut
// returns once they have all ended.
func FanOut(ctx workflow.Context, p Params) ([]Done, error) {
	items := make([]int, p.Items)
	for i := range items {
		items[i] = i
	}
	work := durable.Activity[WorkInput, Done]("Work", workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		HeartbeatTimeout:    5 * time.Second, // cancellation reaches Work with its next heartbeat
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	return durable.Map(ctx, items, func(ctx workflow.Context, item int) (Done, error) {
		return work(ctx, WorkInput{Item: item, Fail: item == p.FailAt})
	}, durable.Limit(p.Limit), durable.Name("fanout"))
}

// WorkInput is the Work activity's input.
type WorkInput struct {
	Item int
	Fail bool
}

// Worker holds the activities of one worker process.
type Worker struct {
	Name string        // reported in each Done
	Cost time.Duration // how long one item takes
}

// Work does one item's work, heartbeating as it goes so that a
// cancellation reaches it, and reports which worker did it.
func (w *Worker) Work(ctx context.Context, in WorkInput) (Done, error) {
	deadline := time.After(w.Cost)
	tick := time.NewTicker(w.Cost/4 + time.Millisecond)
	defer tick.Stop()
	for {
		activity.RecordHeartbeat(ctx)
		select {
		case <-ctx.Done():
			return Done{}, ctx.Err()
		case <-tick.C:
		case <-deadline:
			if in.Fail {
				return Done{}, fmt.Errorf("item %d failed", in.Item)
			}
			return Done{Item: in.Item, Worker: w.Name}, nil
		}
	}
}
