package nursery

import (
	"context"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/internal/taskrun"
)

// Background starts task as a background task: one that serves the
// nursery's other tasks, such as a ticker or a flusher, and has no end of
// its own. Once the body and every other task have returned, the nursery
// cancels its background tasks' context, with a cause that matches
// context.Canceled, and waits for them; the errors with which they echo that
// cancellation are dropped. A background task's own failure before then
// fails the nursery like any task's.
//
// Background tasks do not count toward the nursery's [Limit]. A background
// task started after the others have returned starts canceled.
//
// Background panics if task is nil or if Run has returned.
//
//go:noinline
func (n *Nursery) Background(task func(ctx context.Context) error) {
	if task == nil {
		panic("nursery: Background called with a nil task")
	}
	n.enter(bgUnit, "Background")
	n.mu.Lock()
	if n.bgCtx == nil {
		n.bgCtx, n.bgCancel = context.WithCancelCause(n.ctx)
	}
	ctx := n.bgCtx
	n.mu.Unlock()
	var obs *taskObs
	if n.obs != nil {
		obs = n.obs.submit(new(taskObs), "background", task, n.obs.siteFor(callerpc.Caller()))
	}
	go n.runBackground(task, ctx, obs)
}

func (n *Nursery) runBackground(task func(ctx context.Context) error, ctx context.Context, obs *taskObs) {
	taskCtx := n.begin(ctx, obs)
	taskrun.Run(task, taskCtx, func(o taskrun.Outcome) {
		n.record(o, ctx, nil, obs)
		n.exit(bgUnit)
	})
}
