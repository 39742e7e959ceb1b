package durable

import (
	"fmt"
	"reflect"

	"go.temporal.io/sdk/workflow"
)

// Activity turns an activity into a task function: calling the result with
// a workflow context and an input executes activity with opts and that
// input, waits for it, and returns its result decoded into Out. The
// activity is a registered activity function, or its registered name as a
// string, taking (context.Context, In) or (In); Out is what its first
// result decodes into.
//
// Activity sets opts.WaitForCancellation: when the task's context is
// canceled (a sibling failed, or the nursery was canceled), the call does
// not return until the activity has ended, so that [Run], [Map] and the
// others return only after their activities have, as guarantee 1 asks.
// The activity learns of the cancellation only when it heartbeats
// (activity.RecordHeartbeat, with opts.HeartbeatTimeout set): its context
// is then canceled, and it should return ctx.Err(). An activity that never
// heartbeats runs to its end, or to its StartToCloseTimeout, and the
// nursery waits for it. Its error after a cancellation is a
// [*temporal.CanceledError], an echo that Run drops.
//
// Activity panics if activity is neither a function nor a non-empty name.
//
//go:noinline
func Activity[In, Out any](activity any, opts workflow.ActivityOptions) func(workflow.Context, In) (Out, error) {
	if !isActivity(activity) {
		panic(fmt.Sprintf("durable: Activity called with %T: want an activity function or its registered name", activity))
	}
	opts.WaitForCancellation = true
	a := &activityCall{activity: activity, opts: opts}
	return func(ctx workflow.Context, in In) (Out, error) {
		var out Out
		if p, ok := ctx.Value(activityProbeKey{}).(*activityProbe); ok {
			p.call = a // a probe from activityOf: report, run nothing
			return out, nil
		}
		err := a.start(ctx, in).Get(ctx, &out)
		return out, err
	}
}

// An activityCall is what a function made by [Activity] runs: kept so
// that [Map] can start the activities itself, from its own coroutine.
type activityCall struct {
	activity any
	opts     workflow.ActivityOptions
}

// start executes the activity with input in, in ctx.
func (a *activityCall) start(ctx workflow.Context, in any) workflow.Future {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, a.opts), a.activity, in)
}

// An activityProbe, in a context's values, asks a function made by
// Activity for its activityCall.
type activityProbe struct{ call *activityCall }

type activityProbeKey struct{}

// activityOf returns what fn runs if Activity made it, and nil for any
// other function, which it does not call. Activity is never inlined, so
// every function it returns for one shape of In and Out shares one code
// pointer: only those are called, with a probe, to report their
// activityCall.
func activityOf[In, Out any](ctx workflow.Context, fn func(workflow.Context, In) (Out, error)) *activityCall {
	code := reflect.ValueOf(Activity[In, Out]("probe", workflow.ActivityOptions{})).Pointer()
	if reflect.ValueOf(fn).Pointer() != code {
		return nil
	}
	var p activityProbe
	var in In
	_, _ = fn(workflow.WithValue(ctx, activityProbeKey{}, &p), in)
	return p.call
}

// isActivity reports whether a is something ExecuteActivity can run: a
// function, or a non-empty name.
func isActivity(a any) bool {
	if s, ok := a.(string); ok {
		return s != ""
	}
	return a != nil && reflect.TypeOf(a).Kind() == reflect.Func && !reflect.ValueOf(a).IsNil()
}
