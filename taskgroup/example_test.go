package taskgroup_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
)

// A Group used as errgroup's is: start functions with Go, collect the
// first error with Wait.
func ExampleGroup() {
	var g taskgroup.Group
	sizes := make([]int, 3)
	for i, name := range []string{"a.txt", "bb.txt", "ccc.txt"} {
		g.Go(func() error {
			sizes[i] = len(name) // each function writes its own index
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sizes)
	// Output:
	// [5 6 7]
}

// The first error cancels the context the other functions watch.
func ExampleWithContext() {
	g, ctx := taskgroup.WithContext(context.Background())
	g.Go(func() error {
		<-ctx.Done() // a long job, stopped by the sibling's failure
		return ctx.Err()
	})
	g.Go(func() error {
		return errors.New("disk full")
	})
	fmt.Println(g.Wait())
	fmt.Println(context.Cause(ctx))
	// Output:
	// disk full
	// disk full
}

// Go blocks while the limit is reached, so a loop can start one function
// per job without running them all at once.
func ExampleGroup_Go() {
	var g taskgroup.Group
	g.SetLimit(2)
	results := make([]string, 5)
	for i := range results {
		g.Go(func() error {
			results[i] = strings.Repeat("*", i)
			return nil
		})
	}
	g.Wait()
	fmt.Printf("%q\n", results)
	// Output:
	// ["" "*" "**" "***" "****"]
}

// TryGo starts a function only if there is room, and never blocks: a way
// to shed load.
func ExampleGroup_TryGo() {
	var g taskgroup.Group
	g.SetLimit(1)
	release := make(chan struct{})
	fmt.Println(g.TryGo(func() error { <-release; return nil }))
	fmt.Println(g.TryGo(func() error { return nil }))
	close(release)
	g.Wait()
	// Output:
	// true
	// false
}

func ExampleGroup_SetLimit() {
	var g taskgroup.Group
	g.SetLimit(0) // nothing may start
	fmt.Println(g.TryGo(func() error { return nil }))
	g.SetLimit(-1) // no limit
	fmt.Println(g.TryGo(func() error { return nil }))
	g.Wait()
	// Output:
	// false
	// true
}

// Unlike errgroup, a panic in a function comes back out of Wait, in the
// waiting goroutine, with the function's stack.
func ExampleGroup_Wait() {
	var g taskgroup.Group
	g.Go(func() error {
		panic("invariant broken")
	})
	defer func() {
		var pe *nursery.PanicError
		if r := recover(); r != nil {
			pe = r.(*nursery.PanicError)
		}
		fmt.Println("recovered:", pe.Value)
	}()
	g.Wait()
	// Output:
	// recovered: invariant broken
}

func ExampleMap() {
	words := []string{"map", "runs", "fn", "concurrently"}
	lengths, err := taskgroup.Map(context.Background(), words, func(_ context.Context, w string) (int, error) {
		return len(w), nil
	}, taskgroup.Limit(2))
	fmt.Println(lengths, err)
	// Output:
	// [3 4 2 12] <nil>
}

// A failure stops the work: the other calls see a canceled context, no
// new call starts, and Map returns the failure alone.
func ExampleMap_failure() {
	ports := []int{80, 443, -1, 8080}
	_, err := taskgroup.Map(context.Background(), ports, func(ctx context.Context, p int) (string, error) {
		if p < 0 {
			return "", fmt.Errorf("bad port %d", p)
		}
		return fmt.Sprintf("checked %d", p), ctx.Err()
	})
	fmt.Println(err)
	// Output:
	// bad port -1
}

func ExampleForEach() {
	var total [3]int
	err := taskgroup.ForEach(context.Background(), []int{0, 1, 2}, func(_ context.Context, i int) error {
		total[i] = i * 10 // each call writes its own element
		return nil
	})
	fmt.Println(total, err)
	// Output:
	// [0 10 20] <nil>
}

// All runs different tasks of one result type at once, and keeps their
// order.
func ExampleAll() {
	price := func(ctx context.Context) (string, error) { return "price: 12", nil }
	stock := func(ctx context.Context) (string, error) { return "stock: 3", nil }
	parts, err := taskgroup.All(context.Background(), price, stock)
	fmt.Println(parts, err)
	// Output:
	// [price: 12 stock: 3] <nil>
}

// Any returns the first answer; the slower replicas are canceled and
// awaited before it returns.
func ExampleAny() {
	replica := func(name string, delay time.Duration) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			select {
			case <-time.After(delay):
				return name, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
	}
	fastest, err := taskgroup.Any(context.Background(),
		replica("eu", time.Hour), replica("us", time.Millisecond), replica("ap", time.Hour))
	fmt.Println(fastest, err)
	// Output:
	// us <nil>
}

// With no tasks there is no answer.
func ExampleErrNoTasks() {
	_, err := taskgroup.Any[int](context.Background())
	fmt.Println(errors.Is(err, taskgroup.ErrNoTasks))
	// Output:
	// true
}

// Settled reports every task's outcome; no failure stops the others.
func ExampleSettled() {
	ping := func(host string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			if host == "down.example" {
				return "", errors.New("no route to host")
			}
			return host + " is up", nil
		}
	}
	for _, r := range taskgroup.Settled(context.Background(), ping("a.example"), ping("down.example"), ping("b.example")) {
		fmt.Printf("%q %v\n", r.Value, r.Err)
	}
	// Output:
	// "a.example is up" <nil>
	// "" no route to host
	// "b.example is up" <nil>
}

// MapSettled tells which inputs failed and keeps the results of the rest,
// so that only the failed inputs are tried again.
func ExampleMapSettled() {
	var mu sync.Mutex            // the calls run at once
	attempts := map[string]int{} // guarded by mu
	fetch := func(_ context.Context, name string) (int, error) {
		mu.Lock()
		attempts[name]++
		n := attempts[name]
		mu.Unlock()
		if name == "flaky.txt" && n == 1 {
			return 0, errors.New("connection reset")
		}
		if name == "missing.txt" {
			return 0, errors.New("not found")
		}
		return len(name), nil
	}

	names := []string{"a.txt", "flaky.txt", "missing.txt", "bb.txt"}
	sizes := map[string]int{}
	for round := 1; round <= 2 && len(names) > 0; round++ {
		var failed []string
		for i, r := range taskgroup.MapSettled(context.Background(), names, fetch, taskgroup.Limit(2)) {
			if r.Err != nil {
				fmt.Printf("round %d: %s: %v\n", round, names[i], r.Err)
				failed = append(failed, names[i])
				continue
			}
			sizes[names[i]] = r.Value
		}
		names = failed
	}
	fmt.Println(sizes, "still failing:", names)
	// Output:
	// round 1: flaky.txt: connection reset
	// round 1: missing.txt: not found
	// round 2: missing.txt: not found
	// map[a.txt:5 bb.txt:6 flaky.txt:9] still failing: [missing.txt]
}

func ExampleResult() {
	results := taskgroup.Settled(context.Background(),
		func(context.Context) (int, error) { return 1, nil },
		func(context.Context) (int, error) { return 0, errors.New("lost") },
	)
	var ok []int
	for _, r := range results {
		if r.Err == nil {
			ok = append(ok, r.Value)
		}
	}
	fmt.Println(ok)
	// Output:
	// [1]
}

// A Stream processes a sequence as it is ranged over; a break stops the
// work and waits for it.
func ExampleStream() {
	squares := taskgroup.Stream(context.Background(), slices.Values([]int{1, 2, 3, 4, 5}),
		func(_ context.Context, n int) (int, error) { return n * n, nil },
		taskgroup.Limit(3))
	for sq, err := range squares {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		if sq > 10 {
			break // cancels and awaits the calls in flight
		}
		fmt.Println(sq)
	}
	// Output:
	// 1
	// 4
	// 9
}

// The first failure is yielded after the results that were ready before
// it, and ends the sequence.
func ExampleStream_failure() {
	lines := slices.Values([]string{"1", "2", "x", "4"})
	parse := func(_ context.Context, s string) (int, error) {
		var n int
		_, err := fmt.Sscan(s, &n)
		if err != nil {
			return 0, fmt.Errorf("parse %q: bad number", s)
		}
		return n, nil
	}
	for n, err := range taskgroup.Stream(context.Background(), lines, parse, taskgroup.Limit(1)) {
		fmt.Println(n, err)
	}
	// Output:
	// 1 <nil>
	// 2 <nil>
	// 0 parse "x": bad number
}

// Limit bounds the calls running at once; here one at a time, so the
// calls cannot overlap.
func ExampleLimit() {
	var log []string // written by one call at a time
	err := taskgroup.ForEach(context.Background(), []string{"a", "b", "c"}, func(_ context.Context, s string) error {
		log = append(log, s)
		return nil
	}, taskgroup.Limit(1))
	fmt.Println(len(log), err)
	// Output:
	// 3 <nil>
}

// With Unordered, each result comes as soon as its call returns. Here the
// slow call returns only once the fast one's result has been read: in input
// order, the loop would wait for the slow call forever.
func ExampleUnordered() {
	fastRead := make(chan struct{})
	var seq iter.Seq2[string, error] = taskgroup.Stream(context.Background(), slices.Values([]string{"slow", "fast"}),
		func(_ context.Context, call string) (string, error) {
			if call == "slow" {
				<-fastRead
			}
			return call, nil
		}, taskgroup.Unordered(), taskgroup.Limit(2))
	for call, err := range seq {
		fmt.Println(call, err)
		if call == "fast" {
			close(fastRead)
		}
	}
	// Output:
	// fast <nil>
	// slow <nil>
}

// Options are shared by Map, ForEach and Stream.
func ExampleOption() {
	opts := []taskgroup.Option{taskgroup.Limit(4)}
	doubled, _ := taskgroup.Map(context.Background(), []int{1, 2, 3}, func(_ context.Context, n int) (int, error) {
		return 2 * n, nil
	}, opts...)
	fmt.Println(doubled)
	// Output:
	// [2 4 6]
}
