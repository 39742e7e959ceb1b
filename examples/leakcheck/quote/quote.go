// Package quote is the tiny service of the leakcheck example: it asks
// several price sources at once and takes the first answer, within a time
// limit. Its tests show how a service tests itself with scoped, goleak and
// testing/synctest.
package quote

import (
	"context"
	"time"

	"github.com/scoped-go/scoped/taskgroup"
	"github.com/scoped-go/scoped/timeout"
)

// A Source answers with a price, or fails.
type Source func(ctx context.Context, symbol string) (float64, error)

// Fetch asks every source for symbol at once and returns the first price
// any of them gives, once the others have been canceled and have returned.
// If no source answers within d, the error matches timeout.ErrTimeout.
func Fetch(ctx context.Context, symbol string, d time.Duration, sources ...Source) (float64, error) {
	tasks := make([]func(context.Context) (float64, error), len(sources))
	for i, s := range sources {
		tasks[i] = func(ctx context.Context) (float64, error) { return s(ctx, symbol) }
	}
	return timeout.Value(ctx, d, func(ctx context.Context) (float64, error) {
		return taskgroup.Any(ctx, tasks...)
	})
}

// After is a simulated source that answers price after latency, or gives
// up when its context is done.
func After(latency time.Duration, price float64) Source {
	return func(ctx context.Context, symbol string) (float64, error) {
		select {
		case <-time.After(latency):
			return price, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}
