package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/scoped-go/scoped/taskgroup"
	"github.com/sourcegraph/conc/iter"
	"golang.org/x/sync/errgroup"
)

// The parallel-map workload: a million ints, each mapped by a light
// function, results in input order, at most GOMAXPROCS at once. The
// baseline is the loop one would write by hand: GOMAXPROCS goroutines,
// each over one contiguous chunk.

const parmapN = 1_000_000

// parmapWork is the light per-element work: a few dozen nanoseconds.
func parmapWork(x int) int {
	for k := range 16 {
		x = x*2654435761 + k
		x ^= x >> 13
	}
	return x
}

var parmapInput = func() []int {
	in := make([]int, parmapN)
	for i := range in {
		in[i] = i
	}
	return in
}()

var parmapImpls = []struct {
	name string
	run  func(in []int) []int
}{
	{"chunked", parmapChunked},
	{"taskgroup.Map", parmapMap},
	{"errgroup.SetLimit", parmapErrgroup},
	{"conc.iter.Map", parmapConc},
}

func parmapChunked(in []int) []int {
	out := make([]int, len(in))
	workers := runtime.GOMAXPROCS(0)
	size := (len(in) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(in); lo += size {
		hi := min(lo+size, len(in))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				out[i] = parmapWork(in[i])
			}
		})
	}
	wg.Wait()
	return out
}

func parmapMap(in []int) []int {
	out, err := taskgroup.Map(context.Background(), in, func(_ context.Context, x int) (int, error) {
		return parmapWork(x), nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

func parmapErrgroup(in []int) []int {
	out := make([]int, len(in))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, x := range in {
		g.Go(func() error {
			out[i] = parmapWork(x)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		panic(err)
	}
	return out
}

func parmapConc(in []int) []int {
	return iter.Map(in, func(x *int) int { return parmapWork(*x) })
}

func TestParMapSameResult(t *testing.T) {
	want := make([]int, parmapN)
	for i, x := range parmapInput {
		want[i] = parmapWork(x)
	}
	for _, impl := range parmapImpls {
		if got := impl.run(parmapInput); !slices.Equal(got, want) {
			t.Errorf("%s computed a different result", impl.name)
		}
	}
}

func BenchmarkParMap(b *testing.B) {
	for _, impl := range parmapImpls {
		b.Run(fmt.Sprintf("n=%d/impl=%s", parmapN, impl.name), func(b *testing.B) {
			reportPerItem(b, parmapN, func() { impl.run(parmapInput) })
		})
	}
}
