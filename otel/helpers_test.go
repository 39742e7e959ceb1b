package scopedotel_test

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	scopedotel "github.com/scoped-go/scoped/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// An env is the real SDK behind an added instrument: a tracer provider
// whose spans a recorder keeps, and a meter provider read by hand.
type env struct {
	rec    *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
}

// setup adds an instrument for the rest of the test, with a tracer that
// samples every span unless opts say otherwise. Instruments are
// process-wide: tests that call setup must not run in parallel.
func setup(t *testing.T, opts ...sdktrace.TracerProviderOption) *env {
	t.Helper()
	e := &env{rec: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	e.tp = sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(e.rec)}, opts...)...)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	remove := nursery.AddInstrument(scopedotel.New(
		scopedotel.WithTracerProvider(e.tp),
		scopedotel.WithMeterProvider(mp),
	))
	t.Cleanup(func() {
		remove()
		ctx := context.Background()
		if err := e.tp.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := mp.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return e
}

// spans returns the ended spans, after checking that every span started
// has ended.
func (e *env) spans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	started, ended := e.rec.Started(), e.rec.Ended()
	if len(started) != len(ended) {
		var open []string
		for _, s := range started {
			if s.EndTime().IsZero() {
				open = append(open, s.Name())
			}
		}
		t.Errorf("%d spans started, %d ended; not ended: %v", len(started), len(ended), open)
	}
	return ended
}

// span returns the one ended span named name.
func span(t *testing.T, spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %q, want 1 (spans: %v)", len(found), name, names(spans))
	}
	return found[0]
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var ns []string
	for _, s := range spans {
		ns = append(ns, s.Name())
	}
	slices.Sort(ns)
	return ns
}

// attr returns the value of the attribute key of s, and whether s has it.
func attr(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// wantAttr checks that s has the attribute key with the value want (a
// string, int or int64).
func wantAttr(t *testing.T, s sdktrace.ReadOnlySpan, key string, want any) {
	t.Helper()
	v, ok := attr(s, key)
	if !ok {
		t.Errorf("span %q has no attribute %s, want %v", s.Name(), key, want)
		return
	}
	var got any
	switch want.(type) {
	case string:
		got = v.AsString()
	case int:
		got = int(v.AsInt64())
	case int64:
		got = v.AsInt64()
	default:
		got = v.String()
	}
	if got != want {
		t.Errorf("span %q: %s = %v, want %v", s.Name(), key, got, want)
	}
}

func noAttr(t *testing.T, s sdktrace.ReadOnlySpan, key string) {
	t.Helper()
	if v, ok := attr(s, key); ok {
		t.Errorf("span %q has %s = %v, want none", s.Name(), key, v.String())
	}
}

// wantParent checks that child's parent is parent.
func wantParent(t *testing.T, child, parent sdktrace.ReadOnlySpan) {
	t.Helper()
	if got, want := child.Parent().SpanID(), parent.SpanContext().SpanID(); got != want {
		t.Errorf("span %q: parent %v, want %q (%v)", child.Name(), got, parent.Name(), want)
	}
	if got, want := child.SpanContext().TraceID(), parent.SpanContext().TraceID(); got != want {
		t.Errorf("span %q: trace %v, want %v", child.Name(), got, want)
	}
}

// wantSite checks the code.* attributes of s: the function that contains
// the call, this file, and line.
func wantSite(t *testing.T, s sdktrace.ReadOnlySpan, function string, line int) {
	t.Helper()
	wantAttr(t, s, "code.function.name", function)
	wantAttr(t, s, "code.line.number", line)
	if v, _ := attr(s, "code.file.path"); !strings.HasSuffix(v.AsString(), "/otel/tree_test.go") {
		t.Errorf("span %q: code.file.path = %q, want …/otel/tree_test.go", s.Name(), v.AsString())
	}
}

// here returns the line it is called from.
func here() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

// funcName returns the name of the function it is called from, as
// code.function.name gives it.
func funcName() string {
	pc, _, _, _ := runtime.Caller(1)
	return runtime.FuncForPC(pc).Name()
}

// collect reads the metrics.
func (e *env) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// find returns the metric named name.
func find(t *testing.T, rm metricdata.ResourceMetrics, name string) metricdata.Metrics {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return metricdata.Metrics{}
}

// sums returns the values of an int64 sum by their attributes, written
// as "kind/outcome" or "kind".
func sums(t *testing.T, m metricdata.Metrics) map[string]int64 {
	t.Helper()
	s, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("metric %s is a %T, want an int64 sum", m.Name, m.Data)
	}
	got := map[string]int64{}
	for _, dp := range s.DataPoints {
		got[key(dp.Attributes)] = dp.Value
	}
	return got
}

func key(set attribute.Set) string {
	kind, _ := set.Value("scoped.task.kind")
	k := kind.AsString()
	if o, ok := set.Value("scoped.task.outcome"); ok {
		k += "/" + o.AsString()
	}
	if set.Len() != 1 && set.Len() != 2 {
		k += "+" + set.Encoded(attribute.DefaultEncoder())
	}
	return k
}

// spanIn returns the span that ctx carries.
func spanIn(ctx context.Context) trace.SpanContext { return trace.SpanContextFromContext(ctx) }

// An outcome is how a call ended: it returned, it panicked with value, or
// its goroutine called runtime.Goexit.
type outcome struct {
	panicked bool
	value    any
	goexit   bool
}

// catch calls f in a goroutine of its own and reports how it ended.
func catch(f func()) outcome {
	done := make(chan outcome)
	go func() {
		o := outcome{goexit: true}
		defer func() { done <- o }()
		defer func() {
			if v := recover(); v != nil {
				o = outcome{panicked: true, value: v}
			}
		}()
		f()
		o = outcome{}
	}()
	return <-done
}
