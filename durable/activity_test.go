package durable_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Fetch is the activity most tests map: it returns the length of its input.
func Fetch(ctx context.Context, url string) (int, error) {
	return len(url), nil
}

// TestMapMockedActivities: Map over a mocked activity returns its results
// in input order.
func TestMapMockedActivities(t *testing.T) {
	var out []int
	err := execute(t, func(ctx workflow.Context) error {
		var err error
		out, err = durable.Map(ctx, []string{"a", "bb", "ccc"}, durable.Activity[string, int](Fetch, noRetry), durable.Limit(2))
		return err
	}, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterActivity(Fetch)
		env.OnActivity(Fetch, mockAny, "a").Return(10, nil).Once()
		env.OnActivity(Fetch, mockAny, "bb").Return(20, nil).Once()
		env.OnActivity(Fetch, mockAny, "ccc").Return(30, nil).Once()
	})
	if err != nil || len(out) != 3 || out[0] != 10 || out[1] != 20 || out[2] != 30 {
		t.Errorf("Map = %v, %v; want [10 20 30]", out, err)
	}
}

// TestMapRealActivities: the same with the real activity, by name too.
func TestMapRealActivities(t *testing.T) {
	var byFunc, byName []int
	err := execute(t, func(ctx workflow.Context) error {
		var err error
		if byFunc, err = durable.Map(ctx, []string{"a", "bb"}, durable.Activity[string, int](Fetch, noRetry)); err != nil {
			return err
		}
		byName, err = durable.Map(ctx, []string{"ccc"}, durable.Activity[string, int]("Fetch", noRetry))
		return err
	}, func(env *testsuite.TestWorkflowEnvironment) { env.RegisterActivity(Fetch) })
	if err != nil || len(byFunc) != 2 || byFunc[0] != 1 || byFunc[1] != 2 || len(byName) != 1 || byName[0] != 3 {
		t.Errorf("Map = %v and %v, %v; want [1 2] and [3]", byFunc, byName, err)
	}
}

// TestActivityErrorComesBack: a failing activity fails the nursery, and
// its error comes back once, as an ActivityError wrapping the failure.
func TestActivityErrorComesBack(t *testing.T) {
	var runErr error
	_ = execute(t, func(ctx workflow.Context) error {
		_, runErr = durable.Map(ctx, []string{"a", "bb", "ccc"}, durable.Activity[string, int](Fetch, noRetry))
		return nil
	}, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterActivity(Fetch)
		// The calls start at once; the test environment resolves the
		// other two as canceled as soon as "bb" fails, maybe before
		// their mocks are called.
		env.OnActivity(Fetch, mockAny, "a").Return(1, nil).Maybe()
		env.OnActivity(Fetch, mockAny, "bb").Return(0, errors.New("no route")).Once()
		env.OnActivity(Fetch, mockAny, "ccc").Return(3, nil).Maybe()
	})
	if !isActivityFailure(runErr, "no route") {
		t.Errorf("Map's error = %v, want the one ActivityError of the failing call", runErr)
	}
}

// Heartbeater heartbeats until its context is canceled, and reports each
// cancellation it saw on canceled.
type Heartbeater struct{ canceled chan int }

func (h *Heartbeater) Wait(ctx context.Context, _ int) (int, error) {
	for {
		activity.RecordHeartbeat(ctx)
		select {
		case <-ctx.Done():
			h.canceled <- 1
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (h *Heartbeater) Fail(ctx context.Context, _ int) (int, error) {
	return 0, errBoom
}

// TestCancellationReachesHeartbeatingActivities: when one call fails, the
// activities of the others, which heartbeat, see their context canceled,
// and their CanceledErrors are echoes. (The test environment resolves a
// canceled activity at once, without waiting for it as WaitForCancellation
// asks: the test waits for the activities to report their cancellation.
// The test against a real server, in servertest, shows Map waiting.)
func TestCancellationReachesHeartbeatingActivities(t *testing.T) {
	h := &Heartbeater{canceled: make(chan int, 3)}
	opts := noRetry
	// Heartbeats are sent at most every 0.8 * HeartbeatTimeout; the
	// cancellation reaches the activity with the next one.
	opts.HeartbeatTimeout = 100 * time.Millisecond
	wait := durable.Activity[int, int](h.Wait, opts)
	fail := durable.Activity[int, int](h.Fail, opts)
	var runErr error
	_ = execute(t, func(ctx workflow.Context) error {
		_, runErr = durable.Map(ctx, []int{0, 1, 2, 3}, func(ctx workflow.Context, i int) (int, error) {
			if i == 3 {
				// Fail once the others' activities are surely running.
				if err := workflow.Sleep(ctx, 200*time.Millisecond); err != nil {
					return 0, err
				}
				return fail(ctx, i)
			}
			return wait(ctx, i)
		})
		return nil
	}, func(env *testsuite.TestWorkflowEnvironment) { env.RegisterActivity(h) })
	if !isActivityFailure(runErr, "boom") {
		t.Errorf("Map's error = %v, want the failing activity's error alone", runErr)
	}
	timeout := time.After(time.Until(deadline(t)))
	for range 3 {
		select {
		case <-h.canceled:
		case <-timeout:
			t.Fatal("the heartbeating activities did not all see the cancellation")
		}
	}
}
