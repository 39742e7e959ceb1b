// Command spawnratio measures the Spawn workload's ratios, nursery and
// errgroup over bare go statements, with the implementations alternated
// run by run in one process: each run starts n tiny tasks and waits for
// them, as BenchmarkSpawn does, and the implementations take turns, in a
// rotating order, so that a shared machine's drift hits all of them
// alike. It prints each implementation's median time per task over the
// runs and its ratio to the first implementation's median; the spread of
// the ratio over -rounds repetitions of the whole is printed too.
//
// With -limit L it measures the Bounded workload instead, ratios over
// errgroup.SetLimit(L): the nursery with Limit(L), and with Queue(16)
// behind it. With -tree it measures the Tree workload, ratios over
// errgroup: a tree of nested scopes, depth 4 and fanout 8 (4680 tasks a
// run, so -n is ignored), opened with errgroup.WithContext, nursery.Run,
// taskgroup.WithContext, and WaitGroups and go statements.
//
// The bench module's benchmarks run each implementation for a whole
// -benchtime in turn, and their per-pass ratios spread by ±20–50% on a
// shared machine; alternating every run brings the spread of the ratio to
// a few percent, enough to tell the Spawn target's 5% apart.
//
// Usage:
//
//	go run ./cmd/spawnratio [-n 1000] [-runs 1500] [-rounds 5] [-limit L | -tree]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/scoped-go/scoped/bench/internal/work"
	"github.com/scoped-go/scoped/nursery"
)

func main() {
	n := flag.Int("n", 1000, "tasks per run")
	runs := flag.Int("runs", 1500, "runs of each implementation per round")
	rounds := flag.Int("rounds", 5, "rounds")
	limit := flag.Int("limit", 0, "measure the Bounded workload with this limit, over errgroup.SetLimit")
	tree := flag.Bool("tree", false, "measure the Tree workload, over errgroup")
	flag.Parse()
	if *tree && *limit > 0 {
		fmt.Fprintln(os.Stderr, "spawnratio: -tree and -limit measure different workloads: give one")
		os.Exit(2)
	}

	ctx := context.Background()
	type impl struct {
		name string
		f    func(n int) int64
	}
	impls := []impl{{"go", func(n int) int64 { return work.Go(n, 0) }}, {"errgroup", func(n int) int64 { return work.Errgroup(n, 0) }}, {"nursery", func(n int) int64 { return work.Nursery(ctx, n) }}}
	if l := *limit; l > 0 {
		impls = []impl{
			{"errgroup", func(n int) int64 { return work.Errgroup(n, l) }},
			{"nursery", func(n int) int64 { return work.Nursery(ctx, n, nursery.Limit(l)) }},
			{"nursery.Queue16", func(n int) int64 { return work.Nursery(ctx, n, nursery.Limit(l), nursery.Queue(16)) }},
		}
	}
	want := work.Go(*n, 0)
	if *tree {
		const depth, fanout = 4, 8
		*n = 0
		for level, k := 1, 0; k < depth; k++ {
			level *= fanout
			*n += level
		}
		impls = []impl{
			{"errgroup", func(int) int64 { return work.TreeErrgroup(depth, fanout) }},
			{"nursery", func(int) int64 { return work.TreeNursery(depth, fanout) }},
			{"taskgroup.Group", func(int) int64 { return work.TreeGroup(depth, fanout) }},
			{"go", func(int) int64 { return work.TreeGo(depth, fanout) }},
		}
		want = work.TreeGo(depth, fanout)
	}
	ratios := make([][]float64, len(impls))
	for range *rounds {
		times := make([][]float64, len(impls))
		for r := range *runs {
			for k := range impls {
				k := (k + r) % len(impls)
				start := time.Now()
				got := impls[k].f(*n)
				times[k] = append(times[k], float64(time.Since(start).Nanoseconds())/float64(*n))
				if got != want {
					panic(fmt.Sprintf("spawnratio: %s computed %d, want %d", impls[k].name, got, want))
				}
			}
		}
		base := median(times[0])
		for k, im := range impls {
			m := median(times[k])
			ratios[k] = append(ratios[k], m/base)
			fmt.Printf("%-15s %7.1f ns/task  ×%s %.3f\n", im.name, m, impls[0].name, m/base)
		}
		fmt.Println()
	}
	for k, im := range impls[1:] {
		rs := ratios[k+1]
		slices.Sort(rs)
		fmt.Printf("%s ×%s over %d rounds: median %.3f, range %.3f–%.3f\n", im.name, impls[0].name, len(rs), rs[len(rs)/2], rs[0], rs[len(rs)-1])
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
