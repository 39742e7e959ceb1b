package scopedotel_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	scopedotel "github.com/scoped-go/scoped/otel"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// A task's context carries its span, and the body's its scope's span, so
// that spans started with them nest under those.
func TestContextCarriesSpan(t *testing.T) {
	e := setup(t)
	tracer := e.tp.Tracer("test")
	var bodySpan, taskSpan trace.SpanContext
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		bodySpan = spanIn(ctx)
		_, s := tracer.Start(ctx, "body call")
		s.End()
		n.Go(nursery.Named("fetch", func(ctx context.Context) error {
			taskSpan = spanIn(ctx)
			_, s := tracer.Start(ctx, "db query")
			s.End()
			return nil
		}))
		return nil
	}, nursery.Name("scope"))
	spans := e.spans(t)
	scope, fetch := span(t, spans, "scope"), span(t, spans, "fetch")
	if bodySpan.SpanID() != scope.SpanContext().SpanID() {
		t.Errorf("the body's context carries span %v, want the scope's %v", bodySpan.SpanID(), scope.SpanContext().SpanID())
	}
	if taskSpan.SpanID() != fetch.SpanContext().SpanID() {
		t.Errorf("the task's context carries span %v, want its own %v", taskSpan.SpanID(), fetch.SpanContext().SpanID())
	}
	wantParent(t, span(t, spans, "body call"), scope)
	wantParent(t, span(t, spans, "db query"), fetch)
}

// A sampler records what it was asked.
type sampler struct {
	decision sdktrace.SamplingDecision
	mu       sync.Mutex
	asked    []string // "name kind=… task=… scope=…"
}

func (s *sampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	line := p.Name
	for _, kv := range p.Attributes {
		line += " " + string(kv.Key) + "=" + kv.Value.String()
	}
	s.mu.Lock()
	s.asked = append(s.asked, line)
	s.mu.Unlock()
	return sdktrace.SamplingResult{Decision: s.decision}
}

func (s *sampler) Description() string { return "recording sampler" }

// A sampler sees, when each span starts, its name and the scope's and
// task's names and the task's kind.
func TestSamplerSeesNames(t *testing.T) {
	smp := &sampler{decision: sdktrace.Drop}
	e := setup(t, sdktrace.WithSampler(smp))
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("fetch", func(ctx context.Context) error { return nil }))
		n.Background(func(ctx context.Context) error { return nil })
		n.Go(func(ctx context.Context) error { return nil })
		n.Go(func(ctx context.Context) error { return nil }) // the options the first made
		return nil
	}, nursery.Name("crawl"))
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(func(ctx context.Context) error { return nil })
		return nil
	})
	slices.Sort(smp.asked)
	want := []string{
		"background scoped.task.kind=background scoped.scope.name=crawl",
		"crawl scoped.scope.name=crawl",
		"fetch scoped.task.kind=go scoped.task.name=fetch scoped.scope.name=crawl",
		"go scoped.task.kind=go",
		"go scoped.task.kind=go scoped.scope.name=crawl",
		"go scoped.task.kind=go scoped.scope.name=crawl",
		"nursery",
	}
	if !slices.Equal(smp.asked, want) {
		t.Errorf("the sampler was asked\n\t%q\nwant\n\t%q", smp.asked, want)
	}
	if got := len(e.rec.Started()); got != 0 {
		t.Errorf("%d spans recorded with a sampler that drops all, want 0", got)
	}
}

// Without options, New takes the global providers as they are when it is
// called.
func TestGlobalProviders(t *testing.T) {
	rec1, rec2 := tracetest.NewSpanRecorder(), tracetest.NewSpanRecorder()
	tp1 := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec1))
	tp2 := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec2))
	otel.SetTracerProvider(tp1)
	defer otel.SetTracerProvider(tracenoop.NewTracerProvider())
	inst := scopedotel.New()
	otel.SetTracerProvider(tp2)
	remove := nursery.AddInstrument(inst)
	defer remove()
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error { return nil })
	if got := len(rec1.Ended()); got != 1 {
		t.Errorf("the provider global when New was called has %d spans, want 1", got)
	}
	if got := len(rec2.Ended()); got != 0 {
		t.Errorf("the provider set after New has %d spans, want 0", got)
	}
}

// Misuse panics at the call, with the package's name.
func TestMisuse(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"WithTracerProvider(nil)", func() { scopedotel.WithTracerProvider(nil) },
			"scopedotel: WithTracerProvider called with a nil TracerProvider"},
		{"WithMeterProvider(nil)", func() { scopedotel.WithMeterProvider(nil) },
			"scopedotel: WithMeterProvider called with a nil MeterProvider"},
		{"New(nil)", func() { scopedotel.New(nil) },
			"scopedotel: New called with a nil Option"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := catch(tc.call)
			if !got.panicked || got.value != tc.want {
				t.Errorf("%s: %+v, want a panic with %q", tc.name, got, tc.want)
			}
		})
	}
}
