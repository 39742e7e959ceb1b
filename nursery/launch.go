package nursery

import (
	"context"
	"sync/atomic"
)

// A launchQueue starts the Go and TryGo tasks of an unlimited nursery,
// each in a new goroutine of its own, without a closure per task. A go
// statement with arguments allocates a closure for them, and that second
// allocation per task (the caller's closure is the first) costs about a
// tenth of a bare go statement. Instead, Go puts the task in the next slot
// of the queue and starts a goroutine on the nursery's one entry function,
// made once, which takes a slot and runs its task.
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
// next one; a chunk is garbage once both sides have moved past it. A taken
// slot lets go of the task's function at once.
//
// A slot carries E beside the task's function: nothing (struct{}) for a
// plain task, the instrument's value for a task observed by one
// instrument. A nursery is observed or not for its whole life, so it uses
// one of its two queues; the plain one keeps 16-byte slots, which measured
// faster for every task than slots with room for a value.
type launchQueue[E any] struct {
	entry func()                         // every goroutine of the queue starts in it; set by init
	tail  atomic.Pointer[launchChunk[E]] // where puts claim slots
	head  atomic.Pointer[launchChunk[E]] // where goroutines take them
}

const launchChunkSize = 16

// The states of a launchSlot.
const (
	slotEmpty     = iota // not written, not taken
	slotReady            // written: the task is for the goroutine that takes the slot
	slotAbandoned        // taken before it was written: the put starts the task itself
)

type launchChunk[E any] struct {
	put   atomic.Int32 // slots claimed by puts; from launchChunkSize on, the chunk is full
	take  atomic.Int32 // slots claimed by goroutines
	next  atomic.Pointer[launchChunk[E]]
	slots [launchChunkSize]launchSlot[E]
}

// A launchSlot holds one task between its put and its goroutine. The put
// writes fn and e before state turns ready; the goroutine that sees it
// ready reads and clears them.
type launchSlot[E any] struct {
	e     E
	fn    func(context.Context) error
	state atomic.Uint32
}

// prepareLaunch makes the launch queue of n, if its Go and TryGo tasks
// take one: an unlimited nursery's, unobserved or observed by one
// instrument. Run calls it before the body starts. Its allocations (the
// first chunk and the entry function) then happen at Run's depth rather
// than under the body's frames, where they made a task that opens a
// nursery outgrow its goroutine's first stack.
//
//go:noinline
func (n *Nursery) prepareLaunch() {
	switch {
	case n.lim != nil:
	case n.obs == nil:
		n.lq.init(entry(n))
	case len(n.obs.insts) == 1:
		n.lqObs.init(obsEntry(n))
	}
}

// entry returns the function that every goroutine of n's plain queue
// starts in: it takes a task and runs it. (A closure, not a method value,
// whose wrapper would add a frame under every task.) The runtime reads the
// name of a goroutine's start function to its end as the goroutine starts
// and as it exits, so the closure is made in a function that is not
// inlined and has a short name: "nursery.entry.func1".
//
//go:noinline
func entry(n *Nursery) func() {
	return func() {
		fn, _ := n.lq.take()
		n.runJob(fn, nil)
	}
}

// obsEntry is entry for n's observed queue.
//
//go:noinline
func obsEntry(n *Nursery) func() {
	return func() {
		fn, st := n.lqObs.take()
		n.runObserved(fn, st)
	}
}

// launch starts fn, a counted plain task, in a new goroutine of its own,
// which runs it as runJob does.
func (n *Nursery) launch(fn func(context.Context) error) {
	if !n.lq.put(fn, struct{}{}) {
		goTask(n, job{fn: fn})
	}
}

// launchObserved starts fn, a counted task observed by one instrument,
// whose value for it is st, in a new goroutine of its own, which runs it
// as runObserved does.
func (n *Nursery) launchObserved(fn func(context.Context) error, st any) {
	if !n.lqObs.put(fn, st) {
		go n.runObserved(fn, st)
	}
}

// put writes fn and e into the next slot of q and starts a goroutine for
// it. It reports false, having started nothing, if a goroutine took the
// slot before it was written: the caller then starts the task itself.
// What the caller did before put synchronizes before the task starts: the
// slot's state turning ready is observed by the goroutine that takes it.
func (q *launchQueue[E]) put(fn func(context.Context) error, e E) bool {
	return q.fill(q.claim(), fn, e)
}

// claim claims the next slot for a put.
func (q *launchQueue[E]) claim() *launchSlot[E] {
	c := q.tail.Load()
	for {
		if i := c.put.Add(1) - 1; i < launchChunkSize {
			return &c.slots[i]
		}
		q.tail.CompareAndSwap(c, c.following())
		c = q.tail.Load()
	}
}

// fill writes fn and e into s, a slot claimed for them, and starts the
// goroutine for it; see put.
func (q *launchQueue[E]) fill(s *launchSlot[E], fn func(context.Context) error, e E) bool {
	s.fn, s.e = fn, e
	if s.state.CompareAndSwap(slotEmpty, slotReady) {
		go q.entry()
		return true
	}
	var zero E
	s.fn, s.e = nil, zero
	return false
}

// take is the start of every goroutine that put starts: it takes the
// first written slot from the head of q, and returns its task.
func (q *launchQueue[E]) take() (func(context.Context) error, E) {
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
		var zero E
		fn, e := s.fn, s.e
		s.fn, s.e = nil, zero
		return fn, e
	}
}

// init makes q's first chunk, with entry as the function its goroutines
// start in. It is called once, before any put: whatever calls put after it
// was started after it.
func (q *launchQueue[E]) init(entry func()) {
	c := new(launchChunk[E])
	q.entry = entry
	q.head.Store(c)
	q.tail.Store(c)
}

// following returns the chunk after c, linking a new one if there is none
// yet.
func (c *launchChunk[E]) following() *launchChunk[E] {
	if next := c.next.Load(); next != nil {
		return next
	}
	c.next.CompareAndSwap(nil, new(launchChunk[E]))
	return c.next.Load()
}
