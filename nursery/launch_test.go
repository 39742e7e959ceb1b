package nursery

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"weak"
)

// A goroutine that takes a slot whose put has claimed it but not written
// it yet gives the slot up and runs the next task; the put then finds the
// mark and starts its task in a goroutine of its own. Both tasks run once.
func TestLaunchAbandonedSlot(t *testing.T) {
	var slot0 *launchSlot[struct{}]
	ran := make(chan string, 3)
	err := Run(context.Background(), func(ctx context.Context, n *Nursery) error {
		// (launch, not Go: in the tracked mode Go hands an observed task
		// to the other queue.)
		plainQueue(n)
		n.enter(1, "Go")
		n.launch(func(context.Context) error { ran <- "zero"; return nil })
		if got := <-ran; got != "zero" {
			t.Errorf("first task to run: %s, want zero", got)
		}
		// A put in another goroutine, between its claim and its write.
		n.enter(1, "Go")
		slot0 = n.lq.claim()
		// This put takes the next slot and starts a goroutine, which
		// takes slot0 first.
		n.enter(1, "Go")
		n.launch(func(context.Context) error { ran <- "second"; return nil })
		if got := <-ran; got != "second" {
			t.Errorf("task to run: %s, want second", got)
		}
		if st := slot0.state.Load(); st != slotAbandoned {
			t.Errorf("slot0 is in state %d after the goroutine passed it, want abandoned", st)
		}
		first := func(context.Context) error { ran <- "first"; return nil }
		if n.lq.fill(slot0, first, struct{}{}) {
			t.Error("fill of an abandoned slot reported that its goroutine was started")
		} else {
			goTask(n, job{fn: first}) // as launch does
		}
		if got := <-ran; got != "first" {
			t.Errorf("task run after the abandoned slot's put: %s, want first", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if slot0.fn != nil {
		t.Error("the abandoned slot still holds its task's function")
	}
	select {
	case got := <-ran:
		t.Errorf("a task ran twice: %s", got)
	default:
	}
}

// Many goroutines start tasks in one nursery at once, across many chunks,
// through both queues: every task runs exactly once, before Run returns,
// and every slot left in the queues has let go of its task and value.
func TestLaunchManyProducers(t *testing.T) {
	const producers, each = 8, 500
	var runs [producers * each]atomic.Int32
	var nu *Nursery
	err := Run(context.Background(), func(ctx context.Context, n *Nursery) error {
		nu = n
		plainQueue(n)
		if n.obs == nil {
			n.lqObs.init(obsEntry(n))
		}
		produce(n, producers, each, func(p, k int) {
			task := func(context.Context) error {
				runs[k].Add(1)
				return nil
			}
			// launch, not Go, for the plain queue: the tracked mode takes
			// every Go task to the observed queue, where a task's value
			// must be the tracker's.
			switch {
			case p%2 == 0:
				n.enter(1, "Go")
				n.launch(task)
			case n.obs == nil:
				n.enter(1, "Go")
				n.launchObserved(task, k)
			default:
				n.Go(task)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		if c := runs[i].Load(); c != 1 {
			t.Fatalf("task %d ran %d times, want 1", i, c)
		}
	}
	for c := nu.lq.head.Load(); c != nil; c = c.next.Load() {
		for i := range c.slots {
			if c.slots[i].fn != nil {
				t.Fatalf("slot %d of a plain chunk still holds a task", i)
			}
		}
	}
	for c := nu.lqObs.head.Load(); c != nil; c = c.next.Load() {
		for i := range c.slots {
			if c.slots[i].fn != nil || c.slots[i].e != nil {
				t.Fatalf("slot %d of an observed chunk still holds a task or its value", i)
			}
		}
	}
}

// Each task that goes through a queue comes out of it with the value its
// put wrote beside it, whatever goroutine takes it.
func TestLaunchQueueValues(t *testing.T) {
	const producers, each = 4, 300
	var got [producers * each]atomic.Int64
	err := Run(context.Background(), func(ctx context.Context, n *Nursery) error {
		var q launchQueue[any]
		q.init(func() {
			fn, e := q.take()
			k := e.(int)
			got[k].Store(int64(k) + 1)
			_ = fn(ctx)
			n.exit(1)
		})
		produce(n, producers, each, func(_, k int) {
			n.enter(1, "Go")
			if !q.put(func(context.Context) error { return nil }, k) {
				got[k].Store(int64(k) + 1) // abandoned: its put runs it
				n.exit(1)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range got {
		if v := got[k].Load(); v != int64(k)+1 {
			t.Fatalf("task %d came out with value %d, want %d", k, v-1, k)
		}
	}
}

// A task's function, and what it holds, is garbage once the task's
// goroutine has ended, while the nursery lives on: the queue does not
// keep it.
func TestLaunchLetsGoOfTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = Run(context.Background(), func(ctx context.Context, n *Nursery) error {
			big := new([1 << 12]byte)
			w := weak.Make(big)
			plainQueue(n)
			n.enter(1, "Go") // launch, not Go, for the tracked mode too
			n.launch(func(context.Context) error { big[0] = 1; return nil })
			synctest.Wait() // the task's goroutine has ended
			runtime.GC()
			if w.Value() != nil {
				t.Error("a finished task's function is still reachable")
			}
			return nil
		})
	})
}

// produce runs producers tasks of n at once, producer p calling start(p, k)
// for k from p*each to (p+1)*each-1, and returns once all have returned.
func produce(n *Nursery, producers, each int, start func(p, k int)) {
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		n.Go(func(context.Context) error {
			defer wg.Done()
			for i := range each {
				start(p, p*each+i)
				if i%64 == 0 {
					runtime.Gosched() // interleave the producers
				}
			}
			return nil
		})
	}
	wg.Wait()
}

// plainQueue makes n's plain launch queue for a test that drives it with
// launch, if Run has not: in the tracked mode Run makes the observed one.
func plainQueue(n *Nursery) {
	if n.lq.tail.Load() == nil {
		n.lq.init(entry(n))
	}
}
