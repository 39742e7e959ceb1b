package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// The ordered workload: 10,000 tasks each compute a small value, and the
// caller wants the values in task order. Each implementation starts one
// task per value, as a caller with that many independent requests would.

const orderedN = 10_000

// orderedWork is one task's work: a few nanoseconds of arithmetic that the
// compiler cannot drop.
func orderedWork(i int) int {
	x := i
	for k := range 8 {
		x = x*31 + k
	}
	return x
}

func orderedImpls(n int) []impl[[]int] {
	return []impl[[]int]{
		// go: each goroutine writes its own slot.
		plain("go", func() []int {
			out := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out[i] = orderedWork(i)
				}()
			}
			wg.Wait()
			return out
		}),
		plain("errgroup", func() []int {
			out := make([]int, n)
			var g errgroup.Group
			for i := range n {
				g.Go(func() error {
					out[i] = orderedWork(i)
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				panic(err)
			}
			return out
		}),
		// conc.ResultPool returns results in completion order: it collects
		// (index, value) pairs and puts them in place.
		plain("conc.ResultPool", func() []int {
			type indexed struct{ i, v int }
			p := pool.NewWithResults[indexed]()
			for i := range n {
				p.Go(func() indexed { return indexed{i, orderedWork(i)} })
			}
			out := make([]int, n)
			for _, r := range p.Wait() {
				out[r.i] = r.v
			}
			return out
		}),
		{"ants", func() (func() []int, func()) {
			p, err := ants.NewPool(0)
			if err != nil {
				panic(err)
			}
			return func() []int {
				out := make([]int, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Add(1)
					if err := p.Submit(func() { defer wg.Done(); out[i] = orderedWork(i) }); err != nil {
						panic(err)
					}
				}
				wg.Wait()
				return out
			}, p.Release
		}},
		// pond's result groups return results in submission order.
		{"pond.ResultPool", func() (func() []int, func()) {
			p := pond.NewResultPool[int](0)
			return func() []int {
				g := p.NewGroup()
				for i := range n {
					g.Submit(func() int { return orderedWork(i) })
				}
				out, err := g.Wait()
				if err != nil {
					panic(err)
				}
				return out
			}, p.StopAndWait
		}},
		plain("nursery.Spawn", func() []int {
			futures := make([]*nursery.Future[int], n)
			out := make([]int, n)
			err := nursery.Run(context.Background(), func(ctx context.Context, nu *nursery.Nursery) error {
				for i := range n {
					futures[i] = nursery.Spawn(nu, func(context.Context) (int, error) { return orderedWork(i), nil })
				}
				for i, f := range futures {
					v, err := f.Await(ctx)
					if err != nil {
						return err
					}
					out[i] = v
				}
				return nil
			})
			if err != nil {
				panic(err)
			}
			return out
		}),
		plain("taskgroup.All", func() []int {
			tasks := make([]func(context.Context) (int, error), n)
			for i := range tasks {
				tasks[i] = func(context.Context) (int, error) { return orderedWork(i), nil }
			}
			out, err := taskgroup.All(context.Background(), tasks...)
			if err != nil {
				panic(err)
			}
			return out
		}),
	}
}

func TestOrderedSameResult(t *testing.T) {
	want := make([]int, orderedN)
	for i := range want {
		want[i] = orderedWork(i)
	}
	sameResult(t, "", orderedImpls(orderedN), want, slices.Equal)
}

func BenchmarkOrdered(b *testing.B) {
	benchImpls(b, fmt.Sprintf("n=%d", orderedN), "item", orderedN, orderedImpls(orderedN))
}
