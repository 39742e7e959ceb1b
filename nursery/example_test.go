package nursery_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// Fetch four users at once. The request for user 3 fails; that cancels the
// others, and each slow request learns why from context.Cause.
func ExampleRun() {
	errNotFound := errors.New("user 3: not found")
	fetch := func(ctx context.Context, id int) error {
		if id == 3 {
			return errNotFound
		}
		<-ctx.Done() // a slow request, still in flight
		return ctx.Err()
	}

	stopped := make([]error, 4)
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for id := range 4 {
			n.Go(func(ctx context.Context) error {
				err := fetch(ctx, id)
				if errors.Is(err, context.Canceled) {
					stopped[id] = context.Cause(ctx) // why
				}
				return err // an echo of the cancellation is dropped
			})
		}
		return nil
	})
	// Run has returned: every request has too.
	fmt.Println("Run:", err)
	for id, cause := range stopped[:3] {
		fmt.Printf("request %d stopped: %v\n", id, cause)
	}
	// Output:
	// Run: user 3: not found
	// request 0 stopped: user 3: not found
	// request 1 stopped: user 3: not found
	// request 2 stopped: user 3: not found
}

// Crawl a site: each page's task starts a task for every new link it
// finds. Run returns once the last page, however deep, has been visited.
func ExampleNursery_Go() {
	links := map[string][]string{
		"/":          {"/docs", "/blog"},
		"/docs":      {"/docs/api", "/"},
		"/docs/api":  nil,
		"/blog":      {"/blog/2024"},
		"/blog/2024": {"/docs/api"},
	}

	var mu sync.Mutex
	seen := map[string]bool{"/": true}
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		var visit func(page string) func(context.Context) error
		visit = func(page string) func(context.Context) error {
			return func(ctx context.Context) error {
				for _, link := range links[page] {
					mu.Lock()
					isNew := !seen[link]
					seen[link] = true
					mu.Unlock()
					if isNew {
						n.Go(visit(link))
					}
				}
				return nil
			}
		}
		n.Go(visit("/"))
		return nil
	})
	fmt.Println("Run:", err)
	fmt.Println("visited:", slices.Sorted(maps.Keys(seen)))
	// Output:
	// Run: <nil>
	// visited: [/ /blog /blog/2024 /docs /docs/api]
}

// Resize images on at most two workers; when both are busy, the caller
// does the work itself instead of waiting.
func ExampleNursery_TryGo() {
	busy := make(chan struct{})
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for _, img := range []string{"a.png", "b.png", "c.png"} {
			resize := func(ctx context.Context) error {
				<-busy // the workers stay busy until the caller is done
				return nil
			}
			if n.TryGo(resize) {
				fmt.Println(img, "handed to a worker")
				continue
			}
			fmt.Println(img, "resized inline")
		}
		close(busy)
		return nil
	}, nursery.Limit(2))
	fmt.Println("Run:", err)
	// Output:
	// a.png handed to a worker
	// b.png handed to a worker
	// c.png resized inline
	// Run: <nil>
}

// Search four shards for a key, and stop the others once one has it. That
// is success, not failure: Run returns nil.
func ExampleNursery_Cancel() {
	errFound := errors.New("found")
	var stopped atomic.Int32
	var hit string
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for shard := range 4 {
			n.Go(func(ctx context.Context) error {
				if shard == 2 {
					hit = "shard 2"
					n.Cancel(errFound)
					return nil
				}
				<-ctx.Done() // a long scan
				if context.Cause(ctx) == errFound {
					stopped.Add(1)
				}
				return context.Cause(ctx) // an echo: dropped
			})
		}
		return nil
	})
	fmt.Println("Run:", err)
	fmt.Println("hit in", hit)
	fmt.Println("other shards stopped:", stopped.Load())
	// Output:
	// Run: <nil>
	// hit in shard 2
	// other shards stopped: 3
}

// Thumbnail twenty photos, at most three at once.
func ExampleLimit() {
	var mu sync.Mutex
	running, peak := 0, 0
	thumbs := make([]string, 20)
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for i := range thumbs {
			// Go blocks while three tasks run.
			n.Go(func(ctx context.Context) error {
				mu.Lock()
				running++
				peak = max(peak, running)
				mu.Unlock()
				defer func() {
					mu.Lock()
					running--
					mu.Unlock()
				}()
				thumbs[i] = fmt.Sprintf("thumb-%02d", i)
				return nil
			})
		}
		return nil
	}, nursery.Limit(3))
	fmt.Println("Run:", err)
	fmt.Println("at most 3 at once:", peak <= 3)
	fmt.Println(thumbs[0], "...", thumbs[19])
	// Output:
	// Run: <nil>
	// at most 3 at once: true
	// thumb-00 ... thumb-19
}

