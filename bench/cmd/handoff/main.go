// Command handoff measures what this machine charges to pass control from
// one goroutine to another, the floor under every limited workload in
// which a submitter must wait for a worker: a limit of 2 and tiny tasks
// make each task wait on at least one such handoff.
//
// It prints the time of one handoff in two ways, each the median of
// -rounds rounds of -n round trips:
//
//   - chan: two goroutines pass a token back and forth on unbuffered
//     channels, so that each handoff parks one goroutine and readies the
//     other (the scheduler's cost; with one processor, a goroutine switch);
//   - spin: two goroutines, each on a processor of its own, take turns
//     storing to one atomic word and spinning until the other has (the
//     cost of moving a cache line between two cores, with no scheduler).
//     It needs two processors and is left out with one.
//
// Usage:
//
//	go run ./cmd/handoff [-n 200000] [-rounds 5]
package main

import (
	"flag"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"
)

func main() {
	n := flag.Int("n", 200_000, "round trips per round")
	rounds := flag.Int("rounds", 5, "rounds")
	flag.Parse()
	if *n < 1 || *rounds < 1 {
		fmt.Println("handoff: -n and -rounds must be at least 1")
		return
	}
	fmt.Printf("GOMAXPROCS %d\n", runtime.GOMAXPROCS(0))
	report("chan", *rounds, func() time.Duration { return viaChan(*n) }, *n)
	if runtime.GOMAXPROCS(0) < 2 {
		fmt.Println("spin: left out, it needs two processors")
		return
	}
	report("spin", *rounds, func() time.Duration { return viaSpin(*n) }, *n)
}

// report prints the median time of one handoff (half a round trip).
func report(name string, rounds int, f func() time.Duration, n int) {
	ds := make([]time.Duration, rounds)
	for i := range ds {
		ds[i] = f()
	}
	slices.Sort(ds)
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(2*n) }
	fmt.Printf("%-5s %6.1f ns/handoff (rounds %.1f–%.1f)\n", name, per(ds[rounds/2]), per(ds[0]), per(ds[rounds-1]))
}

func viaChan(n int) time.Duration {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	start := time.Now()
	for i := range n {
		ping <- i
		<-pong
	}
	d := time.Since(start)
	close(ping)
	<-pong
	return d
}

func viaSpin(n int) time.Duration {
	var turn atomic.Int64 // even: main's turn to store; odd: the other's
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := int64(1); i < int64(2*n); i += 2 {
			for turn.Load() != i {
			}
			turn.Store(i + 1)
		}
	}()
	start := time.Now()
	for i := int64(0); i < int64(2*n); i += 2 {
		for turn.Load() != i {
		}
		turn.Store(i + 1)
	}
	d := time.Since(start)
	<-done
	return d
}
