package scopedotel_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/scoped-go/scoped/nursery"
	scopedotel "github.com/scoped-go/scoped/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkSpawn measures what the instrument costs per task: a nursery
// starts 1,000 tasks and waits for them, with no instrument (impl=nursery),
// with an instrument that does nothing (nop-instrument: what nursery
// itself pays to report to any instrument), with the instrument and an SDK tracer that samples nothing
// (otel-unsampled), and with one that records every span (otel-recorded;
// each span handed to a processor that drops it, so that no exporter is
// measured). The meter is the default one, which does nothing, or with
// "+metrics" an SDK meter provider. Each reports ns/task and allocs/task;
// run them in one invocation and compare ratios (docs/tracing.md).
//
// The tasks are of two shapes: task=tiny does a few nanoseconds of
// arithmetic, the worst case for the instrument; task=stack also calls a
// function with a few kilobytes of stack, as a task that does real work
// does, so that its goroutine grows its first stack, with or without the
// instrument, before the task ends.
func BenchmarkSpawn(b *testing.B) {
	const size = 1_000
	ctx := context.Background()
	for _, shape := range []struct {
		name string
		task func(context.Context) error
	}{
		{"tiny", task},
		{"stack", stackTask},
	} {
		spawn := func() {
			_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				for range size {
					n.Go(shape.task)
				}
				return nil
			})
		}
		for _, tc := range []struct {
			name    string
			sampler sdktrace.Sampler // nil: no instrument, or nop
			metrics bool
			nop     bool
		}{
			{"impl=nursery", nil, false, false},
			{"impl=nop-instrument", nil, false, true},
			{"impl=otel-unsampled", sdktrace.NeverSample(), false, false},
			{"impl=otel-unsampled+metrics", sdktrace.NeverSample(), true, false},
			{"impl=otel-recorded+metrics", sdktrace.AlwaysSample(), true, false},
		} {
			b.Run(fmt.Sprintf("n=%d/task=%s/%s", size, shape.name, tc.name), func(b *testing.B) {
				if tc.nop {
					defer nursery.AddInstrument(nop{})()
				}
				if tc.sampler != nil {
					tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(tc.sampler), sdktrace.WithSpanProcessor(discard{}))
					defer func() { _ = tp.Shutdown(ctx) }()
					opts := []scopedotel.Option{scopedotel.WithTracerProvider(tp)}
					if tc.metrics {
						mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
						defer func() { _ = mp.Shutdown(ctx) }()
						opts = append(opts, scopedotel.WithMeterProvider(mp))
					}
					defer nursery.AddInstrument(scopedotel.New(opts...))()
				}
				measure(b, size, spawn)
			})
		}
	}
}

// task is the task every run starts: a few nanoseconds of arithmetic.
func task(ctx context.Context) error {
	x := workSeed
	for i := 0; i < 8; i++ {
		x = x*31 + i
	}
	if x == 0 {
		return errDisk
	}
	return nil
}

// stackTask is task with a call that uses 4 KB of stack.
func stackTask(ctx context.Context) error {
	if deep(workSeed) == 0 {
		return errDisk
	}
	return task(ctx)
}

// deep uses 4 KB of stack.
//
//go:noinline
func deep(seed int) byte {
	var buf [4096]byte
	for i := range buf {
		buf[i] = byte(seed + i)
	}
	return buf[seed%len(buf)] | 1
}

// workSeed is a variable so that the compiler cannot compute task's work.
var workSeed = 1

// measure runs fn b.N times and reports per-task time and allocations.
func measure(b *testing.B, tasks int, fn func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		fn()
	}
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(tasks)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/task")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/task")
}

// discard is a span processor that drops every span: what a recording
// tracer costs without an exporter's share.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discard) Shutdown(context.Context) error                  { return nil }
func (discard) ForceFlush(context.Context) error                { return nil }

// nop is an instrument that does nothing.
type nop struct{}

func (nop) ScopeOpened(ctx context.Context, _ string, _ uintptr) (context.Context, any) {
	return ctx, nil
}
func (nop) ScopeCanceled(any, error)                               {}
func (nop) ScopeClosed(any, error)                                 {}
func (nop) TaskSubmitted(any, string, string, uintptr) any         { return nil }
func (nop) TaskWaiting(any)                                        {}
func (nop) TaskStarted(ctx context.Context, _ any) context.Context { return ctx }
func (nop) TaskEnded(any, error, bool)                             {}
func (nop) TaskDropped(any, error)                                 {}

// BenchmarkSpawnRatio measures the instrument's cost as BenchmarkSpawn
// does (1,000 tiny tasks a run), but with the three rows alternated run by
// run, in a rotating order, within each iteration: no instrument, an
// instrument that does nothing, and the instrument with an SDK tracer that
// samples nothing. On a shared machine the separate sub-benchmarks of
// BenchmarkSpawn drift apart by tens of percent; alternating every run,
// the ratios of the median run times hold within a few percent. It
// reports them as nop/none and unsampled/none.
func BenchmarkSpawnRatio(b *testing.B) {
	const size = 1_000
	ctx := context.Background()
	spawn := func() {
		_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
			for range size {
				n.Go(task)
			}
			return nil
		})
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(discard{}))
	defer func() { _ = tp.Shutdown(ctx) }()
	rows := []nursery.Instrument{nil, nop{}, scopedotel.New(scopedotel.WithTracerProvider(tp))}
	times := make([][]float64, len(rows))
	i := 0
	for b.Loop() {
		for k := range rows {
			k := (k + i) % len(rows)
			remove := func() {}
			if rows[k] != nil {
				remove = nursery.AddInstrument(rows[k])
			}
			start := time.Now()
			spawn()
			times[k] = append(times[k], float64(time.Since(start).Nanoseconds()))
			remove()
		}
		i++
	}
	none := median(times[0])
	b.ReportMetric(none/size, "ns/task-none")
	b.ReportMetric(median(times[1])/none, "nop/none")
	b.ReportMetric(median(times[2])/none, "unsampled/none")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
