package nursery

import (
	"context"
	"sync/atomic"
)

// A launchQueue starts the plain Go and TryGo tasks of an unlimited
// nursery (no instrument, no future), each in a new goroutine of its own,
// without a closure per task. A go statement with
// arguments allocates a closure for them, and that second allocation per
// task (the caller's closure is the first) costs about a tenth of a bare
// go statement. Instead, Go puts the task in the next slot of the queue
// and starts a goroutine on the nursery's one entry function, made once,
// which takes a slot and runs its task.
//
// Each put starts one goroutine, after writing its slot, and each such
// goroutine runs exactly one task. Slots are taken in order, so a
// goroutine may take a slot that a put in another goroutine has claimed
// but not written yet. It does not wait for it: it marks the slot
// abandoned and takes the next one, and the put, finding the mark, starts
// its task with a go statement of its own. A goroutine always finds a
// task: the written, untaken slots are at least as many as the goroutines
// still looking, each of which was started after its own put wrote one.
//
// The queue is a list of chunks, linked by whichever side first needs the
// next one; a chunk is garbage once both sides have moved past it. A
// taken slot lets go of the task's function at once.
type launchQueue struct {
	entry func()                      // every goroutine of the queue starts in it; written before tail is first stored
	tail  atomic.Pointer[launchChunk] // where puts claim slots; nil until the nursery's first put
	head  atomic.Pointer[launchChunk] // where goroutines take them
}

const launchChunkSize = 16

// The states of a launchSlot.
const (
	slotEmpty     = iota // not written, not taken
	slotReady            // written: the task is for the goroutine that takes the slot
	slotAbandoned        // taken before it was written: the put starts the task itself
)

type launchChunk struct {
	put   atomic.Int32 // slots claimed by puts; from launchChunkSize on, the chunk is full
	take  atomic.Int32 // slots claimed by goroutines
	next  atomic.Pointer[launchChunk]
	slots [launchChunkSize]launchSlot
}

// A launchSlot holds one task between its put and its goroutine. The put
// writes fn before state turns ready; the goroutine that sees it ready
// reads and clears it.
type launchSlot struct {
	fn    func(context.Context) error
	state atomic.Uint32
}

// launch starts fn, a counted task, in a new goroutine of its own, which
// runs it as runJob does. What the caller did before launch synchronizes
// before fn starts: the slot's state turning ready is observed by the
// goroutine that takes the slot, or else the fallback's go statement
// orders it.
func (n *Nursery) launch(fn func(context.Context) error) {
	n.fill(n.claimSlot(), fn)
}

// fill writes fn, a counted task, into s, a slot it claimed, and starts
// the goroutine for it.
func (n *Nursery) fill(s *launchSlot, fn func(context.Context) error) {
	s.fn = fn
	if s.state.CompareAndSwap(slotEmpty, slotReady) {
		go n.lq.entry()
		return
	}
	// A goroutine took the slot before it was written, and went on.
	s.fn = nil
	goTask(n, job{fn: fn})
}

// claimSlot claims the next slot for a put.
func (n *Nursery) claimSlot() *launchSlot {
	q := &n.lq
	c := q.tail.Load()
	if c == nil {
		c = n.firstChunk()
	}
	for {
		if i := c.put.Add(1) - 1; i < launchChunkSize {
			return &c.slots[i]
		}
		q.tail.CompareAndSwap(c, c.following())
		c = q.tail.Load()
	}
}

// launched is the body of every goroutine that launch starts: it takes
// the first written slot from the head of the queue, and runs its task.
func (n *Nursery) launched() {
	q := &n.lq
	c := q.head.Load()
	for {
		i := c.take.Add(1) - 1
		if i >= launchChunkSize {
			q.head.CompareAndSwap(c, c.following())
			c = q.head.Load()
			continue
		}
		s := &c.slots[i]
		if s.state.Load() != slotReady && s.state.CompareAndSwap(slotEmpty, slotAbandoned) {
			continue // its put will start the task itself
		}
		fn := s.fn
		s.fn = nil
		n.runJob(fn, nil)
		return
	}
}

// firstChunk makes the queue's first chunk and its entry function, once,
// and returns the chunk.
func (n *Nursery) firstChunk() *launchChunk {
	n.mu.Lock()
	defer n.mu.Unlock()
	q := &n.lq
	if c := q.tail.Load(); c != nil {
		return c
	}
	c := new(launchChunk)
	q.entry = launcher(n)
	q.head.Store(c)
	q.tail.Store(c)
	return c
}

// launcher returns the entry function of n's queue. Its name is short, as
// goTask's is: the runtime reads it on every goroutine's start and exit.
func launcher(n *Nursery) func() {
	return func() { n.launched() }
}

// following returns the chunk after c, linking a new one if there is none
// yet.
func (c *launchChunk) following() *launchChunk {
	if next := c.next.Load(); next != nil {
		return next
	}
	c.next.CompareAndSwap(nil, new(launchChunk))
	return c.next.Load()
}
