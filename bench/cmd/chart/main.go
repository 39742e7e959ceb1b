// Command chart draws the ratios of a results file of the bench module's
// benchmarks (the file bench/run writes) as an SVG bar chart: for each
// workload and each of scoped's implementations (nursery..., taskgroup...),
// its median time over errgroup's median from the same file, or over the
// bare-goroutine floor's where the workload has no errgroup row. A bar
// left of the line at 1 is faster than the reference.
//
// Usage:
//
//	go run ./cmd/chart -o ratios.svg results.txt...
package main

import (
	"flag"
	"fmt"
	"image/color"
	"os"
	"strings"

	"github.com/scoped-go/scoped/bench/internal/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func main() {
	out := flag.String("o", "ratios.svg", "the SVG file to write")
	title := flag.String("title", "scoped's time over errgroup's (or over the bare floor's), medians of one run", "the chart's title")
	flag.Parse()
	if flag.NArg() == 0 {
		fail(fmt.Errorf("no results file given (usage: chart [-o out.svg] FILE...)"))
	}
	var ws []*results.Workload
	for _, path := range flag.Args() {
		f, err := os.Open(path)
		if err != nil {
			fail(err)
		}
		ws, err = results.Read(f, ws)
		f.Close()
		if err != nil {
			fail(err)
		}
	}
	bars := ratios(ws)
	if len(bars) == 0 {
		fail(fmt.Errorf("no ratio of a nursery or taskgroup implementation in the input"))
	}
	if err := drawBars(bars, *title, *out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chart:", err)
	os.Exit(1)
}

// A bar is one ratio: label names the workload, the implementation and
// the reference.
type bar struct {
	label string
	ratio float64
}

// ratios returns the bars in the order of the workloads, then of the
// implementations, as the results file has them.
func ratios(ws []*results.Workload) []bar {
	var bars []bar
	for _, w := range ws {
		ref := w.Reference("errgroup")
		if ref == "" {
			ref = w.Reference("go")
		}
		if ref == "" {
			continue
		}
		units := w.TimeUnits()
		for _, impl := range w.Impls {
			if !strings.HasPrefix(impl, "nursery") && !strings.HasPrefix(impl, "taskgroup") {
				continue
			}
			for _, u := range units {
				r, ok := w.Ratio(impl, ref, u)
				if !ok {
					continue
				}
				label := fmt.Sprintf("%s  %s ÷ %s", w.Name, impl, ref)
				if len(units) > 1 {
					label = fmt.Sprintf("%s (%s)  %s ÷ %s", w.Name, u, impl, ref)
				}
				bars = append(bars, bar{label, r})
			}
		}
	}
	return bars
}

// drawBars draws the bars, top to bottom in order, to path.
func drawBars(bars []bar, title, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time ratio (lower is faster; 1 = the reference)"
	p.X.Min = 0

	// Two series, so that bars at or below 1 and above 1 differ in color;
	// each bar is in one and zero in the other. Plotted bottom-up, so the
	// first bar is reversed to the top.
	n := len(bars)
	faster, slower := make(plotter.Values, n), make(plotter.Values, n)
	labels := make([]string, n)
	maxRatio := 1.0
	for i, b := range bars {
		y := n - 1 - i
		labels[y] = b.label
		if b.ratio <= 1 {
			faster[y] = b.ratio
		} else {
			slower[y] = b.ratio
		}
		maxRatio = max(maxRatio, b.ratio)
	}
	width := vg.Points(9)
	for _, s := range []struct {
		values plotter.Values
		color  color.Color
		name   string
	}{
		{faster, color.RGBA{R: 0x2b, G: 0x8c, B: 0x4e, A: 0xff}, "at most the reference"},
		{slower, color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}, "slower than the reference"},
	} {
		bc, err := plotter.NewBarChart(s.values, width)
		if err != nil {
			return err
		}
		bc.Horizontal = true
		bc.Color = s.color
		bc.LineStyle.Width = 0
		p.Add(bc)
		p.Legend.Add(s.name, bc)
	}
	one, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(n) - 0.5}})
	if err != nil {
		return err
	}
	one.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(one)
	p.NominalY(labels...)
	p.X.Max = maxRatio * 1.4 // room for the legend, right of the bars
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = false

	h := vg.Points(float64(n)*13 + 90)
	return p.Save(10*vg.Inch, h, path)
}
