// Command pipeline runs a three-stage pipeline over a generated data set of
// sensor readings with taskgroup.Stream: read (a lazy iter.Seq of CSV
// lines), transform (parse and calibrate, concurrently, at most a few at a
// time) and aggregate (in the loop that ranges over the stream). It shows
// results in input order, in completion order with Unordered, and an early
// exit with break that cancels the work in flight.
package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scoped-go/scoped/taskgroup"
)

func main() {
	if err := run(context.Background(), os.Stdout, 2_000); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

// A reading is one parsed and calibrated line of the data set.
type reading struct {
	seq    int
	sensor string
	value  float64
}

const (
	sensors = 4
	alarm   = 99.0 // a calibrated value above this raises the alarm
	limit   = 8    // transforms running at once
)

// lines is the read stage: the data set, generated lazily, one CSV line
// "seq,sensor,raw" at a time. It counts the lines it has produced in read.
func lines(n int, read *atomic.Int64) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := range n {
			read.Add(1)
			raw := (i*37)%1000 + 1 // a deterministic sawtooth, 1 to 1000
			if !yield(fmt.Sprintf("%d,sensor-%d,%d", i, i%sensors, raw)) {
				return
			}
		}
	}
}

// transform is the middle stage: it parses a line and calibrates the raw
// value, which takes a little time, as a call to a service would.
func transform(ctx context.Context, line string) (reading, error) {
	f := strings.Split(line, ",")
	if len(f) != 3 {
		return reading{}, fmt.Errorf("malformed line %q", line)
	}
	seq, err1 := strconv.Atoi(f[0])
	raw, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return reading{}, fmt.Errorf("malformed line %q", line)
	}
	select {
	case <-time.After(time.Duration(seq%5) * time.Millisecond): // calibration
	case <-ctx.Done():
		return reading{}, ctx.Err()
	}
	return reading{seq: seq, sensor: f[1], value: float64(raw) / 10}, nil
}

func run(ctx context.Context, out io.Writer, n int) error {
	var read atomic.Int64

	// 1. In input order: the results come out as the lines went in, however
	// the calibrations overlap.
	fmt.Fprintln(out, "first readings, in input order:")
	for r, err := range taskgroup.Stream(ctx, lines(n, &read), transform, taskgroup.Limit(limit)) {
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  #%d %s %.1f\n", r.seq, r.sensor, r.value)
		if r.seq == 2 {
			break // ends the stream: the calibrations in flight are canceled and awaited
		}
	}

	// 2. In completion order: the aggregate does not care about order, so
	// Unordered lets a slow calibration hold nothing up.
	sum := map[string]float64{}
	count := 0
	for r, err := range taskgroup.Stream(ctx, lines(n, &read), transform,
		taskgroup.Limit(limit), taskgroup.Unordered()) {
		if err != nil {
			return err
		}
		sum[r.sensor] += r.value
		count++
	}
	fmt.Fprintf(out, "mean per sensor over %d readings:\n", count)
	for _, s := range slices.Sorted(maps.Keys(sum)) {
		fmt.Fprintf(out, "  %s %.2f\n", s, sum[s]/float64(count/sensors))
	}

	// 3. Early exit: stop at the first alarm. The stream pulls lines only
	// as there is room for them, so it stops reading soon after the alarm.
	read.Store(0)
	first := -1
	for r, err := range taskgroup.Stream(ctx, lines(n, &read), transform, taskgroup.Limit(limit)) {
		if err != nil {
			return err
		}
		if r.value > alarm {
			fmt.Fprintf(out, "first alarm: #%d %s %.1f\n", r.seq, r.sensor, r.value)
			first = r.seq
			break
		}
	}
	// Lines read: the alarm's, the ones before it, and at most limit more.
	fmt.Fprintf(out, "read at most %d lines past the alarm: %v\n", limit, read.Load() <= int64(first+1+limit))
	return nil
}
