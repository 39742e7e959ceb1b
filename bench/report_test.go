// Package bench measures scoped against its peers: each workload has its
// own file, with a benchmark family that runs every implementation in one
// run and a test that checks they all compute the same result.
//
// Sub-benchmarks are named Family/params/impl=NAME, so that
// `benchstat -col /impl` puts the implementations side by side. The bare
// floor is named "go" or "go.SOMETHING" (hand-written with the go
// statement), and errgroup "errgroup" or "errgroup.SOMETHING": cmd/ratios
// divides by those two.
package bench

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// An impl is one implementation of a workload.
type impl[R any] struct {
	name string
	// start prepares what the implementation keeps between runs (a pool,
	// for ants and pond, which are meant to be long-lived) and returns the
	// function to measure and the one that releases what start made.
	start func() (run func() R, stop func())
}

// plain is an impl that keeps nothing between runs.
func plain[R any](name string, run func() R) impl[R] {
	return impl[R]{name, func() (func() R, func()) { return run, func() {} }}
}

// benchImpls runs one sub-benchmark per implementation, each reporting
// per-unit figures for runs of items units each.
func benchImpls[R any](b *testing.B, params, unit string, items int, impls []impl[R]) {
	b.Helper()
	for _, im := range impls {
		b.Run(params+"/impl="+im.name, func(b *testing.B) {
			base := runtime.NumGoroutine() // before start: a pool's workers count
			run, stop := im.start()
			defer stop()
			reportPer(b, unit, items, base, func() { run() })
		})
	}
}

// sameResult checks that every implementation computes want.
func sameResult[R any](t *testing.T, params string, impls []impl[R], want R, equal func(a, b R) bool) {
	t.Helper()
	for _, im := range impls {
		run, stop := im.start()
		got := run()
		stop()
		if !equal(got, want) {
			t.Errorf("%s/impl=%s computed a different result", params, im.name)
		}
	}
}

// reportPer runs fn b.N times, each run handling items units (tasks or
// items), and reports per unit: time, bytes and allocations allocated, and
// the peak number of goroutines alive during one run beyond the base
// count. The goroutine peak is sampled in one extra, untimed run, by a
// goroutine that polls runtime.NumGoroutine: it sees the peak of tasks
// that block, and a lower bound for tiny tasks that end as they start.
func reportPer(b *testing.B, unit string, items, base int, fn func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() { // resets the timer at the start, stops it at the end
		fn()
	}
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(items)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/"+unit)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/"+unit)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/"+unit)
	peak := peakGoroutines(fn) - base
	b.ReportMetric(float64(max(peak, 0))/float64(items), "goroutines/"+unit)
}

// peakGoroutines runs fn once and returns the highest goroutine count seen
// while it ran, not counting the sampler itself.
func peakGoroutines(fn func()) int {
	var stop atomic.Bool
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			if g := int64(runtime.NumGoroutine()); g > peak.Load() {
				peak.Store(g)
			}
			runtime.Gosched()
		}
	}()
	fn()
	stop.Store(true)
	<-done
	return int(peak.Load()) - 1
}
