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
	"github.com/sourcegraph/conc/pool"
)

// The tree workload: a tree of nested scopes, depth 4 and fanout 8. The
// root starts 8 tasks, each of which opens a scope of its own and starts 8
// more, down to 8^4 = 4096 leaves, 4680 tasks in all. Each leaf adds
// tiny(id) to a shared sum. Every implementation that has a context gives
// each scope its own, derived from its parent's, as code that cancels a
// subtree on failure does; the go floor has none.

const (
	treeDepth  = 4
	treeFanout = 8
)

// treeTasks is the number of tasks in the tree: 8 + 64 + 512 + 4096.
var treeTasks = func() int {
	total, level := 0, 1
	for range treeDepth {
		level *= treeFanout
		total += level
	}
	return total
}()

func treeWant() int64 {
	var sum int64
	var walk func(id, depth int)
	walk = func(id, depth int) {
		if depth == treeDepth {
			sum += tiny(id)
			return
		}
		for c := range treeFanout {
			walk(id*treeFanout+c, depth+1)
		}
	}
	walk(0, 0)
	return sum
}

func treeImpls() []impl[int64] {
	parent := context.Background()
	return []impl[int64]{
		plain("go", func() int64 { return work.TreeGo(treeDepth, treeFanout) }),
		plain("errgroup", func() int64 { return work.TreeErrgroup(treeDepth, treeFanout) }),
		plain("conc.pool", func() int64 {
			var sum atomic.Int64
			var node func(ctx context.Context, id, depth int) error
			node = func(ctx context.Context, id, depth int) error {
				if depth == treeDepth {
					sum.Add(tiny(id))
					return nil
				}
				p := pool.New().WithContext(ctx).WithCancelOnError()
				for c := range treeFanout {
					p.Go(func(ctx context.Context) error { return node(ctx, id*treeFanout+c, depth+1) })
				}
				return p.Wait()
			}
			if err := node(parent, 0, 0); err != nil {
				panic(err)
			}
			return sum.Load()
		}),
		// ants: one unlimited pool for the whole tree (a bounded one would
		// deadlock, its workers waiting on their children), a WaitGroup and
		// a context per scope.
		{"ants", func() (func() int64, func()) {
			p, err := ants.NewPool(0)
			if err != nil {
				panic(err)
			}
			return func() int64 {
				var sum atomic.Int64
				var node func(ctx context.Context, id, depth int)
				node = func(ctx context.Context, id, depth int) {
					if depth == treeDepth {
						sum.Add(tiny(id))
						return
					}
					ctx, cancel := context.WithCancel(ctx)
					defer cancel()
					var wg sync.WaitGroup
					for c := range treeFanout {
						wg.Add(1)
						if err := p.Submit(func() { defer wg.Done(); node(ctx, id*treeFanout+c, depth+1) }); err != nil {
							panic(err)
						}
					}
					wg.Wait()
				}
				node(parent, 0, 0)
				return sum.Load()
			}, p.Release
		}},
		// pond: one unlimited pool, a group with its context per scope.
		{"pond", func() (func() int64, func()) {
			p := pond.NewPool(0)
			return func() int64 {
				var sum atomic.Int64
				var node func(ctx context.Context, id, depth int) error
				node = func(ctx context.Context, id, depth int) error {
					if depth == treeDepth {
						sum.Add(tiny(id))
						return nil
					}
					g := p.NewGroupContext(ctx)
					ctx = g.Context()
					for c := range treeFanout {
						g.SubmitErr(func() error { return node(ctx, id*treeFanout+c, depth+1) })
					}
					return g.Wait()
				}
				if err := node(parent, 0, 0); err != nil {
					panic(err)
				}
				return sum.Load()
			}, p.StopAndWait
		}},
		plain("nursery", func() int64 { return work.TreeNursery(treeDepth, treeFanout) }),
		plain("taskgroup.Group", func() int64 { return work.TreeGroup(treeDepth, treeFanout) }),
	}
}

func TestTreeSameResult(t *testing.T) {
	sameResult(t, "", treeImpls(), treeWant(), eq)
}

func BenchmarkTree(b *testing.B) {
	benchImpls(b, fmt.Sprintf("depth=%d/fanout=%d", treeDepth, treeFanout), "task", treeTasks, treeImpls())
}
