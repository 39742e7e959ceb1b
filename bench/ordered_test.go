package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"

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

var orderedImpls = []struct {
	name string
	run  func(n int) []int
}{
	{"taskgroup.All", orderedAll},
	{"errgroup", orderedErrgroup},
	{"conc.ResultPool", orderedConc},
}

func orderedAll(n int) []int {
	tasks := make([]func(context.Context) (int, error), n)
	for i := range tasks {
		tasks[i] = func(context.Context) (int, error) { return orderedWork(i), nil }
	}
	out, err := taskgroup.All(context.Background(), tasks...)
	if err != nil {
		panic(err)
	}
	return out
}

func orderedErrgroup(n int) []int {
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
}

// orderedConc collects (index, value) pairs, since a ResultPool returns
// results in completion order, and puts them in place.
func orderedConc(n int) []int {
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
}

func TestOrderedSameResult(t *testing.T) {
	want := make([]int, orderedN)
	for i := range want {
		want[i] = orderedWork(i)
	}
	for _, impl := range orderedImpls {
		if got := impl.run(orderedN); !slices.Equal(got, want) {
			t.Errorf("%s computed a different result", impl.name)
		}
	}
}

func BenchmarkOrdered(b *testing.B) {
	for _, impl := range orderedImpls {
		b.Run(fmt.Sprintf("n=%d/impl=%s", orderedN, impl.name), func(b *testing.B) {
			reportPerItem(b, orderedN, func() { impl.run(orderedN) })
		})
	}
}
