// Command spawncpu measures, in CPU time rather than wall time, what a
// nursery task costs next to a bare go statement, and what tracking
// (inspect.Track) costs next to none: on a shared machine the process's
// CPU time (getrusage) is far less disturbed by other processes than the
// wall clock is.
//
// Each round runs the three workloads (bare go, a nursery, a tracked
// nursery) one after another, each `-runs` times over `-n` tiny tasks, and
// takes the ratios within the round; the command prints the median and the
// quartiles of the ratios over the rounds.
//
// Usage:
//
//	go run ./cmd/spawncpu [-n 1000] [-runs 300] [-rounds 25]
package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

func main() {
	n := flag.Int("n", 1000, "tasks per run")
	runs := flag.Int("runs", 300, "runs per workload per round")
	rounds := flag.Int("rounds", 25, "rounds")
	flag.Parse()

	var spawn, track []float64
	for range *rounds {
		bare := perTask(*n, *runs, bareGo)
		off := perTask(*n, *runs, inNursery)
		stop := inspect.Track()
		on := perTask(*n, *runs, inNursery)
		stop()
		off2 := perTask(*n, *runs, inNursery)
		spawn = append(spawn, (off+off2)/2/bare)
		track = append(track, on/((off+off2)/2))
	}
	fmt.Printf("CPU time per task, nursery / bare go:       %s\n", quartiles(spawn))
	fmt.Printf("CPU time per task, tracking on / tracking off: %s\n", quartiles(track))
}

// cpu returns the CPU time the process has used.
func cpu() time.Duration {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// perTask runs workload runs times over n tasks and returns the CPU time
// per task, in nanoseconds.
func perTask(n, runs int, workload func(n int)) float64 {
	start := cpu()
	for range runs {
		workload(n)
	}
	return float64(cpu()-start) / float64(n*runs)
}

// tiny is a task's work: a few nanoseconds of arithmetic.
func tiny(ctx context.Context) error {
	x := 0
	for k := range 8 {
		x = x*31 + k
	}
	if x == -1 { // never: keeps the work from being optimized away
		return context.Canceled
	}
	return nil
}

func bareGo(n int) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = tiny(ctx)
		}()
	}
	wg.Wait()
}

func inNursery(n int) {
	_ = nursery.Run(context.Background(), func(ctx context.Context, nu *nursery.Nursery) error {
		for range n {
			nu.Go(tiny)
		}
		return nil
	})
}

func quartiles(xs []float64) string {
	slices.Sort(xs)
	return fmt.Sprintf("median x%.3f (quartiles %.3f-%.3f, %d rounds)", xs[len(xs)/2], xs[len(xs)/4], xs[3*len(xs)/4], len(xs))
}
