package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/scoped-go/scoped/taskgroup"
	"github.com/sourcegraph/conc/iter"
	"golang.org/x/sync/errgroup"
)

// The parallel-map workload: a million ints, each mapped by a light or a
// heavy function, results in input order, at most GOMAXPROCS at once. The
// floor is the loop one would write by hand: GOMAXPROCS goroutines, each
// over one contiguous chunk.

const parmapN = 1_000_000

// parmapLight is the light per-element work: a few dozen nanoseconds.
func parmapLight(x int) int {
	for k := range 16 {
		x = x*2654435761 + k
		x ^= x >> 13
	}
	return x
}

// parmapHeavy is the heavy per-element work: sixteen times the light one.
func parmapHeavy(x int) int {
	for range 16 {
		x = parmapLight(x)
	}
	return x
}

var parmapWorks = []struct {
	name string
	fn   func(int) int
}{
	{"light", parmapLight},
	{"heavy", parmapHeavy},
}

var parmapInput = func() []int {
	in := make([]int, parmapN)
	for i := range in {
		in[i] = i
	}
	return in
}()

func parmapImpls(in []int, work func(int) int) []impl[[]int] {
	procs := runtime.GOMAXPROCS(0)
	return []impl[[]int]{
		plain("go.chunked", func() []int {
			out := make([]int, len(in))
			size := (len(in) + procs - 1) / procs
			var wg sync.WaitGroup
			for lo := 0; lo < len(in); lo += size {
				hi := min(lo+size, len(in))
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := lo; i < hi; i++ {
						out[i] = work(in[i])
					}
				}()
			}
			wg.Wait()
			return out
		}),
		plain("taskgroup.Map", func() []int {
			out, err := taskgroup.Map(context.Background(), in, func(_ context.Context, x int) (int, error) {
				return work(x), nil
			})
			if err != nil {
				panic(err)
			}
			return out
		}),
		plain("errgroup.SetLimit", func() []int {
			out := make([]int, len(in))
			var g errgroup.Group
			g.SetLimit(procs)
			for i, x := range in {
				g.Go(func() error {
					out[i] = work(x)
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				panic(err)
			}
			return out
		}),
		plain("conc.iter.Map", func() []int {
			return iter.Map(in, func(x *int) int { return work(*x) })
		}),
		// ants and pond have no map: a task per item, in a pool of
		// GOMAXPROCS workers.
		{"ants", func() (func() []int, func()) {
			p, err := ants.NewPool(procs)
			if err != nil {
				panic(err)
			}
			return func() []int {
				out := make([]int, len(in))
				var wg sync.WaitGroup
				for i, x := range in {
					wg.Add(1)
					if err := p.Submit(func() { defer wg.Done(); out[i] = work(x) }); err != nil {
						panic(err)
					}
				}
				wg.Wait()
				return out
			}, p.Release
		}},
		{"pond.ResultPool", func() (func() []int, func()) {
			p := pond.NewResultPool[int](procs)
			return func() []int {
				g := p.NewGroup()
				for _, x := range in {
					g.Submit(func() int { return work(x) })
				}
				out, err := g.Wait()
				if err != nil {
					panic(err)
				}
				return out
			}, p.StopAndWait
		}},
	}
}

func TestParMapSameResult(t *testing.T) {
	for _, w := range parmapWorks {
		want := make([]int, parmapN)
		for i, x := range parmapInput {
			want[i] = w.fn(x)
		}
		sameResult(t, "work="+w.name, parmapImpls(parmapInput, w.fn), want, slices.Equal)
	}
}

func BenchmarkParMap(b *testing.B) {
	for _, w := range parmapWorks {
		benchImpls(b, fmt.Sprintf("work=%s/n=%d", w.name, parmapN), "item", parmapN, parmapImpls(parmapInput, w.fn))
	}
}
