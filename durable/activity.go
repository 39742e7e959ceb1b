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
func Activity[In, Out any](activity any, opts workflow.ActivityOptions) func(workflow.Context, In) (Out, error) {
	if !isActivity(activity) {
		panic(fmt.Sprintf("durable: Activity called with %T: want an activity function or its registered name", activity))
	}
	opts.WaitForCancellation = true
	return func(ctx workflow.Context, in In) (Out, error) {
		var out Out
		actx := workflow.WithActivityOptions(ctx, opts)
		err := workflow.ExecuteActivity(actx, activity, in).Get(ctx, &out)
		return out, err
	}
}

// isActivity reports whether a is something ExecuteActivity can run: a
// function, or a non-empty name.
func isActivity(a any) bool {
	if s, ok := a.(string); ok {
		return s != ""
	}
	return a != nil && reflect.TypeOf(a).Kind() == reflect.Func && !reflect.ValueOf(a).IsNil()
}
