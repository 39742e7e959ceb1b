package goafterwait

import (
	"context"

	"github.com/scoped-go/scoped/taskgroup"
	"golang.org/x/sync/errgroup"
)

func save(ctx context.Context, v int) error { return nil }

// The shadowing idiom: ctx after Wait is the group's, already canceled.
func shadowed(ctx context.Context, vs []int) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, v := range vs {
		g.Go(func() error { return save(ctx, v) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return save(ctx, len(vs)) // want `ctx here is the context of g \(errgroup.WithContext, line 14\), which shadows the outer ctx and was canceled by g.Wait \(line 18\): give the group's context another name \(g, gctx := ...\) so that ctx stays the outer one`
}

// Distinct names: the fix writes the outer context.
func distinct(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return save(gctx, 1) })
	err := g.Wait()
	_ = save(gctx, 2) // want `gctx is the context of g, canceled by g.Wait \(line 28\): use ctx, the context g was derived from`
	return err
}

// A loop that calls Go after an earlier batch's Wait.
func batches(ctx context.Context, bs [][]int) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, b := range bs {
		for _, v := range b {
			g.Go(func() error { return save(gctx, v) }) // want `g.Go after g.Wait \(line 40\): Wait canceled the context of g, so this task starts canceled; make a new group with errgroup.WithContext for it`
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// TryGo after Wait, on a taskgroup.
func tryAfter(ctx context.Context) bool {
	g, _ := taskgroup.WithContext(ctx)
	g.Go(func() error { return nil })
	_ = g.Wait()
	return g.TryGo(func() error { return nil }) // want `g.TryGo after g.Wait \(line 51\): Wait canceled the context of g, so this task starts canceled; make a new group with taskgroup.WithContext for it`
}

// A closure made after Wait captures the canceled context.
func closureAfter(ctx context.Context) func() error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return nil })
	_ = g.Wait()
	return func() error { return save(gctx, 1) } // want `gctx is the context of g, canceled by g.Wait \(line 59\): use ctx, the context g was derived from`
}

// Silent: the outer context after Wait, and questions to the canceled one.
func outerAfter(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return save(gctx, 1) })
	if err := g.Wait(); err != nil {
		if context.Cause(gctx) != nil && gctx.Err() != nil {
			return context.Cause(gctx)
		}
		return err
	}
	return save(ctx, 2)
}

// Silent: a new group each round.
func rounds(ctx context.Context, n int) error {
	for range n {
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return save(gctx, 1) })
		if err := g.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// Silent: Wait deferred, or in a goroutine, runs later.
func deferred(ctx context.Context) {
	g, gctx := errgroup.WithContext(ctx)
	defer g.Wait()
	done := make(chan struct{})
	go func() { g.Wait(); close(done) }()
	g.Go(func() error { return save(gctx, 1) })
	<-done
}

// Silent: a group without a context may be reused.
func zeroGroup() error {
	var g errgroup.Group
	g.Go(func() error { return nil })
	_ = g.Wait()
	g.Go(func() error { return nil })
	return g.Wait()
}

// Silent: the group variable made again before its next use.
func remade(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return save(gctx, 1) })
	_ = g.Wait()
	g, gctx = errgroup.WithContext(ctx)
	g.Go(func() error { return save(gctx, 2) })
	return g.Wait()
}
