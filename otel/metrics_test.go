package scopedotel_test

import (
	"context"
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/scoped-go/scoped/nursery"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
)

// The counters, the up-down counter and the histogram read back through
// the SDK: by kind, and for the ended tasks by outcome. The body is not a
// task.
func TestMetrics(t *testing.T) {
	e := setup(t)
	blocked, release := make(chan struct{}), make(chan struct{})
	var during metricdata.ResourceMetrics
	got := catch(func() {
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error { close(blocked); <-release; return nil })
			<-blocked
			during = e.collect(t)
			close(release)
			n.Go(func(ctx context.Context) error { return nil })
			_, _ = nursery.Spawn(n, func(ctx context.Context) (int, error) { return 0, errDisk }).Await(ctx)
			n.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }) // an echo
			n.Background(func(ctx context.Context) error { runtime.Goexit(); return nil })
			return nil
		})
	})
	if !got.goexit {
		t.Errorf("Run: %+v, want a Goexit", got)
	}
	if got := sums(t, find(t, during, "scoped.task.running")); got["go"] != 1 || len(got) != 1 {
		t.Errorf("running while a task blocks = %v, want go:1", got)
	}
	if got := sums(t, find(t, during, "scoped.task.started")); got["go"] != 1 || len(got) != 1 {
		t.Errorf("started while a task blocks = %v, want go:1", got)
	}

	rm := e.collect(t)
	checkSums(t, rm, "scoped.task.started", map[string]int64{"go": 3, "spawn": 1, "background": 1})
	checkSums(t, rm, "scoped.task.ended", map[string]int64{
		"go/ok": 2, "go/echo": 1, "spawn/error": 1, "background/goexit": 1,
	})
	checkSums(t, rm, "scoped.task.running", map[string]int64{"go": 0, "spawn": 0, "background": 0})

	m := find(t, rm, "scoped.task.duration")
	if m.Unit != "s" {
		t.Errorf("duration unit %q, want s", m.Unit)
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("duration is a %T, want a float64 histogram", m.Data)
	}
	counts := map[string]int64{}
	for _, dp := range h.DataPoints {
		counts[key(dp.Attributes)] = int64(dp.Count)
		if dp.Sum < 0 {
			t.Errorf("duration %s: sum %v, want ≥ 0", key(dp.Attributes), dp.Sum)
		}
	}
	want := map[string]int64{"go/ok": 2, "go/echo": 1, "spawn/error": 1, "background/goexit": 1}
	if !sameMap(counts, want) {
		t.Errorf("duration counts %v, want %v", counts, want)
	}
}

// A panicking task is counted with the outcome panic.
func TestMetricsPanic(t *testing.T) {
	e := setup(t)
	got := catch(func() {
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(panicky)
			return nil
		})
	})
	if !got.panicked {
		t.Fatalf("Run: %+v, want a panic", got)
	}
	rm := e.collect(t)
	checkSums(t, rm, "scoped.task.ended", map[string]int64{"go/panic": 1})
	checkSums(t, rm, "scoped.task.running", map[string]int64{"go": 0})
}

func checkSums(t *testing.T, rm metricdata.ResourceMetrics, name string, want map[string]int64) {
	t.Helper()
	m := find(t, rm, name)
	if m.Unit != "{task}" {
		t.Errorf("%s: unit %q, want {task}", name, m.Unit)
	}
	if got := sums(t, m); !sameMap(got, want) {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

func sameMap(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A task's duration is recorded by the next collection, even while its
// scope is open and no other task starts.
func TestDurationRecordedByCollection(t *testing.T) {
	e := setup(t)
	synctest.Test(t, func(t *testing.T) {
		_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error { return nil })
			synctest.Wait() // the task has ended
			m := find(t, e.collect(t), "scoped.task.duration")
			h := m.Data.(metricdata.Histogram[float64])
			if len(h.DataPoints) != 1 || h.DataPoints[0].Count != 1 {
				t.Errorf("duration data points %+v, want one with count 1", h.DataPoints)
			}
			return nil
		})
	})
}

// Tasks that start tasks of their scope at once, while the metrics are
// collected: every task has a span of its own, a child of the scope's,
// and the counts and the durations read back add up.
func TestMetricsConcurrentSubmit(t *testing.T) {
	e := setup(t)
	const submitters, each = 4, 50
	done := make(chan struct{})
	collected := make(chan struct{})
	go func() { // collections race with the tasks
		defer close(collected)
		for {
			select {
			case <-done:
				return
			default:
				e.collect(t)
			}
		}
	}()
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for range submitters {
			n.Go(func(ctx context.Context) error {
				for range each {
					n.Go(func(ctx context.Context) error { return nil })
				}
				return nil
			})
		}
		return nil
	})
	close(done)
	<-collected

	spans := e.spans(t)
	scope := span(t, spans, "nursery")
	ids := make(map[trace.SpanID]bool)
	for _, s := range spans {
		if s.Name() != "go" {
			continue
		}
		wantParent(t, s, scope)
		if ids[s.SpanContext().SpanID()] {
			t.Errorf("span id %v twice", s.SpanContext().SpanID())
		}
		ids[s.SpanContext().SpanID()] = true
	}
	const tasks = submitters * (1 + each)
	if len(ids) != tasks {
		t.Errorf("%d task spans, want %d", len(ids), tasks)
	}
	rm := e.collect(t)
	checkSums(t, rm, "scoped.task.started", map[string]int64{"go": tasks})
	checkSums(t, rm, "scoped.task.ended", map[string]int64{"go/ok": tasks})
	checkSums(t, rm, "scoped.task.running", map[string]int64{"go": 0})
	h := find(t, rm, "scoped.task.duration").Data.(metricdata.Histogram[float64])
	var count uint64
	for _, dp := range h.DataPoints {
		count += dp.Count
	}
	if count != tasks {
		t.Errorf("%d durations recorded, want %d", count, tasks)
	}
}
