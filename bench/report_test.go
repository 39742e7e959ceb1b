// Package bench measures scoped against its peers: each workload has its
// own file, with a benchmark that runs every implementation in one run and
// a test that checks they all compute the same result.
package bench

import (
	"runtime"
	"testing"
)

// reportPerItem runs fn b.N times, each run handling items items, and
// reports the time and allocations per item.
func reportPerItem(b *testing.B, items int, fn func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		fn()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(items)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/item")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/item")
}
