package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The end-to-end test maps items activities, limit at once, on a real
// server. The activities of items below fast return at once; the others
// heartbeat until canceled. The activity of item failAt fails once the
// limit-1 others in flight with it have started, so that at that moment
// exactly limit activities are in flight, all slow ones.
const (
	items  = 200
	limit  = 20
	fast   = 25
	failAt = 30
)

// probe is the end-to-end test's activities, and what they saw.
type probe struct {
	started, ended, canceled atomic.Int32
	slowStarted              chan struct{}
	atCheckpoint             atomic.Value // [2]int32: started and ended when the workflow's Map had returned
}

func (p *probe) Item(ctx context.Context, i int) (int, error) {
	p.started.Add(1)
	defer p.ended.Add(1)
	if i < fast {
		return i, nil
	}
	if i == failAt {
		for range limit - 1 {
			select {
			case <-p.slowStarted:
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		return 0, fmt.Errorf("item %d failed", i)
	}
	p.slowStarted <- struct{}{}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		activity.RecordHeartbeat(ctx)
		select {
		case <-ctx.Done():
			p.canceled.Add(1)
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// Checkpoint records how many Item activities had started and ended when
// the workflow called it, right after its Map returned.
func (p *probe) Checkpoint(ctx context.Context) error {
	p.atCheckpoint.Store([2]int32{p.started.Load(), p.ended.Load()})
	return nil
}

var probeOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	HeartbeatTimeout:    time.Second,
	RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
}

// MapProbe maps the Item activity, then calls Checkpoint, then returns
// Map's error.
func MapProbe(ctx workflow.Context, lim int) error {
	in := make([]int, items)
	for i := range in {
		in[i] = i
	}
	_, err := durable.Map(ctx, in, durable.Activity[int, int]("Item", probeOptions), durable.Limit(lim))
	actx := workflow.WithActivityOptions(ctx, probeOptions)
	if cerr := workflow.ExecuteActivity(actx, "Checkpoint").Get(ctx, nil); cerr != nil {
		return cerr
	}
	return err
}

// TestMapOnARealServer: on a real server, a worker and a client, Map over
// 200 activities with Limit(20), one failing: the failure comes back
// alone, the 19 activities in flight with it are canceled, and Map
// returns only after they have ended (WaitForCancellation, which the SDK's
// test environment does not emulate). No activity starts after the
// failure. The recorded history then replays with the same code, and a
// replay with different code is caught.
func TestMapOnARealServer(t *testing.T) {
	c := connect(t)
	p := &probe{slowStarted: make(chan struct{}, items)}
	w := worker.New(c, "probe", worker.Options{})
	w.RegisterWorkflow(MapProbe)
	w.RegisterActivity(p)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx, cancel := context.WithDeadline(context.Background(), deadline(t))
	defer cancel()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "probe"}, MapProbe, limit)
	if err != nil {
		t.Fatal(err)
	}
	err = run.Get(ctx, nil)

	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !strings.Contains(err.Error(), fmt.Sprintf("item %d failed", failAt)) {
		t.Fatalf("workflow error = %v, want the failure of item %d", err, failAt)
	}
	if strings.Count(err.Error(), "failed") != 1 || strings.Contains(err.Error(), "canceled") {
		t.Errorf("workflow error = %v, want the one failure, without the echoes of the cancellation", err)
	}
	if got, want := p.canceled.Load(), int32(limit-1); got != want {
		t.Errorf("%d activities were canceled, want %d (those in flight with the failure)", got, want)
	}
	at, _ := p.atCheckpoint.Load().([2]int32)
	if at[0] != fast+limit || at[1] != at[0] {
		t.Errorf("when Map returned, %d activities had started and %d ended; want %d and %d: Map must await its canceled activities", at[0], at[1], fast+limit, fast+limit)
	}
	if got := p.started.Load(); got != fast+limit {
		t.Errorf("%d activities started in all, want %d: none may start after the failure", got, fast+limit)
	}

	// Record the history and replay it.
	hist := history(ctx, t, c, run)
	replay := func(wf func(workflow.Context, int) error) error {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "MapProbe"})
		return r.ReplayWorkflowHistory(discard(), hist)
	}
	if err := replay(MapProbe); err != nil {
		t.Errorf("replaying the history with the same code: %v", err)
	}
	// The same workflow with another limit schedules other commands: the
	// replayer must see it, or this test could not catch a nursery that
	// behaves differently on replay.
	// [TMPRL1100] is the SDK's code for nondeterminism.
	if err := replay(func(ctx workflow.Context, _ int) error { return MapProbe(ctx, limit/2) }); err == nil || !strings.Contains(err.Error(), "TMPRL1100") {
		t.Errorf("replaying the history with Limit(10) instead of 20: %v, want a nondeterminism error", err)
	}
}

// history fetches the whole history of run.
func history(ctx context.Context, t *testing.T, c client.Client, run client.WorkflowRun) *historypb.History {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := new(historypb.History)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	return h
}

// deadline is when the test gives up waiting for the server: shortly
// before its own deadline.
func deadline(t *testing.T) time.Time {
	if d, ok := t.Deadline(); ok {
		return d.Add(-10 * time.Second)
	}
	return time.Now().Add(5 * time.Minute)
}
