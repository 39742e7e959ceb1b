package main

import (
	"bytes"
	"context"
	"iter"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/scoped-go/scoped/taskgroup"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRun runs the pipeline in a synctest bubble, where the calibrations'
// sleeps take no real time, and checks the output, which is the same
// whatever order the concurrent calibrations finish in.
func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), &out, 2_000); err != nil {
			t.Fatalf("run() = %v", err)
		}
		want := `first readings, in input order:
  #0 sensor-0 0.1
  #1 sensor-1 3.8
  #2 sensor-2 7.5
mean per sensor over 2000 readings:
  sensor-0 49.90
  sensor-1 50.00
  sensor-2 50.10
  sensor-3 50.20
first alarm: #27 sensor-3 100.0
read at most 8 lines past the alarm: true
`
		if got := out.String(); got != want {
			t.Errorf("output:\n%s\nwant:\n%s", got, want)
		}
	})
}

// TestMalformedLineEndsTheStream: a transform's failure cancels the calls
// in flight, is yielded after the results of the lines before it that were
// ready, in order, and ends the stream: nothing of the lines after it comes.
func TestMalformedLineEndsTheStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := func(yield func(string) bool) {
			for _, l := range []string{"0,sensor-0,10", "1,sensor-1,20", "oops", "3,sensor-3,40"} {
				if !yield(l) {
					return
				}
			}
		}
		var got []int
		var gotErr error
		after := 0 // yields after the error
		for r, err := range taskgroup.Stream(context.Background(), iter.Seq[string](in), transform, taskgroup.Limit(limit)) {
			if gotErr != nil {
				after++
			}
			if err != nil {
				gotErr = err
				continue
			}
			got = append(got, r.seq)
		}
		// "oops" fails at once, while #1 (and maybe #0) is still
		// calibrating: the ones in flight are canceled and yield nothing.
		if !slices.Equal(got, []int{0, 1}[:len(got)]) || gotErr == nil || after != 0 {
			t.Errorf("results %v, then error %v, then %d more yields; want a prefix of [0 1], then the malformed line's error, then nothing", got, gotErr, after)
		}
	})
}
