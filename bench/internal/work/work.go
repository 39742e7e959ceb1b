// Package work holds the tasks' work shared by the bench module's
// benchmarks and commands, so that they measure the same thing.
package work

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/scoped-go/scoped/nursery"
	"golang.org/x/sync/errgroup"
)

// Tiny is a tiny task's work: a few nanoseconds of arithmetic on i.
func Tiny(i int) int64 {
	x := int64(i)
	for k := range 8 {
		x = x*31 + int64(k)
	}
	return x
}

// The spawn workloads' implementations that the bench module's benchmarks
// and its commands share: start n tasks, each adding Tiny(i) to a sum,
// and wait for them; with limit > 0, at most limit run at once.

// Go starts each task with a go statement, behind a semaphore channel if
// limit > 0: the floor.
func Go(n, limit int) int64 {
	var sum atomic.Int64
	var wg sync.WaitGroup
	var sem chan struct{}
	if limit > 0 {
		sem = make(chan struct{}, limit)
	}
	for i := range n {
		wg.Add(1)
		if sem != nil {
			sem <- struct{}{}
		}
		go func() {
			defer wg.Done()
			sum.Add(Tiny(i))
			if sem != nil {
				<-sem
			}
		}()
	}
	wg.Wait()
	return sum.Load()
}

// Errgroup starts each task on an errgroup.Group, with SetLimit(limit) if
// limit > 0.
func Errgroup(n, limit int) int64 {
	var sum atomic.Int64
	var g errgroup.Group
	if limit > 0 {
		g.SetLimit(limit)
	}
	for i := range n {
		g.Go(func() error { sum.Add(Tiny(i)); return nil })
	}
	_ = g.Wait()
	return sum.Load()
}

// Nursery starts each task in a nursery run with opts.
func Nursery(ctx context.Context, n int, opts ...nursery.Option) int64 {
	var sum atomic.Int64
	err := nursery.Run(ctx, func(_ context.Context, nu *nursery.Nursery) error {
		for i := range n {
			nu.Go(func(context.Context) error { sum.Add(Tiny(i)); return nil })
		}
		return nil
	}, opts...)
	if err != nil {
		panic(err)
	}
	return sum.Load()
}
