package nursery

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
)

// A limiter runs the Go, TryGo and Spawn tasks of a limited nursery on
// workers, at most cfg.limit of them, which run one task after another
// until Run closes the limiter. Without a limit each task has its own
// goroutine: handing tasks to parked goroutines measured no faster than
// the go statement, whose runtime already recycles goroutines.
//
// It hands tasks to the workers in one of two modes, chosen when Run
// starts; both keep the same contract:
//
//   - ring mode, with a Queue or a limit above handoffMax: a task goes
//     through the lock-free ring work, and a worker that has finished a
//     task takes the next from it, parking on wake while there is none. A
//     Go that finds no room waits for a release to signal room. The ring
//     lets the submitter run ahead of the workers by the queue's length.
//   - handoff mode, with no Queue and a small limit: a task goes over the
//     unbuffered channel jobs, from its Go straight to a worker (see
//     handOff). A Go that finds every worker busy blocks on its send, and
//     the worker that finishes first takes the task from it.
//
// pending is the truth about room: a task is counted in it, by a CAS that
// keeps it at most cfg.limit+cfg.queue (in handoff mode, a waiting task is
// counted too, beyond the limit), and uncounted when it has returned or
// been dropped. So the ring, which holds cfg.limit+cfg.queue tasks, is
// never full when a task is put in it, and a task counted within
// cfg.limit has a worker that is idle or about to be: it is admitted.
//
// pending is also how Run counts a limited nursery's Go, TryGo and Spawn
// tasks: they are not counted in Nursery.state, whose cache line the
// submitting goroutine and the workers would otherwise both write for
// every task. Run waits for pending to be zero as well as state, and then
// seals it (see Nursery.close): a CAS from 0 to sealed, after which every
// admission panics. So a task counted in pending before the seal runs and
// is waited for, and none is counted after it.
type limiter struct {
	limit   int64          // cfg.limit: tasks admitted at once
	bound   int64          // cfg.limit+cfg.queue: tasks admitted or queued
	work    ring           // tasks on their way to a worker (ring mode)
	room    chan struct{}  // buffered 1: a signal to a Go waiting for room (ring mode)
	wake    chan struct{}  // buffered cfg.limit: a signal to idle workers (ring mode)
	jobs    chan job       // unbuffered: tasks handed to workers (handoff mode)
	workers atomic.Int32   // workers alive
	idle    atomic.Int32   // workers parked, or about to park, on wake
	pending atomic.Int64   // tasks admitted or queued and not finished
	waiting atomic.Int32   // Go calls parked, or about to park, waiting for room (ring mode)
	closing atomic.Bool    // Run waits for pending to drop to zero: see release
	done    atomic.Bool    // Run has closed the nursery: the workers exit (see stop)
	wg      sync.WaitGroup // every worker

	// Handoff mode's cancellation of waiting Go calls: see armDrain.
	armed     atomic.Bool
	stopDrain func() bool   // context.AfterFunc's stop; set by the Go that armed
	quit      chan struct{} // closed by Run to end drain
	drained   chan struct{} // closed when drain has returned
}

// sealed is the value of pending once Run has returned (or is about to):
// far above any bound, so that admit can tell it from a full limit.
const sealed = 1 << 62

func newLimiter(limit, queue int) *limiter {
	l := &limiter{
		limit: int64(limit),
		bound: int64(limit + queue),
	}
	if queue == 0 && int64(limit) <= handoffMax.Load() {
		l.jobs = make(chan job)
		return l
	}
	l.room = make(chan struct{}, 1)
	l.wake = make(chan struct{}, limit)
	l.work.init(limit + queue)
	return l
}

