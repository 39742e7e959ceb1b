package durable_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

var (
	errBoom  = errors.New("boom")
	errOther = errors.New("other")
)

// newEnv returns a test workflow environment that logs nothing. t may be
// nil (in a benchmark).
func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	if t != nil {
		t.Helper()
	}
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.SetTestTimeout(time.Minute)
	return env
}

// execute runs wf to its end in a new test environment, after setup (if
// not nil) has prepared the environment, and returns the workflow's error
// as the client would see it.
func execute(t *testing.T, wf func(ctx workflow.Context) error, setup func(env *testsuite.TestWorkflowEnvironment)) error {
	t.Helper()
	env := newEnv(t)
	if setup != nil {
		setup(env)
	}
	env.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "wf"})
	env.ExecuteWorkflow("wf")
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	env.AssertExpectations(t)
	return env.GetWorkflowError()
}

// mustRun runs wf and fails the test if the workflow failed.
func mustRun(t *testing.T, wf func(ctx workflow.Context) error) {
	t.Helper()
	if err := execute(t, wf, nil); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
}

// sleeper is a task that sleeps d in workflow time and records, in *got,
// what its sleep returned.
func sleeper(d time.Duration, got *error) func(ctx workflow.Context) error {
	return func(ctx workflow.Context) error {
		err := workflow.Sleep(ctx, d)
		*got = err
		return err
	}
}

// failAfter is a task that fails with err after d of workflow time.
func failAfter(d time.Duration, err error) func(ctx workflow.Context) error {
	return func(ctx workflow.Context) error {
		if e := workflow.Sleep(ctx, d); e != nil {
			return e
		}
		return err
	}
}

// noRetry runs an activity once.
var noRetry = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
}

// mockAny matches any argument of a mocked activity (its context).
const mockAny = mock.Anything

// isActivityFailure reports whether err is one ActivityError (not a
// join) whose cause is an ApplicationError with message msg: an activity's
// error after it crossed the activity boundary.
func isActivityFailure(err error, msg string) bool {
	if _, joined := err.(interface{ Unwrap() []error }); joined {
		return false
	}
	var ae *temporal.ActivityError
	var app *temporal.ApplicationError
	return errors.As(err, &ae) && errors.As(err, &app) && app.Error() == msg
}

// deadline is when a wait for something outside workflow time (an
// activity's goroutine) gives up: shortly before the test's own deadline.
func deadline(t *testing.T) time.Time {
	if d, ok := t.Deadline(); ok {
		return d.Add(-5 * time.Second)
	}
	return time.Now().Add(time.Minute)
}
