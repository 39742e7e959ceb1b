// Command blockedmem measures the memory each implementation holds per
// blocked task: it starts n tasks that block on a channel, waits until all
// of them are blocked, collects garbage, and compares the goroutine stacks
// and the live heap with what they were before the tasks started.
//
// Each implementation is measured in a fresh process of its own, so that
// none inherits another's heap or the runtime's stack-size estimate
// (the runtime sizes new goroutine stacks from the average it saw at the
// last collection).
//
// Usage:
//
//	go run ./cmd/blockedmem [-n 100000]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// An impl starts n copies of task and returns once all have returned.
type impl struct {
	name string
	run  func(n int, task func())
}

var impls = []impl{
	{"go", func(n int, task func()) {
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() { defer wg.Done(); task() }()
		}
		wg.Wait()
	}},
	{"errgroup", func(n int, task func()) {
		var g errgroup.Group
		for range n {
			g.Go(func() error { task(); return nil })
		}
		_ = g.Wait()
	}},
	{"conc.pool", func(n int, task func()) {
		p := pool.New()
		for range n {
			p.Go(task)
		}
		p.Wait()
	}},
	{"ants", func(n int, task func()) {
		p, err := ants.NewPool(0)
		if err != nil {
			panic(err)
		}
		defer p.Release()
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			if err := p.Submit(func() { defer wg.Done(); task() }); err != nil {
				panic(err)
			}
		}
		wg.Wait()
	}},
	{"pond", func(n int, task func()) {
		p := pond.NewPool(0)
		defer p.StopAndWait()
		g := p.NewGroup()
		for range n {
			g.Submit(task)
		}
		_ = g.Wait()
	}},
	{"nursery", func(n int, task func()) {
		_ = nursery.Run(context.Background(), func(_ context.Context, nu *nursery.Nursery) error {
			for range n {
				nu.Go(func(context.Context) error { task(); return nil })
			}
			return nil
		})
	}},
	{"taskgroup.Group", func(n int, task func()) {
		var g taskgroup.Group
		for range n {
			g.Go(func() error { task(); return nil })
		}
		_ = g.Wait()
	}},
}

// usage is what one implementation holds per blocked task, in bytes.
type usage struct {
	stack, heap, goroutines float64
}

func measure(im impl, n int) usage {
	var blocked atomic.Int64
	release := make(chan struct{})
	task := func() {
		blocked.Add(1)
		<-release
	}
	var before, during runtime.MemStats
	settle()
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()

	done := make(chan struct{})
	go func() {
		defer close(done)
		im.run(n, task)
	}()
	for blocked.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	settle()
	runtime.ReadMemStats(&during)
	g := runtime.NumGoroutine() - g0

	close(release)
	<-done
	per := func(after, before uint64) float64 { return (float64(after) - float64(before)) / float64(n) }
	return usage{
		stack:      per(during.StackInuse, before.StackInuse),
		heap:       per(during.HeapAlloc, before.HeapAlloc),
		goroutines: float64(g) / float64(n),
	}
}

// settle collects garbage until the heap stops shrinking.
func settle() {
	runtime.GC()
	runtime.GC()
}

func main() {
	n := flag.Int("n", 100_000, "blocked tasks per implementation")
	one := flag.String("impl", "", "measure this implementation only, and print its figures as one line")
	flag.Parse()
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "blockedmem: -n must be at least 1")
		os.Exit(2)
	}
	if *one != "" {
		for _, im := range impls {
			if im.name == *one {
				u := measure(im, *n)
				fmt.Println(u.stack, u.heap, u.goroutines)
				return
			}
		}
		fmt.Fprintf(os.Stderr, "blockedmem: no implementation %q\n", *one)
		os.Exit(2)
	}

	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "blockedmem:", err)
		os.Exit(1)
	}
	fmt.Printf("memory per blocked task, n=%d, %s, GOMAXPROCS=%d\n\n", *n, runtime.Version(), runtime.GOMAXPROCS(0))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "impl\tstack B/task\theap B/task\ttotal B/task\tvs go\tgoroutines/task\t")
	var floor float64
	for i, im := range impls {
		out, err := exec.Command(self, "-n", strconv.Itoa(*n), "-impl", im.name).Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "blockedmem: measuring %s: %v\n", im.name, err)
			os.Exit(1)
		}
		var u usage
		f := strings.Fields(string(out))
		if len(f) != 3 {
			fmt.Fprintf(os.Stderr, "blockedmem: measuring %s: unexpected output %q\n", im.name, out)
			os.Exit(1)
		}
		for j, p := range []*float64{&u.stack, &u.heap, &u.goroutines} {
			if *p, err = strconv.ParseFloat(f[j], 64); err != nil {
				fmt.Fprintf(os.Stderr, "blockedmem: measuring %s: %v\n", im.name, err)
				os.Exit(1)
			}
		}
		total := u.stack + u.heap
		if i == 0 {
			floor = total
		}
		fmt.Fprintf(w, "%s\t%.0f\t%.0f\t%.0f\t%+.0f\t%.2f\t\n", im.name, u.stack, u.heap, total, total-floor, u.goroutines)
	}
	w.Flush()
}
