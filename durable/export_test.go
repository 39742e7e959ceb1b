package durable

import "go.temporal.io/sdk/workflow"

// IsActivity reports whether Map runs fn's activities from its own
// coroutine: whether fn is a function made by Activity.
func IsActivity[In, Out any](ctx workflow.Context, fn func(workflow.Context, In) (Out, error)) bool {
	return activityOf(ctx, fn) != nil
}
