package durable_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// value is a task that returns v after d of workflow time.
func value(d time.Duration, v int) func(workflow.Context) (int, error) {
	return func(ctx workflow.Context) (int, error) {
		if err := workflow.Sleep(ctx, d); err != nil {
			return 0, err
		}
		return v, nil
	}
}

// failing is a task that fails with err after d of workflow time.
func failing(d time.Duration, err error) func(workflow.Context) (int, error) {
	return func(ctx workflow.Context) (int, error) { return 0, failAfter(d, err)(ctx) }
}

func TestSpawnGet(t *testing.T) {
	var got []int
	var getErr error
	mustRun(t, func(ctx workflow.Context) error {
		return durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			a := durable.Spawn(ctx, n, value(2*time.Second, 1))
			b := durable.Spawn(ctx, n, value(time.Second, 2))
			for _, f := range []*durable.Future[int]{a, b, a} {
				v, err := f.Get(ctx)
				if err != nil {
					return err
				}
				got = append(got, v)
			}
			// Get on a canceled context returns the cancellation for a
			// future not done yet, and the result for one that is.
			c := durable.Spawn(ctx, n, value(time.Hour, 3))
			cctx, cancel := workflow.WithCancel(ctx)
			cancel()
			if v, err := a.Get(cctx); v != 1 || err != nil {
				return fmt.Errorf("done future on a canceled context: %v, %v", v, err)
			}
			_, getErr = c.Get(cctx)
			n.Cancel()
			return nil
		})
	})
	if fmt.Sprint(got) != "[1 2 1]" || !temporal.IsCanceledError(getErr) {
		t.Errorf("Get = %v, then %v; want [1 2 1], then a CanceledError", got, getErr)
	}
}

func TestAll(t *testing.T) {
	var out []int
	var err error
	mustRun(t, func(ctx workflow.Context) error {
		out, err = durable.All(ctx, value(3*time.Second, 1), value(time.Second, 2), value(2*time.Second, 3))
		return err
	})
	if fmt.Sprint(out) != "[1 2 3]" {
		t.Errorf("All = %v, want [1 2 3]", out)
	}
	mustRun(t, func(ctx workflow.Context) error {
		out, err = durable.All(ctx, value(time.Hour, 1), failing(time.Second, errBoom))
		return nil
	})
	if out != nil || err != errBoom {
		t.Errorf("All = %v, %v; want nil, errBoom", out, err)
	}
}

func TestAny(t *testing.T) {
	tests := []struct {
		name   string
		tasks  []func(workflow.Context) (int, error)
		cancel bool
		want   int
		errs   []error
	}{
		{"first success wins", []func(workflow.Context) (int, error){failing(time.Second, errBoom), value(2*time.Second, 2), value(3*time.Second, 3)}, false, 2, nil},
		{"all fail", []func(workflow.Context) (int, error){failing(2*time.Second, errBoom), failing(time.Second, errOther)}, false, 0, []error{errBoom, errOther}},
		{"one fails", []func(workflow.Context) (int, error){failing(time.Second, errBoom)}, false, 0, []error{errBoom}},
		{"workflow canceled", []func(workflow.Context) (int, error){value(time.Hour, 1)}, true, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got int
			var err error
			_ = execute(t, func(ctx workflow.Context) error {
				got, err = durable.Any(ctx, tt.tasks...)
				return nil
			}, func(env *testsuite.TestWorkflowEnvironment) {
				if tt.cancel {
					env.RegisterDelayedCallback(env.CancelWorkflow, time.Second)
				}
			})
			switch {
			case tt.cancel:
				if !temporal.IsCanceledError(err) {
					t.Errorf("Any = %v, %v; want the workflow's CanceledError", got, err)
				}
			case tt.errs == nil:
				if got != tt.want || err != nil {
					t.Errorf("Any = %v, %v; want %v, nil", got, err, tt.want)
				}
			default:
				checkErrors(t, err, tt.errs)
			}
		})
	}
	t.Run("no tasks", func(t *testing.T) {
		var err error
		mustRun(t, func(ctx workflow.Context) error {
			_, err = durable.Any[int](ctx)
			return nil
		})
		if !errors.Is(err, durable.ErrNoTasks) {
			t.Errorf("Any() = %v, want ErrNoTasks", err)
		}
	})
}

func TestSettled(t *testing.T) {
	var out []durable.Result[int]
	mustRun(t, func(ctx workflow.Context) error {
		out = durable.Settled(ctx, failing(time.Second, errBoom), value(2*time.Second, 2))
		return nil
	})
	if len(out) != 2 || out[0].Err != errBoom || out[1].Value != 2 || out[1].Err != nil {
		t.Errorf("Settled = %v, want [{0 boom} {2 <nil>}]: an error cancels nothing", out)
	}
}

func TestMapAndForEach(t *testing.T) {
	var out []int
	var sum int
	mustRun(t, func(ctx workflow.Context) error {
		var err error
		out, err = durable.Map(ctx, []int{3, 1, 2}, func(ctx workflow.Context, i int) (int, error) {
			return value(time.Duration(i)*time.Second, i*10)(ctx)
		})
		if err != nil {
			return err
		}
		if got, err := durable.Map(ctx, nil, func(workflow.Context, int) (int, error) { return 0, nil }); len(got) != 0 || err != nil {
			return fmt.Errorf("Map over nothing = %v, %v", got, err)
		}
		return durable.ForEach(ctx, []int{1, 2, 3}, func(ctx workflow.Context, i int) error {
			sum += i
			return nil
		}, durable.Limit(1))
	})
	if fmt.Sprint(out) != "[30 10 20]" || sum != 6 {
		t.Errorf("Map = %v, ForEach sum = %d; want [30 10 20] and 6", out, sum)
	}
}
