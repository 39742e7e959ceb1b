package groupctx

import (
	"context"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"golang.org/x/sync/errgroup"
)

func save(ctx context.Context, v int) error { return nil }

// The task uses the outer ctx while gctx is in scope: swap.
func outerInTask(ctx context.Context, vs []int) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, v := range vs {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			return save(ctx, v) // want `a task of g uses ctx, the outer context of the scope made at line 15, so a failure cannot cancel it: use gctx`
		})
	}
	return g.Wait()
}

// The derived context discarded: name it gctx and use it.
func discarded(ctx context.Context, vs []int) error {
	eg, _ := errgroup.WithContext(ctx) // want `the context of eg is discarded while its tasks use ctx \(line 32, 33\), which a failure cannot cancel: name it \(eg, gctx := errgroup.WithContext\(...\)\) and use it in the tasks`
	for _, v := range vs {
		eg.Go(func() error {
			<-ctx.Done()
			return save(ctx, v)
		})
	}
	return eg.Wait()
}

// The nursery body uses the context Run was given.
func nurseryBody(parent context.Context) error {
	return nursery.Run(parent, func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(func(ctx context.Context) error { return save(ctx, 1) })
		return save(parent, 2) // want `the body of nursery.Run uses parent, the outer context of the scope made at line 41, so a failure cannot cancel it: use ctx`
	})
}

// taskgroup.Map's function uses the outer context.
func mapped(parent context.Context, vs []int) ([]int, error) {
	return taskgroup.Map(parent, vs, func(ctx context.Context, v int) (int, error) {
		return v, save(parent, v) // want `the function of taskgroup.Map uses parent, the outer context of the scope made at line 49, so a failure cannot cancel it: use ctx`
	})
}

// A taskgroup group.
func taskGroup(ctx context.Context) error {
	g, tctx := taskgroup.WithContext(ctx)
	g.Go(func() error { return save(ctx, 1) }) // want `a task of g uses ctx, the outer context of the scope made at line 56, so a failure cannot cancel it: use tctx`
	g.Go(func() error { return save(tctx, 2) })
	return g.Wait()
}
