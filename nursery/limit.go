package nursery

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
)

// A limiter runs the Go, TryGo and Spawn tasks of a limited nursery on
// workers, at most cfg.limit of them: a worker that has finished a task
// takes the next from work, the queue behind the limit, and parks on it
// until Run closes it. Without a limit each task has its own goroutine:
// handing tasks to parked goroutines measured no faster than the go
// statement, whose runtime already recycles goroutines.
type limiter struct {
	work    chan job       // capacity queueLen(cfg.limit)
	workers atomic.Int32   // workers alive
	pending atomic.Int64   // tasks accepted and not finished, queued ones included
	wg      sync.WaitGroup // every worker
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

// minQueue is the least number of tasks Go queues behind a limit. A queue
// as short as a small limit makes Go park and a worker wake it every few
// tasks; measured with Limit(2) on two cores, a queue of 16 cut the time per
// short task by a third (BenchmarkSpawn/limit=2), and a longer one gained
// little more.
const minQueue = 16

// queueLen is how many tasks Go queues behind a limit of limit running.
func queueLen(limit int) int { return max(limit, minQueue) }

// dispatch hands a counted job of Go or Spawn to a goroutine: its own,
// or with a limit a worker, once there is room.
func (n *Nursery) dispatch(j job) {
	if n.lim == nil {
		go n.runJob(j.fn, j.x) // not j: a smaller closure per task
		return
	}
	n.dispatchLimited(j)
}

// dispatchLimited is dispatch in a limited nursery.
func (n *Nursery) dispatchLimited(j job) {
	l := n.lim
	if l.pending.Add(1) > int64(n.cfg.limit) {
		// Full: queue behind the limit, blocking while the queue is full too.
		j.queued = true
		if t := j.x.obs(); t != nil {
			t.waiting()
		}
		if n.ctx.Err() == nil {
			// Yield a few times before parking: the workers readied by the
			// sends above often wait for this goroutine's P, and drain
			// the queue while it yields. Parking instead makes each
			// worker's receive wake Go, once per task (measured with
			// Limit(2) and Limit(64) on two cores: a quarter to a third
			// less time per short task).
			for range 3 {
				select {
				case l.work <- j:
					return
				default:
				}
				runtime.Gosched()
			}
			select {
			case l.work <- j:
				return
			case <-n.ctx.Done():
			}
		}
		n.drop(j)
		return
	}
	n.place(j)
}

// reserve takes a place for a TryGo task if fewer than limit tasks are
// pending, and reports whether it did.
func (l *limiter) reserve(limit int64) bool {
	for {
		p := l.pending.Load()
		if p >= limit {
			return false
		}
		if l.pending.CompareAndSwap(p, p+1) {
			return true
		}
	}
}

// place hands j, for which a place is taken, to a worker.
func (n *Nursery) place(j job) {
	// There is room: fewer than limit tasks are pending. Start a worker if
	// the pool is not full yet; otherwise some worker is idle or about to
	// be, and the queue holds fewer than limit tasks, less than its
	// capacity, so the send cannot block.
	l, limit := n.lim, int32(n.cfg.limit)
	for {
		w := l.workers.Load()
		if w >= limit {
			break
		}
		if l.workers.CompareAndSwap(w, w+1) {
			l.wg.Add(1)
			go n.worker(j)
			return
		}
	}
	l.work <- j
}

// drop uncounts a limited task that will never run.
func (n *Nursery) drop(j job) {
	if x := j.x; x != nil {
		cause := context.Cause(n.ctx)
		if x.fut != nil {
			x.fut.drop(cause)
		}
		if t := x.obs(); t != nil {
			t.dropped(cause)
		}
	}
	n.lim.pending.Add(-1)
	n.exit(1)
}

// worker runs j, then the queued tasks, until Run closes the queue.
func (n *Nursery) worker(j job) {
	defer n.lim.wg.Done()
	if n.cfg.name != "" {
		pprof.SetGoroutineLabels(n.ctx)
	}
	for {
		if j.fn != nil {
			if j.queued && n.ctx.Err() != nil {
				n.drop(j)
			} else {
				n.runJob(j.fn, j.x)
			}
		}
		var ok bool
		if j, ok = <-n.lim.work; !ok {
			return
		}
	}
}
