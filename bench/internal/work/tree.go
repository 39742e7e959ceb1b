package work

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"golang.org/x/sync/errgroup"
)

// The tree workload's implementations that the bench module's benchmarks
// and its commands share: a tree of nested scopes, depth deep with fanout
// children per node; each leaf adds Tiny(id) to a sum. Every
// implementation that has a context gives each scope its own, derived
// from its parent's, as code that cancels a subtree on failure does.

// TreeGo opens each scope with a WaitGroup and go statements: the floor.
func TreeGo(depth, fanout int) int64 {
	var sum atomic.Int64
	var node func(id, d int)
	node = func(id, d int) {
		if d == depth {
			sum.Add(Tiny(id))
			return
		}
		var wg sync.WaitGroup
		for c := range fanout {
			wg.Add(1)
			go func() { defer wg.Done(); node(id*fanout+c, d+1) }()
		}
		wg.Wait()
	}
	node(0, 0)
	return sum.Load()
}

// TreeErrgroup opens each scope with errgroup.WithContext.
func TreeErrgroup(depth, fanout int) int64 {
	var sum atomic.Int64
	var node func(ctx context.Context, id, d int) error
	node = func(ctx context.Context, id, d int) error {
		if d == depth {
			sum.Add(Tiny(id))
			return nil
		}
		g, ctx := errgroup.WithContext(ctx)
		for c := range fanout {
			g.Go(func() error { return node(ctx, id*fanout+c, d+1) })
		}
		return g.Wait()
	}
	if err := node(context.Background(), 0, 0); err != nil {
		panic(err)
	}
	return sum.Load()
}

// TreeNursery opens each scope with nursery.Run.
func TreeNursery(depth, fanout int) int64 {
	var sum atomic.Int64
	var node func(ctx context.Context, id, d int) error
	node = func(ctx context.Context, id, d int) error {
		if d == depth {
			sum.Add(Tiny(id))
			return nil
		}
		return nursery.Run(ctx, func(_ context.Context, n *nursery.Nursery) error {
			for c := range fanout {
				n.Go(func(ctx context.Context) error { return node(ctx, id*fanout+c, d+1) })
			}
			return nil
		})
	}
	if err := node(context.Background(), 0, 0); err != nil {
		panic(err)
	}
	return sum.Load()
}

// TreeGroup opens each scope with taskgroup.WithContext.
func TreeGroup(depth, fanout int) int64 {
	var sum atomic.Int64
	var node func(ctx context.Context, id, d int) error
	node = func(ctx context.Context, id, d int) error {
		if d == depth {
			sum.Add(Tiny(id))
			return nil
		}
		g, ctx := taskgroup.WithContext(ctx)
		for c := range fanout {
			g.Go(func() error { return node(ctx, id*fanout+c, d+1) })
		}
		return g.Wait()
	}
	if err := node(context.Background(), 0, 0); err != nil {
		panic(err)
	}
	return sum.Load()
}
