package plain

import (
	"context"

	"golang.org/x/sync/errgroup" // want `errgroup can be replaced by github.com/scoped-go/scoped/taskgroup: same API, and a panic in a task comes out of Wait with its stack instead of crashing the program`
)

func fanOut(ctx context.Context, n int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for range n {
		g.Go(func() error { return ctx.Err() })
	}
	return g.Wait()
}

func zero() *errgroup.Group { return new(errgroup.Group) }