// Send notifications one at a time while the caller goes on: up to three
// wait behind the one being sent without blocking Go. When a send fails,
// the ones still waiting are dropped.
func ExampleQueue() {
	start := make(chan struct{})
	var sent []string // written by one task at a time: Limit(1)
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for _, to := range []string{"ann", "bob", "cy", "dee"} {
			n.Go(func(ctx context.Context) error {
				<-start
				if to == "bob" {
					return errors.New("bob: mailbox full")
				}
				sent = append(sent, to)
				return nil
			})
		}
		fmt.Println("four notifications handed over; none sent yet")
		close(start)
		return nil
	}, nursery.Limit(1), nursery.Queue(3))
	fmt.Println("Run:", err)
	fmt.Println("sent:", sent)
	// Output:
	// four notifications handed over; none sent yet
	// Run: bob: mailbox full
	// sent: [ann]
}

// Check the health of every service: one failing check must not stop the
// others, and every failure is reported.
func ExampleSupervise() {
	checks := map[string]error{
		"api":   nil,
		"cache": errors.New("cache: connection refused"),
		"db":    errors.New("db: replica lag 40s"),
		"queue": nil,
	}
	var ran atomic.Int32
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for _, result := range checks {
			n.Go(func(ctx context.Context) error {
				ran.Add(1)
				return result
			})
		}
		return nil
	}, nursery.Supervise())
	fmt.Println("checks run:", ran.Load())
	// The failures come back joined, in the order they happened; sorted
	// here for a stable output.
	lines := strings.Split(err.Error(), "\n")
	slices.Sort(lines)
	for _, line := range lines {
		fmt.Println(line)
	}
	// Output:
	// checks run: 4
	// cache: connection refused
	// db: replica lag 40s
}

// A panic in a task reaches the caller as a *PanicError, once the other
// tasks have returned. A server can turn it into an error for one request
// with recover and errors.As, and keep the stack for its log.
func ExamplePanicError() {
	parseAll := func(records []string) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			var pe *nursery.PanicError
			if e, ok := r.(error); ok && errors.As(e, &pe) {
				// pe.Stack is the panicking task's stack, for the log.
				err = fmt.Errorf("parse: %v", pe.Value)
				return
			}
			panic(r)
		}()
		return nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			for _, rec := range records {
				n.Go(func(ctx context.Context) error {
					_ = rec[:4] // a bug: short records panic
					return nil
				})
			}
			return nil
		})
	}
	fmt.Println(parseAll([]string{"id=1", "id=22"}))
	fmt.Println(parseAll([]string{"id=1", "x"}))
	// Output:
	// <nil>
	// parse: runtime error: slice bounds out of range [:4] with length 1
}

// A named nursery labels its tasks' goroutines, so a goroutine profile
// (here printed at debug=1, as /debug/pprof/goroutine?debug=1 serves it)
// tells which scope each belongs to.
func ExampleName() {
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		started := make(chan struct{})
		n.Go(func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			return nil
		})
		<-started
		var profile bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&profile, 1)
		// The profile holds every goroutine of the program: print this
		// scope's. (A goroutine of a scope that has just closed may still
		// be on its way out, under its own label.)
		for line := range strings.Lines(profile.String()) {
			if strings.Contains(line, `"scope":"indexer"`) {
				fmt.Print(line)
			}
		}
		n.Cancel(nil)
		return nil
	}, nursery.Name("indexer"))
	// Output:
	// # labels: {"scope":"indexer"}
}

// A task that flushes a buffer to disk may need longer than the default
// grace period to finish after a sibling panics. Grace gives it that long;
// only a task still running after it makes the program crash.
func ExampleGrace() {
	flushed := false
	defer func() {
		pe := recover().(*nursery.PanicError)
		fmt.Println("recovered:", pe.Value)
		fmt.Println("flushed before the panic reached us:", flushed)
	}()
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		ready := make(chan struct{})
		n.Go(func(ctx context.Context) error {
			close(ready)
			<-ctx.Done()
			flushed = true // the flush, finishing after cancellation
			return nil
		})
		n.Go(func(ctx context.Context) error {
			<-ready
			panic("index corrupted")
		})
		return nil
	}, nursery.Grace(time.Minute))
	// Output:
	// recovered: index corrupted
	// flushed before the panic reached us: true
}
