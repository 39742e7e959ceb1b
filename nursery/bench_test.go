package nursery_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"golang.org/x/sync/errgroup"
)

// The spawn benchmarks start n tiny tasks and wait for them, written with
// the nursery, with a bare go statement and a sync.WaitGroup, and with
// errgroup, so that one run gives the ratios between them. Each reports
// ns/task and allocs/task.

var sizes = []int{1_000, 100_000}

// tiny is a task's work: a few nanoseconds of arithmetic that the compiler
// cannot drop.
func tiny(seed int) int {
	x := seed
	for i := 0; i < 8; i++ {
		x = x*31 + i
	}
	return x
}

// measure runs fn b.N times and reports per-task time and allocations.
func measure(b *testing.B, tasks int, fn func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		fn()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(tasks)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/task")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/task")
}

func task(ctx context.Context) error {
	_ = tiny(1)
	return nil
}

func BenchmarkSpawn(b *testing.B) {
	ctx := context.Background()
	procs := runtime.GOMAXPROCS(0)
	for _, size := range sizes {
		b.Run(fmt.Sprintf("n=%d/impl=go", size), func(b *testing.B) {
			measure(b, size, func() {
				var wg sync.WaitGroup
				for range size {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_ = task(ctx)
					}()
				}
				wg.Wait()
			})
		})
		b.Run(fmt.Sprintf("n=%d/impl=errgroup", size), func(b *testing.B) {
			measure(b, size, func() {
				var g errgroup.Group
				for range size {
					g.Go(func() error { return task(ctx) })
				}
				_ = g.Wait()
			})
		})
		b.Run(fmt.Sprintf("n=%d/impl=nursery", size), func(b *testing.B) {
			measure(b, size, func() {
				_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
					for range size {
						n.Go(task)
					}
					return nil
				})
			})
		})
		for _, limit := range []int{2, procs} {
			b.Run(fmt.Sprintf("n=%d/limit=%d/impl=errgroup", size, limit), func(b *testing.B) {
				measure(b, size, func() {
					var g errgroup.Group
					g.SetLimit(limit)
					for range size {
						g.Go(func() error { return task(ctx) })
					}
					_ = g.Wait()
				})
			})
			b.Run(fmt.Sprintf("n=%d/limit=%d/impl=nursery", size, limit), func(b *testing.B) {
				measure(b, size, func() {
					_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
						for range size {
							n.Go(task)
						}
						return nil
					}, nursery.Limit(limit))
				})
			})
		}
	}
}
