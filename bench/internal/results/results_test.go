package results_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scoped-go/scoped/bench/internal/results"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const sample = `goos: linux
BenchmarkBounded/n=1000/limit=2/impl=errgroup-2     100   800000 ns/op   800 ns/task   48.0 B/task
BenchmarkBounded/n=1000/limit=2/impl=nursery-2      100   400000 ns/op   400 ns/task   24.0 B/task
BenchmarkBounded/n=1000/limit=2/impl=errgroup-2     100   900000 ns/op   900 ns/task   48.0 B/task
BenchmarkBounded/n=1000/limit=2/impl=nursery-2      100   500000 ns/op   500 ns/task   24.0 B/task
BenchmarkBounded/n=1000/limit=2/impl=nursery-2      100   600000 ns/op   600 ns/task   24.0 B/task
BenchmarkStream/n=10/impl=go.pipeline/extra-2       100   1000 ns/op
PASS
`

func ExampleRead() {
	ws, err := results.Read(strings.NewReader(sample), nil)
	if err != nil {
		panic(err)
	}
	w := ws[0]
	eg := w.Reference("errgroup")
	m, _ := w.Median("nursery", "ns/task")
	r, _ := w.Ratio("nursery", eg, "ns/task")
	fmt.Println(w.Name, w.Impls, w.TimeUnits())
	fmt.Printf("nursery: median %.0f ns/task, %.2fx %s\n", m, r, eg)
	// Output:
	// Bounded/n=1000/limit=2 [errgroup nursery] [ns/task]
	// nursery: median 500 ns/task, 0.59x errgroup
}

func TestRead(t *testing.T) {
	ws, err := results.Read(strings.NewReader(sample), nil)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(ws) != 2 {
		t.Fatalf("Read found %d workloads, want 2", len(ws))
	}
	b, s := ws[0], ws[1]
	if got := b.Count("nursery"); got != 3 {
		t.Errorf("Count(nursery) = %d, want 3", got)
	}
	if got, _ := b.Median("errgroup", "ns/task"); got != 850 {
		t.Errorf("Median(errgroup) = %v, want 850 (the mean of the middle two)", got)
	}
	if _, ok := b.Median("conc", "ns/task"); ok {
		t.Errorf("Median of a missing impl reported ok")
	}
	if s.Name != "Stream/n=10" || !slices.Equal(s.Impls, []string{"go.pipeline"}) {
		t.Errorf("second workload = %s %v, want Stream/n=10 [go.pipeline]", s.Name, s.Impls)
	}
	if got := s.Reference("go"); got != "go.pipeline" {
		t.Errorf("Reference(go) = %q, want go.pipeline", got)
	}
	if got := s.TimeUnits(); !slices.Equal(got, []string{"ns/op"}) {
		t.Errorf("TimeUnits() = %v, want [ns/op] when no finer unit is reported", got)
	}
	// A second file adds to the same workloads.
	ws, err = results.Read(strings.NewReader(sample), ws)
	if err != nil || len(ws) != 2 || ws[0].Count("nursery") != 6 {
		t.Errorf("reading twice: %d workloads, %d nursery samples, %v; want 2, 6, nil", len(ws), ws[0].Count("nursery"), err)
	}
}
