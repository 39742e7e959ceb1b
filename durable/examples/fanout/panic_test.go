package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// PanicProbe runs a nursery whose task panics, beside a task that sleeps.
func PanicProbe(ctx workflow.Context) error {
	return durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
		n.Go(ctx, func(ctx workflow.Context) error { return workflow.Sleep(ctx, time.Hour) })
		n.Go(ctx, func(ctx workflow.Context) error { panic("kaboom") })
		return nil
	})
}

// TestPanicPolicy: the *PanicError that Run raises out of the workflow
// meets the worker's panic policy. By default the workflow task fails and
// is retried, and the workflow stays running; with FailWorkflow the
// workflow fails, with the task's panic in its error.
func TestPanicPolicy(t *testing.T) {
	c := connect(t)
	ctx, cancel := context.WithDeadline(context.Background(), deadline(t))
	defer cancel()
	for _, policy := range []struct {
		queue string
		opts  worker.Options
	}{{"block", worker.Options{}}, {"fail", worker.Options{WorkflowPanicPolicy: worker.FailWorkflow}}} {
		w := worker.New(c, policy.queue, policy.opts)
		w.RegisterWorkflow(PanicProbe)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
	}

	t.Run("FailWorkflow", func(t *testing.T) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "fail"}, PanicProbe)
		if err != nil {
			t.Fatal(err)
		}
		err = run.Get(ctx, nil)
		var pe *temporal.PanicError
		if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "durable: task panicked: kaboom") || !strings.Contains(pe.Error(), "PanicProbe") {
			t.Errorf("workflow error = %v, want a PanicError with the task's panic and stack", err)
		}
	})

	t.Run("BlockWorkflow", func(t *testing.T) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "block"}, PanicProbe)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.TerminateWorkflow(ctx, run.GetID(), run.GetRunID(), "test over") }()
		// Wait, polling the server, until the workflow task has been
		// retried after the panic.
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			d, err := c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
			if err != nil {
				t.Fatal(err)
			}
			if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
				t.Fatalf("workflow status %v, want it running", st)
			}
			if d.GetPendingWorkflowTask().GetAttempt() >= 2 {
				break
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				t.Fatal("the panicking workflow task was not retried")
			}
		}
		// The failure in the history carries the task's panic.
		found := false
		it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if a := e.GetWorkflowTaskFailedEventAttributes(); a != nil && strings.Contains(a.GetFailure().GetMessage(), "durable: task panicked: kaboom") {
				found = true
			}
		}
		if !found {
			t.Error("no workflow task failure in the history carries the task's panic")
		}
	})
}

// Named runs a nursery named "checkout" whose task sleeps for an hour.
func Named(ctx workflow.Context) error {
	return durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
		n.Go(ctx, func(ctx workflow.Context) error { return workflow.Sleep(ctx, time.Hour) })
		return nil
	}, durable.Name("checkout"))
}

// TestNameNamesTheCoroutines: the tasks of a named nursery show under its
// name in the workflow's stack trace query (which the SDK's test
// environment does not answer).
func TestNameNamesTheCoroutines(t *testing.T) {
	c := connect(t)
	ctx, cancel := context.WithDeadline(context.Background(), deadline(t))
	defer cancel()
	w := worker.New(c, "named", worker.Options{})
	w.RegisterWorkflow(Named)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "named"}, Named)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.TerminateWorkflow(ctx, run.GetID(), run.GetRunID(), "test over") }()
	v, err := c.QueryWorkflow(ctx, run.GetID(), run.GetRunID(), client.QueryTypeStackTrace)
	if err != nil {
		t.Fatal(err)
	}
	var trace string
	if err := v.Get(&trace); err != nil || !strings.Contains(trace, "coroutine checkout [") {
		t.Errorf("stack trace query = %q, %v; want a coroutine named checkout", trace, err)
	}
}
