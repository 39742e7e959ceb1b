package durable_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// runRecovering runs body in a nursery and returns what Run panicked with.
func runRecovering(ctx workflow.Context, body func(ctx workflow.Context, n *durable.Nursery) error, opts ...durable.Option) (p any) {
	defer func() { p = recover() }()
	_ = durable.Run(ctx, body, opts...)
	return nil
}

//go:noinline
func panickingTask(ctx workflow.Context) error {
	if err := workflow.Sleep(ctx, time.Second); err != nil {
		return err
	}
	panic("kaboom")
}

// TestPanicCancelsAwaitsAndIsRaised: a panicking task cancels its siblings,
// Run waits for them, then panics in its own coroutine with a *PanicError
// that carries the value and the stack of the task that panicked.
func TestPanicCancelsAwaitsAndIsRaised(t *testing.T) {
	var sibling error
	siblingDone := false
	var p any
	mustRun(t, func(ctx workflow.Context) error {
		p = runRecovering(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error {
				sibling = workflow.Sleep(ctx, time.Hour)
				// A canceled task may still block, on a context of its
				// own: Run waits for it.
				cctx, _ := workflow.NewDisconnectedContext(ctx)
				_ = workflow.Sleep(cctx, time.Minute)
				siblingDone = true
				return sibling
			})
			n.Go(ctx, panickingTask)
			return nil
		}, durable.Name("fan"))
		return nil
	})
	pe, ok := p.(*durable.PanicError)
	if !ok {
		t.Fatalf("Run panicked with %v (%T), want a *durable.PanicError", p, p)
	}
	if pe.Value != "kaboom" {
		t.Errorf("PanicError.Value = %v, want kaboom", pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "panickingTask") {
		t.Errorf("PanicError.Stack does not show the task:\n%s", pe.Stack)
	}
	if msg := pe.Error(); !strings.HasPrefix(msg, `durable: task in "fan" panicked: kaboom`) || !strings.Contains(msg, "panickingTask") {
		t.Errorf("PanicError.Error() = %q, want the value, the scope and the task's stack", msg)
	}
	if !temporal.IsCanceledError(sibling) || !siblingDone {
		t.Errorf("sibling: Sleep = %v, returned = %v; want canceled and awaited", sibling, siblingDone)
	}
}

// TestPanicFailsTheWorkflowTask: unrecovered, the panic leaves the
// workflow function, and the SDK reports it with the task's stack. (The
// test environment fails the workflow; a worker applies its panic policy.)
func TestPanicFailsTheWorkflowTask(t *testing.T) {
	err := execute(t, func(ctx workflow.Context) error {
		return durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, panickingTask)
			return nil
		})
	}, nil)
	var pe *temporal.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("workflow error = %v, want a temporal.PanicError", err)
	}
	if !strings.Contains(pe.Error(), "durable: task panicked: kaboom") || !strings.Contains(pe.Error(), "panickingTask") {
		t.Errorf("the SDK's panic error does not show the task's panic and stack:\n%s", pe.Error())
	}
}

// TestBodyPanicAwaitsTheTasks: a panic in the body cancels and awaits the
// tasks, then is raised as a *PanicError with the body's stack.
func TestBodyPanicAwaitsTheTasks(t *testing.T) {
	var sibling error
	var p any
	mustRun(t, func(ctx workflow.Context) error {
		p = runRecovering(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, sleeper(time.Hour, &sibling))
			panic(errBoom)
		})
		return nil
	})
	pe, ok := p.(*durable.PanicError)
	if !ok || pe.Value != errBoom || !errors.Is(pe, errBoom) {
		t.Fatalf("Run panicked with %v (%T), want a *PanicError of errBoom", p, p)
	}
	if !strings.Contains(string(pe.Stack), "TestBodyPanicAwaitsTheTasks") {
		t.Errorf("PanicError.Stack does not show the body:\n%s", pe.Stack)
	}
	if msg := pe.Error(); !strings.HasPrefix(msg, "durable: body panicked: boom") {
		t.Errorf("PanicError.Error() = %q, want it to say the body panicked", msg)
	}
	if !temporal.IsCanceledError(sibling) {
		t.Errorf("sibling = %v, want canceled before Run panicked", sibling)
	}
}

// TestFirstPanicWins: of several panics, the first is raised; a nested
// nursery's *PanicError passes through the outer one unchanged.
func TestFirstPanicWins(t *testing.T) {
	var p any
	mustRun(t, func(ctx workflow.Context) error {
		p = runRecovering(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error {
				return durable.Run(ctx, func(ctx workflow.Context, m *durable.Nursery) error {
					m.Go(ctx, panickingTask)
					return nil
				})
			})
			n.Go(ctx, func(ctx workflow.Context) error {
				_ = workflow.Sleep(ctx, time.Hour)
				panic("second")
			})
			return nil
		})
		return nil
	})
	pe, ok := p.(*durable.PanicError)
	if !ok || pe.Value != "kaboom" || !strings.Contains(string(pe.Stack), "panickingTask") {
		t.Fatalf("Run panicked with %v, want the inner task's *PanicError", p)
	}
}

// TestSpawnedPanicIsTheFutureError: a spawned task's panic is its
// future's error, and the nursery still raises it.
func TestSpawnedPanicIsTheFutureError(t *testing.T) {
	var got error
	var p any
	mustRun(t, func(ctx workflow.Context) error {
		p = runRecovering(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			f := durable.Spawn(ctx, n, func(ctx workflow.Context) (int, error) {
				return 0, panickingTask(ctx)
			})
			_, got = f.Get(ctx)
			return nil
		})
		return nil
	})
	if pe, ok := got.(*durable.PanicError); !ok || p != pe {
		t.Errorf("future error = %v, Run panicked with %v; want the same *PanicError", got, p)
	}
}
