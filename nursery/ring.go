package nursery

import (
	"math/bits"
	"runtime"
	"sync/atomic"
)

// A ring is the work queue of a limited nursery: a bounded FIFO of jobs
// that any goroutine may put in and any worker take from, without a lock.
// It costs each task an atomic claim on either side where a channel costs
// a lock on both, and it never blocks: put is only called for a task
// counted in the limiter's pending, which bounds how many tasks are in
// the ring, taken or not, to its capacity (a taken task stays counted
// until it has run).
//
// Each slot has a sequence number that says whose turn it is: the slot
// of position p (p mod capacity) holds p when it is free for the put of
// position p, and p+1 once that put has written the job, which is then
// for the take of position p; the take writes p+capacity, freeing the
// slot for the next round. A put or take claims its position by a CAS on
// tail or head, and the sequence number's store and load order the job's
// write before its read.
type ring struct {
	slots []ringSlot
	mask  uint64
	_     [64]byte      // head and tail each on a cache line of their own
	head  atomic.Uint64 // the next position to take
	_     [56]byte
	tail  atomic.Uint64 // the next position to put
	_     [56]byte
}

type ringSlot struct {
	seq atomic.Uint64
	j   job
}

// init makes r a ring for at least size jobs.
func (r *ring) init(size int) {
	n := uint64(1) << bits.Len64(uint64(size-1)) // size rounded up to a power of two
	r.slots, r.mask = make([]ringSlot, n), n-1
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
}

// put adds j at the tail. The caller guarantees room (see ring).
func (r *ring) put(j job) {
	for {
		t := r.tail.Load()
		s := &r.slots[t&r.mask]
		switch seq := s.seq.Load(); {
		case seq == t:
			if r.tail.CompareAndSwap(t, t+1) {
				s.j = j
				s.seq.Store(t + 1)
				return
			}
		case seq < t:
			// The slot's last job is being taken out: the taker has
			// claimed it and is about to free it.
			runtime.Gosched()
		}
		// Else another put claimed t: try the next position.
	}
}

// take removes the job at the head and returns it, or reports false if
// the ring holds none ready: one whose put has not finished writing it is
// not ready yet, and that put wakes a worker after it (see limiter.put).
func (r *ring) take() (job, bool) {
	for {
		h := r.head.Load()
		s := &r.slots[h&r.mask]
		switch seq := s.seq.Load(); {
		case seq == h+1:
			if r.head.CompareAndSwap(h, h+1) {
				j := s.j
				s.j = job{} // let the task's function go
				s.seq.Store(h + r.mask + 1)
				return j, true
			}
		case seq < h+1:
			return job{}, false
		}
		// Else another take claimed h: try the next position.
	}
}
