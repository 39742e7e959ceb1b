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

// TestRunWaitsForEveryCoroutine: Run returns only after the body and every
// task, including tasks started by tasks, have returned, and they are
// canceled by nothing but Run's return.
func TestRunWaitsForEveryCoroutine(t *testing.T) {
	var ended []string
	var afterRun []string
	mustRun(t, func(ctx workflow.Context) error {
		err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			for i, d := range []time.Duration{3 * time.Second, time.Second, 2 * time.Second} {
				n.Go(ctx, func(ctx workflow.Context) error {
					if err := workflow.Sleep(ctx, d); err != nil {
						return err
					}
					if i == 1 {
						n.Go(ctx, func(ctx workflow.Context) error {
							if err := workflow.Sleep(ctx, 5*time.Second); err != nil {
								return err
							}
							ended = append(ended, "grandchild")
							return nil
						})
					}
					ended = append(ended, fmt.Sprint("task", i))
					return nil
				})
			}
			return nil
		})
		afterRun = append(afterRun, ended...)
		return err
	})
	want := "[task1 task2 task0 grandchild]"
	if got := fmt.Sprint(afterRun); got != want {
		t.Errorf("tasks ended before Run returned: %s, want %s", got, want)
	}
}

// TestFirstFailureCancelsTheOthers: the first error cancels the nursery's
// context, so a sleeping sibling's timer is canceled, and Run returns the
// error as it is, without the sibling's echo.
func TestFirstFailureCancelsTheOthers(t *testing.T) {
	var sibling, runErr error
	var elapsed time.Duration
	mustRun(t, func(ctx workflow.Context) error {
		start := workflow.Now(ctx)
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, sleeper(time.Hour, &sibling))
			n.Go(ctx, failAfter(time.Second, errBoom))
			return nil
		})
		elapsed = workflow.Now(ctx).Sub(start)
		return nil
	})
	if runErr != errBoom {
		t.Errorf("Run = %v, want errBoom as it is", runErr)
	}
	if !temporal.IsCanceledError(sibling) {
		t.Errorf("sibling's Sleep = %v, want a CanceledError", sibling)
	}
	if elapsed != time.Second {
		t.Errorf("Run took %v of workflow time, want 1s: the sibling was not canceled at once", elapsed)
	}
}

// TestBodyErrorCancelsTheTasks: the body's own error is a failure too.
func TestBodyErrorCancelsTheTasks(t *testing.T) {
	var sibling, runErr error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, sleeper(time.Hour, &sibling))
			return errBoom
		})
		return nil
	})
	if runErr != errBoom || !temporal.IsCanceledError(sibling) {
		t.Errorf("Run = %v, sibling = %v; want errBoom and a CanceledError", runErr, sibling)
	}
}

// TestEchoes: after the nursery is canceled, a CanceledError (bare or
// wrapped) and the failure itself (a sibling returning a failed future's
// error) are echoes and dropped; any other error is a root error.
func TestEchoes(t *testing.T) {
	tests := []struct {
		name   string
		second func(f *durable.Future[int]) func(ctx workflow.Context) error
		want   []error
	}{
		{"canceled sleep", func(*durable.Future[int]) func(workflow.Context) error {
			return func(ctx workflow.Context) error { return workflow.Sleep(ctx, time.Hour) }
		}, []error{errBoom}},
		{"wrapped canceled sleep", func(*durable.Future[int]) func(workflow.Context) error {
			return func(ctx workflow.Context) error {
				return fmt.Errorf("waiting: %w", workflow.Sleep(ctx, time.Hour))
			}
		}, []error{errBoom}},
		{"await of the failure", func(f *durable.Future[int]) func(workflow.Context) error {
			return func(ctx workflow.Context) error { _, err := f.Get(ctx); return err }
		}, []error{errBoom}},
		{"own error after cancellation", func(*durable.Future[int]) func(workflow.Context) error {
			return func(ctx workflow.Context) error {
				_ = workflow.Sleep(ctx, time.Hour)
				return errOther
			}
		}, []error{errBoom, errOther}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var runErr error
			mustRun(t, func(ctx workflow.Context) error {
				runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
					f := durable.Spawn(ctx, n, func(ctx workflow.Context) (int, error) {
						return 0, failAfter(time.Second, errBoom)(ctx)
					})
					n.Go(ctx, tt.second(f))
					return nil
				})
				return nil
			})
			checkErrors(t, runErr, tt.want)
		})
	}
}

// checkErrors fails t unless err is want[0] as it is, or, for several,
// a flat join of want in order.
func checkErrors(t *testing.T, err error, want []error) {
	t.Helper()
	if len(want) == 1 {
		if err != want[0] {
			t.Errorf("Run = %v, want %v as it is", err, want[0])
		}
		return
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Run = %v (%T), want %d errors joined", err, err, len(want))
	}
	got := j.Unwrap()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Run's errors = %v, want %v", got, want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("errors.Is(Run's error, %v) = false", w)
		}
	}
}

// TestOwnCanceledErrorIsAFailure: a CanceledError a task gets from a
// context of its own, while the nursery is live, is a root error.
func TestOwnCanceledErrorIsAFailure(t *testing.T) {
	var runErr error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error {
				own, cancel := workflow.WithCancel(ctx)
				cancel()
				return workflow.Sleep(own, time.Hour)
			})
			return nil
		})
		return nil
	})
	if !temporal.IsCanceledError(runErr) {
		t.Errorf("Run = %v, want the task's own CanceledError", runErr)
	}
}

