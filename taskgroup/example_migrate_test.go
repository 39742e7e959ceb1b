package taskgroup_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/scoped-go/scoped/taskgroup"
)

// Moving from errgroup takes one changed import. Code like
//
//	import "golang.org/x/sync/errgroup"
//
//	g, ctx := errgroup.WithContext(ctx)
//	g.SetLimit(4)
//	for _, id := range ids { g.Go(func() error { ... }) }
//	err := g.Wait()
//
// keeps every line but the import, which becomes
//
//	import errgroup "github.com/scoped-go/scoped/taskgroup"
//
// and gains one thing: a panic in a function comes out of Wait, with the
// function's stack, instead of crashing the program from a goroutine no
// one owns. Where the loop only fills a slice, taskgroup.Map says the same
// in less code; see the Map example.
func ExampleGroup_migrateFromErrgroup() {
	ctx := context.Background()
	ids := []int{3, 1, 2}

	g, ctx := taskgroup.WithContext(ctx)
	g.SetLimit(4)
	names := make([]string, len(ids))
	for i, id := range ids {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			names[i] = fmt.Sprintf("user-%d", id)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(names)
	// Output:
	// [user-3 user-1 user-2]
}

// Code that maps a slice with conc's iter package, such as
//
//	upper := iter.Map(words, func(w *string) string { return strings.ToUpper(*w) })
//
// or, when the function can fail, iter.Mapper's MapErr, becomes a call to
// Map. Map gives fn a context, which the first failure cancels, and
// returns results in input order; the element comes by value, not by
// pointer.
func ExampleMap_migrateFromConcIter() {
	words := []string{"structured", "concurrency"}
	upper, err := taskgroup.Map(context.Background(), words, func(_ context.Context, w string) (string, error) {
		return strings.ToUpper(w), nil
	})
	fmt.Println(upper, err)
	// Output:
	// [STRUCTURED CONCURRENCY] <nil>
}

// Code that gathers results with conc's pool.ResultPool, such as
//
//	p := pool.NewWithResults[int]().WithErrors().WithContext(ctx)
//	for _, n := range nums { p.Go(func(ctx context.Context) (int, error) { ... }) }
//	squares, err := p.Wait()
//
// becomes a call to All with one task per element, or, when every task
// runs the same function, to Map. Both return results in input order, and
// on failure nil and the errors. Limit on Map takes the place of WithMaxGoroutines.
func ExampleAll_migrateFromConcResultPool() {
	nums := []int{1, 2, 3}
	tasks := make([]func(context.Context) (int, error), len(nums))
	for i, n := range nums {
		tasks[i] = func(ctx context.Context) (int, error) { return n * n, ctx.Err() }
	}
	squares, err := taskgroup.All(context.Background(), tasks...)
	fmt.Println(squares, err)

	// The same with Map, one function over the slice, two at a time.
	squares, err = taskgroup.Map(context.Background(), nums, func(ctx context.Context, n int) (int, error) {
		return n * n, ctx.Err()
	}, taskgroup.Limit(2))
	fmt.Println(squares, err)
	// Output:
	// [1 4 9] <nil>
	// [1 4 9] <nil>
}
