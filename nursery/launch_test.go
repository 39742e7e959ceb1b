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
	var slot0 *launchSlot
	ran := make(chan string, 2)
	err := Run(context.Background(), func(ctx context.Context, n *Nursery) error {
		// A put in another goroutine, between its claim and its write.
		n.enter(1, "Go")
		slot0 = n.claimSlot()
		// This put takes slot 1 and starts the queue's only goroutine,
		// which takes slot 0 first. (launch, not Go: in the tracked mode
		// Go hands an observed task to a goroutine of its own.)
		n.enter(1, "Go")
		n.launch(func(context.Context) error { ran <- "second"; return nil })
		if got := <-ran; got != "second" {
			t.Errorf("first task to run: %s, want second", got)
		}
		if st := slot0.state.Load(); st != slotAbandoned {
			t.Errorf("slot 0 is in state %d after the goroutine passed it, want abandoned", st)
		}
		n.fill(slot0, func(context.Context) error { ran <- "first"; return nil })
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

// Many goroutines start tasks in one nursery at once, across many chunks:
// every task runs exactly once, before Run returns, and every slot left
// in the queue has let go of its task.
func TestLaunchManyProducers(t *testing.T) {
	const producers, each = 8, 500
	var runs [producers * each]atomic.Int32
	var nu *Nursery
	err := Run(context.Background(), func(ctx context.Context, n *Nursery) error {
		nu = n
		var wg sync.WaitGroup
		for p := range producers {
			wg.Add(1)
			n.Go(func(context.Context) error {
				defer wg.Done()
				for i := range each {
					n.enter(1, "Go") // launch, not Go, for the tracked mode too
					n.launch(func(context.Context) error {
						runs[p*each+i].Add(1)
						return nil
					})
					if i%64 == 0 {
						runtime.Gosched() // interleave the producers
					}
				}
				return nil
			})
		}
		wg.Wait()
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
				t.Fatalf("slot %d of a chunk still holds a task", i)
			}
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
