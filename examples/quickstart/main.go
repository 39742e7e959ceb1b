// Command quickstart shows a nursery at work: it fans out over a few
// simulated backend requests, one of which fails, and prints what happened
// to each: the failure cancels the requests still in flight, and each of
// them sees why through context.Cause.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// A request to a simulated backend: it answers after latency, or fails
// with err after latency if err is set.
type request struct {
	backend string
	latency time.Duration
	err     error
}

var errUnavailable = errors.New("503 service unavailable")

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	requests := []request{
		{backend: "users", latency: 10 * time.Millisecond},
		{backend: "orders", latency: 30 * time.Millisecond, err: errUnavailable},
		{backend: "inventory", latency: 2 * time.Second},
		{backend: "search", latency: 5 * time.Second},
	}

	var mu sync.Mutex
	var lines []string
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}

	start := time.Now()
	err := nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		for _, r := range requests {
			n.Go(func(ctx context.Context) error {
				select {
				case <-time.After(r.latency):
					if r.err != nil {
						report("%-9s failed: %v", r.backend, r.err)
						return fmt.Errorf("%s: %w", r.backend, r.err)
					}
					report("%-9s answered", r.backend)
					return nil
				case <-ctx.Done():
					report("%-9s canceled: %v", r.backend, context.Cause(ctx))
					return ctx.Err() // an echo of the failure: Run drops it
				}
			})
		}
		return nil
	})

	slices.Sort(lines)
	for _, l := range lines {
		fmt.Fprintln(out, l)
	}
	fmt.Fprintf(out, "Run returned after every request ended (%v, not the 5s of the slowest):\n  %v\n",
		time.Since(start).Round(10*time.Millisecond), err)
	if !errors.Is(err, errUnavailable) {
		return fmt.Errorf("unexpected result %v", err)
	}
	return nil
}
