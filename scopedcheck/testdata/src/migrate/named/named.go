package named

import (
	"context"

	eg "golang.org/x/sync/errgroup" // want `errgroup can be replaced by github.com/scoped-go/scoped/taskgroup`
)

func fanOut(ctx context.Context) error {
	g, _ := eg.WithContext(ctx)
	return g.Wait()
}
