package groupctx

import (
	"context"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"golang.org/x/sync/errgroup"
)

func get(ctx context.Context, url string) error { return nil }

// A task calls a helper that closes over the outer ctx.
func helperClosesOverOuter(ctx context.Context, urls []string) error {
	fetch := func(u string) error { return get(ctx, u) }
	g, gctx := errgroup.WithContext(ctx)
	for _, u := range urls {
		g.Go(func() error {
			_ = gctx
			return fetch(u) // want `a task of g calls fetch, which uses ctx \(line 15\), the context the task's scope was derived from \(line 16\), so a failure cannot cancel it: pass gctx to fetch instead`
		})
	}
	return g.Wait()
}

// The helper is itself the task.
func helperAsTask(ctx context.Context) error {
	work := func() error { return get(ctx, "x") } // want `a task of g uses ctx, the outer context of the scope made at line 29, so a failure cannot cancel it: use gctx`
	g, gctx := errgroup.WithContext(ctx)
	_ = gctx
	g.Go(work)
	return g.Wait()
}

// The shadowing idiom uses the group's ctx: silent.
func shadowed(ctx context.Context, urls []string) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, u := range urls {
		g.Go(func() error { return get(ctx, u) })
	}
	return g.Wait()
}

// The outer ctx used deliberately after Wait, and in WithoutCancel: silent.
func deliberate(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return get(gctx, "a") })
	g.Go(func() error {
		// Cleanup that must run even when the group fails.
		return get(context.WithoutCancel(ctx), "audit")
	})
	if err := g.Wait(); err != nil {
		return get(ctx, "report")
	}
	return nil
}

// ctx reassigned in its own scope: no outer context is left to misuse.
func reassigned() error {
	ctx := context.Background()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return get(ctx, "a") })
	return g.Wait()
}

// A group without a derived context has nothing to misuse: silent.
func plainGroup(ctx context.Context) error {
	var g errgroup.Group
	g.Go(func() error { return get(ctx, "a") })
	return g.Wait()
}

// A nursery task with an unnamed ctx parameter.
func nurseryUnnamed(ctx context.Context) error {
	return nursery.Run(ctx, func(bodyCtx context.Context, n *nursery.Nursery) error {
		n.Go(func(context.Context) error {
			return get(ctx, "a") // want `a task of n uses ctx, the outer context of the scope made at line 75, so a failure cannot cancel it: use bodyCtx`
		})
		return nil
	})
}

// A task that names its context _ declines it on purpose: silent.
func nurseryDeclined(ctx context.Context) error {
	return nursery.Run(ctx, func(_ context.Context, n *nursery.Nursery) error {
		n.Go(func(_ context.Context) error {
			return ctx.Err()
		})
		return nil
	})
}

// taskgroup.All with a task that ignores its own ctx.
func all(ctx context.Context) ([]int, error) {
	return taskgroup.All(ctx,
		func(tctx context.Context) (int, error) { return 1, get(tctx, "a") },
		func(context.Context) (int, error) { return 2, get(ctx, "b") }, // want `a task of taskgroup.All uses ctx, the outer context of the scope made at line 95, so a failure cannot cancel it: name the task's ctx parameter and use it`
	)
}

// A discarded derived context on a plain assignment: reported, no fix.
func discardedAssign(ctx context.Context) error {
	var g *taskgroup.Group
	g, _ = taskgroup.WithContext(ctx) // want `the context of g is discarded while its tasks use ctx \(line 105\), which a failure cannot cancel: name it \(g, gctx := taskgroup.WithContext\(...\)\) and use it in the tasks`
	g.Go(func() error { return get(ctx, "a") })
	return g.Wait()
}
