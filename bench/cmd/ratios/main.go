// Command ratios summarizes a results file of the bench module's
// benchmarks (the raw output of go test -bench, several passes appended):
// for each workload, each implementation's median of every metric, and,
// for the time metrics, its ratio to errgroup and to the bare-goroutine
// floor, all from the same file.
//
// Benchmarks are named Family/params/impl=NAME. The floor is the
// implementation named "go" or "go.SOMETHING"; errgroup is "errgroup" or
// "errgroup.SOMETHING". It prints Markdown tables.
//
// Usage:
//
//	go run ./cmd/ratios results.txt...
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// A workload is one benchmark without its impl key: its implementations
// and metrics in the order first seen, and every sample.
type workload struct {
	name    string
	impls   []string
	units   []string
	samples map[string]map[string][]float64 // impl -> unit -> values
}

func main() {
	var workloads []*workload
	byName := map[string]*workload{}
	read := func(r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			name, impl, metrics, ok := parse(sc.Text())
			if !ok {
				continue
			}
			w := byName[name]
			if w == nil {
				w = &workload{name: name, samples: map[string]map[string][]float64{}}
				byName[name] = w
				workloads = append(workloads, w)
			}
			if w.samples[impl] == nil {
				w.samples[impl] = map[string][]float64{}
				w.impls = append(w.impls, impl)
			}
			for _, m := range metrics {
				if !slices.Contains(w.units, m.unit) {
					w.units = append(w.units, m.unit)
				}
				w.samples[impl][m.unit] = append(w.samples[impl][m.unit], m.value)
			}
		}
		return sc.Err()
	}
	if len(os.Args) < 2 {
		if err := read(os.Stdin); err != nil {
			fail(err)
		}
	}
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fail(err)
		}
		err = read(f)
		f.Close()
		if err != nil {
			fail(err)
		}
	}
	if len(workloads) == 0 {
		fail(fmt.Errorf("no benchmark named .../impl=NAME in the input"))
	}
	for _, w := range workloads {
		w.print(os.Stdout)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ratios:", err)
	os.Exit(1)
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

// timeUnits are the units whose ratios are printed: those of time, but
// ns/op when a finer one (ns/task, ns/item) says the same per unit.
func (w *workload) timeUnits() []string {
	var units []string
	for _, u := range w.units {
		if strings.HasPrefix(u, "ns") && u != "ns/op" {
			units = append(units, u)
		}
	}
	if len(units) == 0 && slices.Contains(w.units, "ns/op") {
		units = []string{"ns/op"}
	}
	return units
}

// reference returns the implementation named base or base.SOMETHING.
func (w *workload) reference(base string) string {
	for _, impl := range w.impls {
		if impl == base || strings.HasPrefix(impl, base+".") {
			return impl
		}
	}
	return ""
}

func (w *workload) median(impl, unit string) (float64, bool) {
	v := slices.Clone(w.samples[impl][unit])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

func (w *workload) print(out io.Writer) {
	eg, floor := w.reference("errgroup"), w.reference("go")
	times := w.timeUnits()
	var others []string
	for _, u := range w.units {
		if u != "ns/op" && !slices.Contains(times, u) {
			others = append(others, u)
		}
	}

	header := []string{"impl"}
	for _, u := range times {
		header = append(header, u)
		if eg != "" {
			header = append(header, "×"+eg)
		}
		if floor != "" {
			header = append(header, "×"+floor)
		}
	}
	header = append(header, others...)
	header = append(header, "n")

	fmt.Fprintf(out, "\n### %s\n\n", w.name)
	fmt.Fprintf(out, "| %s |\n", strings.Join(header, " | "))
	fmt.Fprintf(out, "|%s\n", strings.Repeat("---:|", len(header)))
	for _, impl := range w.impls {
		row := []string{impl}
		for _, u := range times {
			m, ok := w.median(impl, u)
			row = append(row, format(m, ok))
			for _, ref := range []string{eg, floor} {
				if ref == "" {
					continue
				}
				r, rok := w.median(ref, u)
				if ok && rok && r != 0 {
					row = append(row, fmt.Sprintf("%.2f", m/r))
				} else {
					row = append(row, "–")
				}
			}
		}
		for _, u := range others {
			row = append(row, format(w.median(impl, u)))
		}
		row = append(row, strconv.Itoa(w.count(impl)))
		fmt.Fprintf(out, "| %s |\n", strings.Join(row, " | "))
	}
}

// count is the number of samples of impl: of its most sampled metric.
func (w *workload) count(impl string) int {
	n := 0
	for _, v := range w.samples[impl] {
		n = max(n, len(v))
	}
	return n
}

func format(v float64, ok bool) string {
	switch {
	case !ok:
		return "–"
	case v == 0:
		return "0"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}
