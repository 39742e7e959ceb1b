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
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/scoped-go/scoped/bench/internal/results"
)

func main() {
	var workloads []*results.Workload
	var err error
	if len(os.Args) < 2 {
		if workloads, err = results.Read(os.Stdin, nil); err != nil {
			fail(err)
		}
	}
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fail(err)
		}
		workloads, err = results.Read(f, workloads)
		f.Close()
		if err != nil {
			fail(err)
		}
	}
	if len(workloads) == 0 {
		fail(fmt.Errorf("no benchmark named .../impl=NAME in the input"))
	}
	for _, w := range workloads {
		printWorkload(os.Stdout, w)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ratios:", err)
	os.Exit(1)
}

func printWorkload(out io.Writer, w *results.Workload) {
	eg, floor := w.Reference("errgroup"), w.Reference("go")
	times := w.TimeUnits()
	var others []string
	for _, u := range w.Units {
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

	fmt.Fprintf(out, "\n### %s\n\n", w.Name)
	fmt.Fprintf(out, "| %s |\n", strings.Join(header, " | "))
	fmt.Fprintf(out, "|%s\n", strings.Repeat("---:|", len(header)))
	for _, impl := range w.Impls {
		row := []string{impl}
		for _, u := range times {
			m, ok := w.Median(impl, u)
			row = append(row, format(m, ok))
			for _, ref := range []string{eg, floor} {
				if ref == "" {
					continue
				}
				r, rok := w.Median(ref, u)
				if ok && rok && r != 0 {
					row = append(row, fmt.Sprintf("%.2f", m/r))
				} else {
					row = append(row, "–")
				}
			}
		}
		for _, u := range others {
			row = append(row, format(w.Median(impl, u)))
		}
		row = append(row, strconv.Itoa(w.Count(impl)))
		fmt.Fprintf(out, "| %s |\n", strings.Join(row, " | "))
	}
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
