package lostwait

import (
	"context"
	"errors"
	"sync"

	"github.com/scoped-go/scoped/taskgroup"
	"golang.org/x/sync/errgroup"
)

func work()                             {}
func check() error                      { return nil }
func acquire(ctx context.Context) error { return nil }

// An early return between Add and Wait.
func earlyReturn() error {
	var wg sync.WaitGroup
	wg.Add(1) // want `wg starts work at line 19, but the return at line 22 is reached without wg.Wait, leaving that work running: call wg.Wait before returning \(or defer it\)`
	go func() { defer wg.Done(); work() }()
	if err := check(); err != nil {
		return err
	}
	wg.Wait()
	return nil
}

// The loop returns on a later turn, while earlier tasks run.
func acquireInLoop(ctx context.Context, items []int) error {
	g, gctx := errgroup.WithContext(ctx)
	for range items {
		if err := acquire(ctx); err != nil {
			return err
		}
		g.Go(func() error { return acquire(gctx) }) // want `g starts work at line 35, but the return at line 33 \(on a later turn of the loop\) is reached without g.Wait, leaving that work running: call g.Wait before returning \(or defer it\)`
	}
	return g.Wait()
}

// WaitGroup.Go, and a function that never waits.
func neverWaits() {
	var wg sync.WaitGroup
	wg.Go(work) // want `wg starts work at line 43, but the end of the function at line 44 is reached without wg.Wait, leaving that work running: call wg.Wait before returning \(or defer it\)`
}

// A taskgroup made with new.
func taskGroupNew() error {
	g := new(taskgroup.Group)
	g.Go(func() error { return nil }) // want `g starts work at line 49, but the return at line 51 is reached without g.Wait, leaving that work running: call g.Wait before returning \(or defer it\)`
	if err := check(); err != nil {
		return err
	}
	return g.Wait()
}

// Silent: Wait in a defer covers every path.
func deferred() error {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() { defer wg.Done(); work() }()
	if err := check(); err != nil {
		return err
	}
	return nil
}

// Silent: Wait on every path, in a loop's body too.
func everyPath(items []int) error {
	var wg sync.WaitGroup
	for range items {
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	if err := check(); err != nil {
		wg.Wait()
		return err
	}
	wg.Wait()
	return nil
}

// Silent: a panic is not a return.
func panics() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); work() }()
	if check() != nil {
		panic(errors.New("boom"))
	}
	wg.Wait()
}

// Silent: the group is handed on, to a function or to a waiter goroutine.
func handedOn(done chan struct{}) *sync.WaitGroup {
	wg := &sync.WaitGroup{}
	wg.Add(1)
	go func() { defer wg.Done(); work() }()
	return wg
}

func waiter(items []int) <-chan struct{} {
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range items {
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	if len(items) > 0 {
		go func() { wg.Wait(); close(done) }()
	}
	return done
}

// Silent: a group a caller owns.
func callerOwns(g *errgroup.Group) {
	g.Go(func() error { return nil })
}

// Silent: Done first in the goroutine: the group only says it started.
func startBarrier() error {
	var started sync.WaitGroup
	started.Add(1)
	go func() {
		started.Done()
		work()
	}()
	if err := check(); err != nil {
		return err
	}
	started.Wait()
	return nil
}

// Silent: Wait in a loop that runs once per result.
func waitInLoop(groups [][]int) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); work() }()
	for range groups {
		wg.Wait()
	}
	return nil
}

// Silent: TryGo says whether it started anything.
func tryGo() bool {
	var g errgroup.Group
	g.SetLimit(0)
	return g.TryGo(func() error { return nil })
}

// Silent with an allow comment and a reason.
func allowed() {
	var wg sync.WaitGroup
	wg.Go(work) //scoped:allow lostwait: the test checks what happens without Wait
}

// An allow comment needs a reason.
func allowedNoReason() {
	var wg sync.WaitGroup
	//scoped:allow lostwait:
	wg.Go(work) // want `//scoped:allow lostwait: needs a reason after the colon`
}
