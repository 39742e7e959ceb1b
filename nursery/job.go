package nursery

import (
	"context"
	"runtime/pprof"

	"github.com/scoped-go/scoped/internal/taskrun"
)

// How a task's goroutine begins, runs its task and ends it: the
// counting in and the choice of goroutine are in nursery.go (Go, TryGo),
// future.go (Spawn), start.go and background.go; the limit's workers are
// in limit.go.

// begin prepares the goroutine of a Start or Background task that runs
// with ctx: it sets the scope's pprof labels and returns the task's
// context.
func (n *Nursery) begin(ctx context.Context, obs *taskObs) context.Context {
	if n.cfg.name != "" {
		pprof.SetGoroutineLabels(n.ctx)
	}
	if obs != nil {
		return obs.started(ctx)
	}
	return ctx
}

// runJob runs a Go, TryGo or Spawn task, records how it ended and
// uncounts it. Without a limit it is the task's goroutine; with one, a
// worker calls it for each task.
func (n *Nursery) runJob(fn func(context.Context) error, x *extra) {
	ctx := n.ctx
	if n.lim == nil && n.cfg.name != "" {
		pprof.SetGoroutineLabels(n.ctx) // a worker has set them once
	}
	if t := x.obs(); t != nil {
		ctx = t.started(ctx)
	}
	err, ok := taskrun.Call(fn, ctx, func(o taskrun.Outcome) { n.jobEnded(o, x) })
	if !ok {
		return
	}
	if err == nil && n.lim == nil {
		// The common ends, with nothing to record but the observation's.
		if x == nil {
			n.exit(1)
			return
		}
		if x.fut == nil {
			if t := x.obs(); t != nil {
				t.ended(nil, false)
			}
			n.exit(1)
			return
		}
	}
	n.jobEnded(taskrun.Outcome{Err: err}, x)
}

// jobEnded ends a Go, TryGo or Spawn task: it records how the task ended
// and uncounts it. After a Goexit the task's goroutine dies: a worker is
// replaced first, so that the queue is still served and the replacement is
// counted in the limiter's wg before Run can wait for it.
func (n *Nursery) jobEnded(o taskrun.Outcome, x *extra) {
	switch {
	case x != nil:
		n.record(o, n.ctx, x.fut, x.obs())
	case !o.Returned() || o.Err != nil: // else nothing to record
		n.record(o, n.ctx, nil, nil)
	}
	if n.lim != nil {
		if o.Goexit {
			n.lim.wg.Add(1)
			go n.worker(job{})
		}
		n.release()
		return
	}
	n.exit(1)
}

// A job is a Go, TryGo or Spawn task on its way to a goroutine.
type job struct {
	fn func(context.Context) error
	// queued is set for a task that waited behind the limit. It is dropped,
	// not run, if the nursery is canceled before a worker takes it.
	queued bool
	x      *extra // nil for a Go or TryGo task of an unobserved nursery
}

// extra is what a task carries beside its function, kept behind one
// pointer so that a plain task's goroutine captures little.
type extra struct {
	fut *futureCore // a Spawn task's future, told its outcome or its drop
	to  taskObs     // filled in when instruments observe the nursery: see obs
}

// obs returns the task's observation, or nil if x is nil or the task is
// not observed.
func (x *extra) obs() *taskObs {
	if x == nil || x.to.s == nil {
		return nil
	}
	return &x.to
}
