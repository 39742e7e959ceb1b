package nursery_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
	"golang.org/x/sync/errgroup" //scoped:allow errgroup: the benchmarks compare against it
)

// The spawn benchmarks start n tiny tasks and wait for them, written with
// the nursery, with a bare go statement and a sync.WaitGroup, and with
// errgroup, so that one run gives the ratios between them. Each reports
// ns/task and allocs/task.

var sizes = []int{1_000, 100_000}

// workSeed is a variable, not a constant, so that the compiler cannot
// compute a task's work at compile time.
var workSeed = 1

var errImpossible = errors.New("tiny returned 0")

// tiny is a task's work: a few nanoseconds of arithmetic.
func tiny(seed int) int {
	x := seed
	for i := 0; i < 8; i++ {
		x = x*31 + i
	}
	return x
}

// task is the task every implementation runs. It uses tiny's result, so
// that the compiler cannot drop the work.
func task(ctx context.Context) error {
	if tiny(workSeed) == 0 {
		return errImpossible
	}
	return nil
}

// measure runs fn b.N times and reports per-task time and allocations.
func measure(b *testing.B, tasks int, fn func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() { // resets the timer at the start, stops it at the end
		fn()
	}
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(tasks)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/task")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/task")
}

// limits are the limits to benchmark, each without and with a queue.
var limits = []struct{ limit, queue int }{{2, 0}, {2, 16}, {64, 0}}

func BenchmarkSpawn(b *testing.B) {
	ctx := context.Background()
	// errgroup's func value is made once, as the nursery's is, so that
	// neither pays for a closure per task.
	egTask := func() error { return task(ctx) }
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
					g.Go(egTask)
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
		for _, lq := range limits {
			limit := lq.limit
			if lq.queue > 0 {
				b.Run(fmt.Sprintf("n=%d/limit=%d/queue=%d/impl=nursery", size, limit, lq.queue), func(b *testing.B) {
					measure(b, size, func() {
						_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
							for range size {
								n.Go(task)
							}
							return nil
						}, nursery.Limit(limit), nursery.Queue(lq.queue))
					})
				})
				continue
			}
			b.Run(fmt.Sprintf("n=%d/limit=%d/impl=errgroup", size, limit), func(b *testing.B) {
				measure(b, size, func() {
					var g errgroup.Group
					g.SetLimit(limit)
					for range size {
						g.Go(egTask)
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

// BenchmarkTracking measures what task tracking costs on the spawn path:
// tracking off is the nursery of BenchmarkSpawn, and must match it; the
// ratio of tracked to off is the price per task of turning it on.
func BenchmarkTracking(b *testing.B) {
	ctx := context.Background()
	const size = 1_000
	spawn := func() {
		_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
			for range size {
				n.Go(task)
			}
			return nil
		})
	}
	b.Run(fmt.Sprintf("n=%d/impl=go", size), func(b *testing.B) {
		measure(b, size, func() {
			var wg sync.WaitGroup
			for range size {
				wg.Go(func() { _ = task(ctx) })
			}
			wg.Wait()
		})
	})
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("n=%d/impl=nursery/tracking=%v", size, on), func(b *testing.B) {
			if on {
				defer inspect.Track()()
			}
			measure(b, size, spawn)
		})
	}
	// An instrument that does nothing: the price of the events alone.
	b.Run(fmt.Sprintf("n=%d/impl=nursery/instrument=nop", size), func(b *testing.B) {
		defer nursery.AddInstrument(nopInstrument{})()
		measure(b, size, spawn)
	})
}

// nopInstrument hears every event and does nothing.
type nopInstrument struct{}

func (nopInstrument) ScopeOpened(ctx context.Context, _ string, _ uintptr) (context.Context, any) {
	return ctx, nil
}
func (nopInstrument) ScopeCanceled(any, error)                               {}
func (nopInstrument) ScopeClosed(any, error)                                 {}
func (nopInstrument) TaskSubmitted(any, string, string, uintptr) any         { return nil }
func (nopInstrument) TaskWaiting(any)                                        {}
func (nopInstrument) TaskStarted(ctx context.Context, _ any) context.Context { return ctx }
func (nopInstrument) TaskEnded(any, error, bool)                             {}
func (nopInstrument) TaskDropped(any, error)                                 {}