// TestSuperviseCollectsEveryError: under Supervise errors do not cancel,
// every task runs to its end, and the errors come back joined in the order
// they were returned.
func TestSuperviseCollectsEveryError(t *testing.T) {
	var sibling, runErr error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, failAfter(2*time.Second, errOther))
			n.Go(ctx, failAfter(time.Second, errBoom))
			n.Go(ctx, sleeper(3*time.Second, &sibling))
			return nil
		}, durable.Supervise())
		return nil
	})
	checkErrors(t, runErr, []error{errBoom, errOther})
	if sibling != nil {
		t.Errorf("sibling's Sleep = %v under Supervise, want nil", sibling)
	}
}

// TestSameErrorReportedOnce: the same error value returned by two tasks
// comes back once.
func TestSameErrorReportedOnce(t *testing.T) {
	var runErr error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, failAfter(time.Second, errBoom))
			n.Go(ctx, failAfter(time.Second, errBoom))
			return nil
		}, durable.Supervise())
		return nil
	})
	checkErrors(t, runErr, []error{errBoom})
}

// TestCancelIsNotAFailure: Cancel ends the nursery early; the echoes are
// dropped and Run returns nil.
func TestCancelIsNotAFailure(t *testing.T) {
	var sibling, runErr error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, sleeper(time.Hour, &sibling))
			n.Go(ctx, func(ctx workflow.Context) error {
				if err := workflow.Sleep(ctx, time.Second); err != nil {
					return err
				}
				n.Cancel()
				n.Cancel() // does nothing more
				return nil
			})
			return nil
		})
		return nil
	})
	if runErr != nil || !temporal.IsCanceledError(sibling) {
		t.Errorf("Run = %v, sibling = %v; want nil and a CanceledError", runErr, sibling)
	}
}

// TestWorkflowCancellation: when the workflow is canceled, the tasks see
// it; if they only echo it, Run returns the parent's CanceledError, and the
// workflow that returns it ends canceled. A task's own error is still
// returned.
func TestWorkflowCancellation(t *testing.T) {
	cancelAfter := func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterDelayedCallback(env.CancelWorkflow, time.Second)
	}
	t.Run("echoes only", func(t *testing.T) {
		var sibling, runErr error
		err := execute(t, func(ctx workflow.Context) error {
			runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
				n.Go(ctx, sleeper(time.Hour, &sibling))
				return nil
			})
			return runErr
		}, cancelAfter)
		if !temporal.IsCanceledError(runErr) || !temporal.IsCanceledError(sibling) {
			t.Errorf("Run = %v, sibling = %v; want CanceledErrors", runErr, sibling)
		}
		if !temporal.IsCanceledError(err) {
			t.Errorf("workflow error = %v, want the workflow canceled", err)
		}
	})
	t.Run("own error", func(t *testing.T) {
		var runErr error
		_ = execute(t, func(ctx workflow.Context) error {
			runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
				n.Go(ctx, func(ctx workflow.Context) error {
					_ = workflow.Sleep(ctx, time.Hour)
					return errOther
				})
				return nil
			})
			return runErr
		}, cancelAfter)
		if runErr != errOther {
			t.Errorf("Run = %v, want the task's own error", runErr)
		}
	})
	t.Run("nil", func(t *testing.T) {
		var runErr error = errOther
		_ = execute(t, func(ctx workflow.Context) error {
			runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
				n.Go(ctx, func(ctx workflow.Context) error {
					_ = workflow.Sleep(ctx, time.Hour)
					return nil
				})
				return nil
			})
			return runErr
		}, cancelAfter)
		if runErr != nil {
			t.Errorf("Run = %v, want nil: every task returned nil", runErr)
		}
	})
}

// TestNestedNurseries: an inner nursery's failure fails the task that ran
// it, which cancels the outer nursery; the outer Run returns the inner
// failure once, and every coroutine of both has returned.
func TestNestedNurseries(t *testing.T) {
	var outerSibling, innerSibling, runErr error
	var innerReturned bool
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, sleeper(time.Hour, &outerSibling))
			n.Go(ctx, func(ctx workflow.Context) error {
				err := durable.Run(ctx, func(ctx workflow.Context, inner *durable.Nursery) error {
					inner.Go(ctx, sleeper(time.Hour, &innerSibling))
					inner.Go(ctx, failAfter(time.Second, errBoom))
					return nil
				}, durable.Name("inner"))
				innerReturned = true
				return err
			})
			return nil
		}, durable.Name("outer"))
		return nil
	})
	if runErr != errBoom || !innerReturned {
		t.Errorf("Run = %v (inner returned: %v), want errBoom from the inner nursery", runErr, innerReturned)
	}
	if !temporal.IsCanceledError(outerSibling) || !temporal.IsCanceledError(innerSibling) {
		t.Errorf("siblings = %v, %v; want both canceled", outerSibling, innerSibling)
	}
}

// TestOuterCancellationReachesInnerNursery: canceling the outer nursery
// cancels the tasks of a nursery nested in one of its tasks, and their
// echoes are dropped at both levels.
func TestOuterCancellationReachesInnerNursery(t *testing.T) {
	var inner, runErr error
	mustRun(t, func(ctx workflow.Context) error {
		runErr = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error {
				return durable.Run(ctx, func(ctx workflow.Context, m *durable.Nursery) error {
					m.Go(ctx, sleeper(time.Hour, &inner))
					return nil
				})
			})
			n.Go(ctx, failAfter(time.Second, errBoom))
			return nil
		})
		return nil
	})
	if runErr != errBoom || !temporal.IsCanceledError(inner) {
		t.Errorf("Run = %v, inner task = %v; want errBoom and a CanceledError", runErr, inner)
	}
}
