package nursery

import "context"

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
	var rec *taskRecord
	if n.trk != nil {
		rec = n.trk.add(ctx, "background", callerSite(1))
	}
	go n.runBackground(task, ctx, rec)
}

func (n *Nursery) runBackground(task func(ctx context.Context) error, ctx context.Context, rec *taskRecord) {
	taskCtx := n.begin(ctx, rec)
	returned := false
	defer func() {
		if rec != nil {
			rec.end()
		}
		if !returned {
			n.abort(recover(), false)
		}
		n.exit(bgUnit)
	}()
	err := task(taskCtx)
	returned = true
	n.failed(err, ctx)
}
