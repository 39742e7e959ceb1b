package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/scoped-go/scoped/bench/internal/work"
	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"github.com/sourcegraph/conc/pool"
)

// The spawn workloads: start n tiny tasks and wait for all of them, with no
// limit (Spawn) and with a limit on how many run at once (Bounded). Each
// task adds tiny(i) to a shared sum, which is the result.

var spawnSizes = []int{1_000, 100_000}

var spawnLimits = []int{2, 64}

// tiny is a task's work: a few nanoseconds of arithmetic.
func tiny(i int) int64 { return work.Tiny(i) }

func spawnWant(n int) int64 {
	var sum int64
	for i := range n {
		sum += tiny(i)
	}
	return sum
}

// spawnImpls returns the implementations for n tasks, at most limit at
// once (0: no limit).
func spawnImpls(n, limit int) []impl[int64] {
	ctx := context.Background()
	impls := []impl[int64]{
		// go: a go statement per task; with a limit, a semaphore channel.
		plain("go", func() int64 { return work.Go(n, limit) }),
		plain("errgroup", func() int64 { return work.Errgroup(n, limit) }),
		plain("conc.pool", func() int64 {
			var sum atomic.Int64
			p := pool.New()
			if limit > 0 {
				p = p.WithMaxGoroutines(limit)
			}
			for i := range n {
				p.Go(func() { sum.Add(tiny(i)) })
			}
			p.Wait()
			return sum.Load()
		}),
		// ants and pond keep one pool for the whole benchmark, as they are
		// meant to be used; a run waits for its own tasks.
		{"ants", func() (func() int64, func()) {
			p, err := ants.NewPool(limit) // 0: no limit
			if err != nil {
				panic(err)
			}
			return func() int64 {
				var sum atomic.Int64
				var wg sync.WaitGroup
				for i := range n {
					wg.Add(1)
					if err := p.Submit(func() { defer wg.Done(); sum.Add(tiny(i)) }); err != nil {
						panic(err)
					}
				}
				wg.Wait()
				return sum.Load()
			}, p.Release
		}},
		{"pond", func() (func() int64, func()) {
			p := pond.NewPool(limit) // 0: no limit
			return func() int64 {
				var sum atomic.Int64
				g := p.NewGroup()
				for i := range n {
					g.Submit(func() { sum.Add(tiny(i)) })
				}
				if err := g.Wait(); err != nil {
					panic(err)
				}
				return sum.Load()
			}, p.StopAndWait
		}},
		plain("nursery", func() int64 {
			var opts []nursery.Option
			if limit > 0 {
				opts = append(opts, nursery.Limit(limit))
			}
			return work.Nursery(ctx, n, opts...)
		}),
		plain("taskgroup.Group", func() int64 {
			var sum atomic.Int64
			var g taskgroup.Group
			if limit > 0 {
				g.SetLimit(limit)
			}
			for i := range n {
				g.Go(func() error { sum.Add(tiny(i)); return nil })
			}
			_ = g.Wait()
			return sum.Load()
		}),
	}
	if limit > 0 {
		// The nursery with a queue of spawnQueue tasks behind the limit,
		// so that Go runs ahead of the workers instead of waiting for each.
		impls = append(impls, plain(fmt.Sprintf("nursery.Queue%d", spawnQueue), func() int64 {
			return work.Nursery(ctx, n, nursery.Limit(limit), nursery.Queue(spawnQueue))
		}))
	}
	return impls
}

// spawnQueue is the queue of the Bounded workload's nursery.QueueK rows.
const spawnQueue = 16

func eq[T comparable](a, b T) bool { return a == b }

func TestSpawnSameResult(t *testing.T) {
	for _, n := range spawnSizes {
		want := spawnWant(n)
		for _, limit := range append([]int{0}, spawnLimits...) {
			sameResult(t, fmt.Sprintf("n=%d/limit=%d", n, limit), spawnImpls(n, limit), want, eq)
		}
	}
}

func BenchmarkSpawn(b *testing.B) {
	for _, n := range spawnSizes {
		benchImpls(b, fmt.Sprintf("n=%d", n), "task", n, spawnImpls(n, 0))
	}
}

func BenchmarkBounded(b *testing.B) {
	for _, n := range spawnSizes {
		for _, limit := range spawnLimits {
			benchImpls(b, fmt.Sprintf("n=%d/limit=%d", n, limit), "task", n, spawnImpls(n, limit))
		}
	}
}
