// Package results reads a results file of the bench module's benchmarks
// (the raw output of go test -bench, several passes appended) into
// workloads: for each benchmark without its impl key, every sample of
// every metric of every implementation. cmd/ratios and cmd/chart read the
// same file through it.
package results

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// A Workload is one benchmark without its impl key: its implementations
// and metrics in the order first seen, and every sample.
type Workload struct {
	Name    string
	Impls   []string
	Units   []string
	Samples map[string]map[string][]float64 // impl -> unit -> values
}

// Read parses the results in r, adding to the workloads already in ws, and
// returns the workloads in the order first seen. Lines that are not
// results of a benchmark named Family/params/impl=NAME are skipped.
func Read(r io.Reader, ws []*Workload) ([]*Workload, error) {
	byName := map[string]*Workload{}
	for _, w := range ws {
		byName[w.Name] = w
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, impl, metrics, ok := parse(sc.Text())
		if !ok {
			continue
		}
		w := byName[name]
		if w == nil {
			w = &Workload{Name: name, Samples: map[string]map[string][]float64{}}
			byName[name] = w
			ws = append(ws, w)
		}
		if w.Samples[impl] == nil {
			w.Samples[impl] = map[string][]float64{}
			w.Impls = append(w.Impls, impl)
		}
		for _, m := range metrics {
			if !slices.Contains(w.Units, m.unit) {
				w.Units = append(w.Units, m.unit)
			}
			w.Samples[impl][m.unit] = append(w.Samples[impl][m.unit], m.value)
		}
	}
	if err := sc.Err(); err != nil {
		return ws, fmt.Errorf("reading results: %w", err)
	}
	return ws, nil
}

type metric struct {
	value float64
	unit  string
}

// parse reads a benchmark result line: BenchmarkName/params/impl=NAME-P,
// the iteration count, then value-unit pairs.
func parse(line string) (name, impl string, metrics []metric, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return "", "", nil, false
	}
	full := strings.TrimPrefix(f[0], "Benchmark")
	if i := strings.LastIndexByte(full, '-'); i > 0 {
		if _, err := strconv.Atoi(full[i+1:]); err == nil {
			full = full[:i] // the GOMAXPROCS suffix
		}
	}
	name, impl, ok = strings.Cut(full, "/impl=")
	if !ok {
		return "", "", nil, false
	}
	if rest, _, more := strings.Cut(impl, "/"); more {
		impl = rest
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", "", nil, false
		}
		metrics = append(metrics, metric{v, f[i+1]})
	}
	return name, impl, metrics, true
}

// TimeUnits returns the units whose ratios are reported: those of time,
// but ns/op only when no finer one (ns/task, ns/item) says the same per
// unit.
func (w *Workload) TimeUnits() []string {
	var units []string
	for _, u := range w.Units {
		if strings.HasPrefix(u, "ns") && u != "ns/op" {
			units = append(units, u)
		}
	}
	if len(units) == 0 && slices.Contains(w.Units, "ns/op") {
		units = []string{"ns/op"}
	}
	return units
}

// Reference returns the implementation named base or base.SOMETHING, or
// "" if there is none.
func (w *Workload) Reference(base string) string {
	for _, impl := range w.Impls {
		if impl == base || strings.HasPrefix(impl, base+".") {
			return impl
		}
	}
	return ""
}

// Median returns the median of impl's samples of unit.
func (w *Workload) Median(impl, unit string) (float64, bool) {
	v := slices.Clone(w.Samples[impl][unit])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// Ratio returns the median of impl over the median of ref, for unit.
func (w *Workload) Ratio(impl, ref, unit string) (float64, bool) {
	m, ok := w.Median(impl, unit)
	r, rok := w.Median(ref, unit)
	if !ok || !rok || r == 0 {
		return 0, false
	}
	return m / r, true
}

// Count is the number of samples of impl: of its most sampled metric.
func (w *Workload) Count(impl string) int {
	n := 0
	for _, v := range w.Samples[impl] {
		n = max(n, len(v))
	}
	return n
}
