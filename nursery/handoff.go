package nursery

import (
	"context"
	"sync/atomic"
)

// Handoff mode: how a limiter with no Queue and a small limit hands its
// tasks to its workers (see limiter).

// handoffMax is the largest limit for which a nursery with no Queue uses
// handoff mode (see limiter): measured on two cores with tiny tasks
// (cmd/spawnratio in the bench module), handoff mode takes a quarter less
// time than the ring for limits up to 4, a little less at 5, and more
// from 6 on, where a Go finds a worker idle more often than not and each
// handoff wakes it. Tests change it to run the same cases in both modes.
var handoffMax atomic.Int64

func init() { handoffMax.Store(4) }

// handOff is dispatchLimited in handoff mode. Every task, admitted or
// waiting for room, is counted in pending from here until it ends, and
// the workers, at most cfg.limit of them, each take one task at a time
// from the unbuffered channel jobs: so a Go that finds room hands its
// task to an idle worker, or to a new one, and a Go that finds none
// blocks on its send until a worker has finished a task and takes its
// task straight from it. That handoff costs one park and one wake where
// the ring costs a signal to the Go and one to a worker.
//
// A task counted within the limit never waits for another to end: while
// fewer than limit are pending, fewer are running, so more workers are
// free (idle, or between a release and their next receive) than there are
// tasks being sent.
func (n *Nursery) handOff(j job, what string) {
	l := n.lim
	p, ok := l.admit(sealed)
	if !ok {
		n.drop(j)
		panicClosed(what)
	}
	if p <= l.limit {
		n.place(j)
		return
	}
	// Every worker is busy: wait for one, or for a cancellation.
	if t := j.x.obs(); t != nil {
		t.waiting()
	}
	j.queued = true // it waited: it is not to start if the nursery is canceled
	if !l.armed.Load() {
		n.armDrain()
	}
	l.jobs <- j
}

// armDrain makes sure, once per nursery, that a cancellation ends the Go
// calls waiting in handOff (see drain). The first Go that waits arms it,
// so that a nursery whose Go calls never wait pays nothing for it; a Go
// that waits after it returns even if the arming Go has not registered
// the drain yet, since a drain registered after the cancellation starts
// at once. Run stops the drain, or ends it and waits for it, before it
// closes jobs (see endDrain).
func (n *Nursery) armDrain() {
	l := n.lim
	if !l.armed.CompareAndSwap(false, true) {
		return
	}
	l.quit = make(chan struct{})
	l.drained = make(chan struct{})
	l.stopDrain = context.AfterFunc(n.ctx, n.drain)
}

// drain runs from the nursery's cancellation until Run closes it: it
// takes tasks from jobs beside the workers, and drops those of Go calls
// that waited, so that a waiting Go returns at once rather than when a
// worker is free. A task counted within the limit that it takes instead
// is passed on to a worker, which is free for it (see handOff).
func (n *Nursery) drain() {
	l := n.lim
	defer close(l.drained)
	for {
		select {
		case j := <-l.jobs:
			if j.queued {
				n.drop(j)
				n.release()
			} else {
				l.jobs <- j
			}
		case <-l.quit:
			return
		}
	}
}

// endDrain stops the drain if it has not started, or ends it and waits
// for it to return: Run calls it once no task is pending, so no Go is
// waiting and none will.
func (l *limiter) endDrain() {
	if l.armed.Load() && !l.stopDrain() {
		close(l.quit)
		<-l.drained
	}
}