// put puts j, counted in pending, in work and wakes a worker if one is
// idle. An idle worker counts itself in idle before it looks at work for
// the last time, and put reads idle after putting: so either the worker
// finds j or put sees the worker. A wake is dropped when wake is full:
// then every worker that parks takes one at once and looks again.
func (l *limiter) put(j job) {
	l.work.put(j)
	if l.idle.Load() > 0 {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// next returns the next task for a worker in ring mode, parking while
// there is none, or false once Run has stopped the limiter (work is empty
// then: every task has ended).
func (l *limiter) next() (job, bool) {
	if j, ok := l.work.take(); ok {
		return j, true
	}
	// With nothing to take, yield once before parking: a Go that waits
	// for room, or has just found it, often waits for this goroutine's P,
	// and its next task comes sooner than parking and being woken take
	// (measured on the ring with Limit(2), no Queue, on two cores, before
	// such a nursery used handoff mode: about a fifth less time per short
	// task).
	runtime.Gosched()
	for {
		if j, ok := l.work.take(); ok {
			return j, true
		}
		l.idle.Add(1)
		if j, ok := l.work.take(); ok {
			l.idle.Add(-1)
			return j, true
		}
		if l.done.Load() {
			l.idle.Add(-1)
			return job{}, false
		}
		<-l.wake
		l.idle.Add(-1)
	}
}

// stop lets the workers go, once Run has closed the nursery. In handoff
// mode it closes jobs. In ring mode a worker parks only after it has read
// done as false, and stop sets done before it fills wake: so every parked
// worker gets a signal (wake holds one for each worker) and finds done
// set. wake is never closed: a Go called from a goroutine outside the
// nursery's tasks may still signal it after its task has ended and Run
// has returned, and that signal is lost harmlessly.
func (l *limiter) stop() {
	if l.jobs != nil {
		// No send is left: a Go is counted in pending from before its
		// send until its task ends, and none can be counted any more.
		close(l.jobs)
		return
	}
	l.done.Store(true)
	for range cap(l.wake) {
		select {
		case l.wake <- struct{}{}:
		default:
			return
		}
	}
}

// admit counts a task if fewer than bound are pending, and returns the
// count with it. It counts nothing once the limiter is sealed, and returns
// a count of at least sealed then.
func (l *limiter) admit(bound int64) (int64, bool) {
	for {
		p := l.pending.Load()
		if p >= bound {
			return p, false
		}
		if l.pending.CompareAndSwap(p, p+1) {
			return p + 1, true
		}
	}
}

// open panics, naming the call what, if the limiter is sealed: Run has
// returned. A call that submits its task to instruments before admitting
// it checks first, so that no instrument hears of a task that will
// neither run nor be dropped.
func (l *limiter) open(what string) {
	if l.pending.Load() >= sealed {
		panicClosed(what)
	}
}

// reserve counts a TryGo task if it can be admitted at once (TryGo never
// queues), and reports whether it did. It panics if Run has returned.
func (l *limiter) reserve() bool {
	p, ok := l.admit(l.limit)
	if p >= sealed {
		panicClosed("TryGo")
	}
	return ok
}

// release uncounts a task that has returned or been dropped, and signals
// room to a waiting Go. A waiter counts itself in waiting before it checks
// for room, and release uncounts before it reads waiting: so either the
// waiter sees the room or release sees the waiter. The signal is dropped
// when one is already buffered; the waiter that takes that one passes it
// on if there is still room (see waitRoom), so no room goes unnoticed.
//
// When release uncounts the last pending task while Run waits (closing is
// set), it wakes Run. Run sets closing before it reads pending, and
// release uncounts before it reads closing: so either Run sees no task
// pending or release sees Run waiting.
func (n *Nursery) release() {
	l := n.lim
	if l.pending.Add(-1) == 0 && l.closing.Load() {
		n.wakeRun()
	}
	if l.jobs == nil && l.waiting.Load() > 0 {
		select {
		case l.room <- struct{}{}:
		default:
		}
	}
}

// dispatch hands a job that carries extra (a Spawn task, or an observed
// task of a limited nursery or of several instruments) to a goroutine: its
// own, or with a limit a worker, once there is room. Without a limit the
// job is counted in state already; with one, dispatch counts it, and what
// names the call for the panic if Run has returned. A plain Go or TryGo
// task goes through launch instead.
func (n *Nursery) dispatch(j job, what string) {
	if n.lim == nil {
		goTask(n, j)
		return
	}
	n.dispatchLimited(j, what)
}

// goTask starts j's own goroutine. Two details measured on the spawn
// benchmark (CPU profile, one P, against errgroup): the go statement takes
// j's fields, and x only when set, so that the closure it allocates per
// task is 24 bytes, not 32 (in the size class of errgroup's and of a
// typical task closure, rather than a second one); and the goroutine
// starts in a function with a short name, since the runtime reads that
// name to its end on every goroutine's start and exit (to tell system
// goroutines apart). goTask is not inlined, so that its go statement's
// function keeps its own short name.
//
//go:noinline
func goTask(n *Nursery, j job) {
	if j.x == nil {
		go n.runJob(j.fn, nil)
	} else {
		go n.runJob(j.fn, j.x)
	}
}

// dispatchLimited is dispatch in a limited nursery: it counts j within the
// limit and the queue, waiting for room if there is none, and hands it to
// a worker; or it drops j if the nursery is canceled while it waits. It
// panics, naming the call what, if Run has returned (the observation or
// future that j carries is told of a drop first).
func (n *Nursery) dispatchLimited(j job, what string) {
	l := n.lim
	if l.jobs != nil {
		n.handOff(j, what)
		return
	}
	p, ok := l.admit(l.bound)
	if p >= sealed {
		n.drop(j)
		panicClosed(what)
	}
	if !ok {
		// Go waits for room, counted in state meanwhile: its caller may be
		// a goroutine that no count holds (one the body started), and Run
		// must wait until the task is admitted or dropped. Admission
		// counts it in pending before it is uncounted here.
		n.enter(1, what)
		if t := j.x.obs(); t != nil {
			t.waiting()
		}
		p, ok = n.waitRoom()
		if !ok {
			// Canceled while waiting: the task would only have seen a
			// canceled context.
			n.drop(j)
		}
		n.exit(1)
		if !ok {
			return
		}
		j.queued = true // it waited: it is not to start if the nursery is canceled
	} else if p > l.limit {
		j.queued = true // behind the limit, in the queue
		if t := j.x.obs(); t != nil {
			t.waiting()
		}
	}
	if p > l.limit {
		l.put(j) // behind the limit: no worker is idle for it yet
		return
	}
	n.place(j)
}

// waitRoom waits until a task can be counted within the limit and the
// queue, and counts it; it reports false, having counted nothing, if the
// nursery is canceled first. Its caller is counted in state while it
// waits (see dispatchLimited): so the limiter cannot be sealed meanwhile.
func (n *Nursery) waitRoom() (int64, bool) {
	l := n.lim
	// Yield a few times before parking: a short task frees its slot in
	// less time than parking and being woken take, and the workers that
	// Go readied often wait for this goroutine's P.
	for range 3 {
		if n.ctx.Err() != nil {
			return 0, false
		}
		runtime.Gosched()
		if p, ok := l.admit(l.bound); ok {
			return p, true
		}
	}
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	for {
		if n.ctx.Err() != nil {
			return 0, false
		}
		if p, ok := l.admit(l.bound); ok {
			if l.waiting.Load() > 1 && l.pending.Load() < l.bound {
				// Pass the signal on: release drops a signal while one is
				// buffered, so there may be room for another waiter.
				select {
				case l.room <- struct{}{}:
				default:
				}
			}
			return p, true
		}
		select {
		case <-l.room:
		case <-n.ctx.Done():
		}
	}
}

// place hands j, counted within the limit, to a worker: a new one if the
// pool is not full yet; otherwise a worker is idle, or has finished a task
// and is about to take the next.
func (n *Nursery) place(j job) {
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
	if l.jobs != nil {
		// A worker is idle or about to be: see handOff.
		l.jobs <- j
		return
	}
	l.put(j)
}

// drop ends a limited task that will never run: it tells its future and
// its observation, if any. The task is not counted (drop's callers
// uncount it if it was).
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
}

// worker runs j, then the tasks sent on work, until Run closes it.
func (n *Nursery) worker(j job) {
	defer n.lim.wg.Done()
	if n.cfg.name != "" {
		pprof.SetGoroutineLabels(n.ctx)
	}
	for {
		if j.fn != nil {
			if j.queued && n.ctx.Err() != nil {
				n.drop(j)
				n.release()
			} else {
				n.runJob(j.fn, j.x)
			}
		}
		var ok bool
		if n.lim.jobs != nil {
			j, ok = <-n.lim.jobs
		} else {
			j, ok = n.lim.next()
		}
		if !ok {
			return
		}
	}
}
