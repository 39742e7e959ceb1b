// Package scopedotel shows the scopes and tasks of package nursery in
// OpenTelemetry: each scope as a span, each task as a child span of its
// scope's span, and counters and a histogram of tasks.
//
// Add the instrument once, when the service starts, after the OpenTelemetry
// SDK is set up:
//
//	remove := nursery.AddInstrument(scopedotel.New())
//	defer remove()
//
// From then on, every [nursery.Run] (and every taskgroup call, which opens
// a nursery) starts a span named after the scope ([nursery.Name], else
// "nursery"), a child of the span in Run's context, or the root of a new
// trace if that context has none. Every task of the scope starts a span,
// a child of the scope's span, named after the task ([nursery.Named], else
// its kind: "go", "trygo", "start", "background" or "spawn"). The task's
// context carries its span, so that what the task calls with that context
// (an instrumented HTTP client, a database driver) nests under it. The body
// of Run has no span of its own: the scope's span is its span, and its
// context carries it.
//
// The attributes a sampler sees when a span starts:
//
//	scoped.scope.name   the scope's Name, if it has one (scope and task spans)
//	scoped.task.kind    the task's kind (task spans)
//	scoped.task.name    the task's Named name, if it has one (task spans)
//
// and, once a span is known to be recorded, the call site that opened the
// scope or started the task (for a taskgroup function, the call of that
// function), in OpenTelemetry's semantic conventions: code.function.name,
// code.file.path and code.line.number. A site is resolved the first time it
// is seen and cached, so a span that is not recorded never pays for it.
//
// How a span ends:
//
//   - A task that returned nil, or an echo of its scope's cancellation
//     (see [nursery.Run]), leaves the status unset: an echo is the expected
//     way for a canceled task to stop, not a failure.
//   - A task that failed has the status [codes.Error] and its error recorded
//     as an exception event.
//   - A task that panicked has the status codes.Error and an exception event
//     carrying the panic value and the task's stack. The panic still reaches
//     Run's caller, as it would without the instrument.
//   - A task that called runtime.Goexit has the status codes.Error, with
//     [nursery.ErrGoexit] recorded.
//   - The attribute scoped.task.outcome says which: "ok", "echo", "error",
//     "panic" or "goexit".
//
// A scope's span gets an event "scoped.scope.canceled" when the scope is
// canceled, with the cause as the attribute scoped.cause (for a panic, its
// first line, without the stack), and ends when Run returns, with Run's
// outcome as its status and as scoped.scope.outcome ("ok", "error",
// "panic" or "goexit"); a panic in the body itself is recorded there as an
// exception event with its stack. If tasks waiting behind a [nursery.Limit]
// were dropped because the scope was canceled, the attribute
// scoped.scope.dropped counts them.
//
// The metrics, from a meter named "github.com/scoped-go/scoped/otel":
//
//	scoped.task.started   counter, {task}         attribute scoped.task.kind
//	scoped.task.ended     counter, {task}         scoped.task.kind, scoped.task.outcome
//	scoped.task.running   up-down counter, {task} scoped.task.kind
//	scoped.task.duration  histogram, s            scoped.task.kind, scoped.task.outcome
//
// The body of Run is not counted as a task. A task's duration runs from
// its start to its end; time spent waiting behind a limit is not in it.
//
// The instrument is called synchronously by the tasks it observes, so its
// cost is theirs: see docs/tracing.md for what it costs per task with a
// tracer that samples nothing and with one that records everything.
package scopedotel

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the tracer and the meter.
const instrumentationName = "github.com/scoped-go/scoped/otel"

// The attribute keys of the spans and metrics (see the package doc).
const (
	keyScopeName    = attribute.Key("scoped.scope.name")
	keyScopeOutcome = attribute.Key("scoped.scope.outcome")
	keyScopeDropped = attribute.Key("scoped.scope.dropped")
	keyTaskName     = attribute.Key("scoped.task.name")
	keyTaskKind     = attribute.Key("scoped.task.kind")
	keyTaskOutcome  = attribute.Key("scoped.task.outcome")
	keyCause        = attribute.Key("scoped.cause")

	eventCanceled = "scoped.scope.canceled"
)

// An Option configures the instrument that [New] returns.
type Option interface{ apply(*config) }

type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithTracerProvider makes the instrument take its tracer from tp, instead
// of the global TracerProvider ([otel.GetTracerProvider]) as it was when
// [New] was called.
//
// WithTracerProvider panics if tp is nil.
func WithTracerProvider(tp trace.TracerProvider) Option {
	if tp == nil {
		panic("scopedotel: WithTracerProvider called with a nil TracerProvider")
	}
	return optionFunc(func(c *config) { c.tp = tp })
}

// WithMeterProvider makes the instrument take its meter from mp, instead
// of the global MeterProvider ([otel.GetMeterProvider]) as it was when
// [New] was called.
//
// WithMeterProvider panics if mp is nil.
func WithMeterProvider(mp metric.MeterProvider) Option {
	if mp == nil {
		panic("scopedotel: WithMeterProvider called with a nil MeterProvider")
	}
	return optionFunc(func(c *config) { c.mp = mp })
}

// New returns an instrument that traces scopes and tasks and counts tasks,
// as the package doc describes, once added with [nursery.AddInstrument].
// Without options it uses the global TracerProvider and MeterProvider as
// they are when New is called (the global ones forward to providers set
// later with otel.SetTracerProvider and otel.SetMeterProvider).
//
// An error creating a metric instrument goes to [otel.Handle], and that
// metric is not recorded; spans are not affected.
//
// New panics if an option is nil.
func New(opts ...Option) nursery.Instrument {
	var c config
	for _, o := range opts {
		if o == nil {
			panic("scopedotel: New called with a nil Option")
		}
		o.apply(&c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	return &instrument{
		tracer: c.tp.Tracer(instrumentationName, trace.WithSchemaURL(semconv.SchemaURL)),
		m:      newMetrics(c.mp.Meter(instrumentationName, metric.WithSchemaURL(semconv.SchemaURL))),
	}
}

// instrument is the nursery.Instrument that New returns. It is immutable
// once made; what it knows of a scope or a task lives in the values it
// returns for them, a *scope and a *task.
type instrument struct {
	tracer trace.Tracer
	m      *metrics
}

// A scope is the instrument's value for a scope.
//
// span is set by ScopeOpened and ended by ScopeClosed, both in Run's
// goroutine; in between any goroutine may add to it (spans are safe for
// concurrent use). dropped is counted by any goroutine and read by
// ScopeClosed, which nursery calls after every TaskDropped.
type scope struct {
	span     trace.Span
	nameAttr attribute.KeyValue // keyScopeName, or the zero KeyValue if the scope has no name
	dropped  atomic.Int64

	// bodyPanic is the body's own panic, if it panicked: written by the
	// body's TaskEnded and read by ScopeClosed, both in Run's goroutine.
	bodyPanic *nursery.PanicError
}

// A task is the instrument's value for a task other than the body (the
// body's value is its *scope).
type task struct {
	s    *scope
	kind *kindInfo
	name string
	site uintptr

	// Set by TaskStarted and read by TaskEnded, both in the task's
	// goroutine.
	ctx   context.Context // the task's context, for the metrics' exemplars
	span  trace.Span
	start time.Time
}

// ScopeOpened starts the scope's span, a child of the span in ctx, and
// returns a context that carries it, from which the nursery derives its own.
func (i *instrument) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	s := &scope{}
	spanName := "nursery"
	var attrs []attribute.KeyValue
	if name != "" {
		spanName = name
		s.nameAttr = keyScopeName.String(name)
		attrs = []attribute.KeyValue{s.nameAttr}
	}
	ctx, s.span = i.tracer.Start(ctx, spanName, trace.WithAttributes(attrs...))
	if s.span.IsRecording() {
		s.span.SetAttributes(siteAttrs(site)...)
	}
	return ctx, s
}

// ScopeCanceled adds the cancellation, with its cause, to the scope's span.
func (i *instrument) ScopeCanceled(sv any, cause error) {
	s := sv.(*scope)
	if s.span.IsRecording() {
		s.span.AddEvent(eventCanceled, trace.WithAttributes(keyCause.String(firstLine(cause))))
	}
}

// ScopeClosed ends the scope's span with Run's outcome.
func (i *instrument) ScopeClosed(sv any, err error) {
	s := sv.(*scope)
	span := s.span
	if n := s.dropped.Load(); n > 0 {
		span.SetAttributes(keyScopeDropped.Int64(n))
	}
	o := outcomeOf(err, false)
	span.SetAttributes(keyScopeOutcome.String(outcomeNames[o]))
	switch o {
	case outcomePanic:
		pe := err.(*nursery.PanicError)
		if pe == s.bodyPanic && span.IsRecording() {
			// A task's panic is on the task's span; the body has none.
			addPanicEvent(span, pe)
		}
		span.SetStatus(codes.Error, firstLine(err))
	case outcomeError, outcomeGoexit:
		// Recorded as exceptions on the spans of the tasks that failed;
		// the status names them all.
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// TaskSubmitted makes the instrument's value for the task. Nothing is
// started yet: the task's span starts with the task, so that its duration
// is the task's.
func (i *instrument) TaskSubmitted(sv any, kind, name string, site uintptr) any {
	s := sv.(*scope)
	if kind == "body" {
		return s
	}
	return &task{s: s, kind: i.m.kind(kind), name: name, site: site}
}

// TaskWaiting does nothing: a task's span covers its run, not its wait.
func (i *instrument) TaskWaiting(tv any) {}

// TaskStarted starts the task's span, a child of the scope's span (which
// ctx, derived from the nursery's context, carries), and counts the task
// as started and running. It returns a context that carries the span.
func (i *instrument) TaskStarted(ctx context.Context, tv any) context.Context {
	t, ok := tv.(*task)
	if !ok {
		return ctx // the body, which runs in the scope's span
	}
	k := t.kind
	spanName := k.name
	attrs := make([]attribute.KeyValue, 1, 3)
	attrs[0] = k.attr
	if t.name != "" {
		spanName = t.name
		attrs = append(attrs, keyTaskName.String(t.name))
	}
	if t.s.nameAttr.Valid() {
		attrs = append(attrs, t.s.nameAttr)
	}
	t.start = time.Now()
	ctx, t.span = i.tracer.Start(ctx, spanName, trace.WithAttributes(attrs...))
	if t.span.IsRecording() {
		t.span.SetAttributes(siteAttrs(t.site)...)
	}
	t.ctx = ctx
	i.m.started.Add(ctx, 1, k.add...)
	i.m.running.Add(ctx, 1, k.add...)
	return ctx
}

// TaskEnded ends the task's span with its outcome, and counts the task as
// ended and no longer running. For the body, it keeps a panic for
// ScopeClosed.
func (i *instrument) TaskEnded(tv any, err error, echo bool) {
	t, ok := tv.(*task)
	if !ok {
		if pe, ok := err.(*nursery.PanicError); ok {
			tv.(*scope).bodyPanic = pe
		}
		return
	}
	d := time.Since(t.start)
	span := t.span
	o := outcomeOf(err, echo)
	span.SetAttributes(keyTaskOutcome.String(outcomeNames[o]))
	switch o {
	case outcomePanic:
		if span.IsRecording() {
			addPanicEvent(span, err.(*nursery.PanicError))
		}
		span.SetStatus(codes.Error, firstLine(err))
	case outcomeError, outcomeGoexit:
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
	k := t.kind
	i.m.ended.Add(t.ctx, 1, k.ended[o]...)
	i.m.running.Add(t.ctx, -1, k.add...)
	i.m.duration.Record(t.ctx, d.Seconds(), k.record[o]...)
}

// TaskDropped counts the task on its scope's span: it never started, so it
// has no span of its own.
func (i *instrument) TaskDropped(tv any, cause error) {
	tv.(*task).s.dropped.Add(1)
}

// The outcomes of a task or scope, as the attributes name them.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeEcho
	outcomeError
	outcomePanic
	outcomeGoexit
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "echo", "error", "panic", "goexit"}

// outcomeOf classifies an outcome as nursery reports it.
func outcomeOf(err error, echo bool) outcome {
	switch {
	case err == nil:
		return outcomeOK
	case echo:
		return outcomeEcho
	case err == nursery.ErrGoexit:
		return outcomeGoexit
	}
	if _, ok := err.(*nursery.PanicError); ok {
		return outcomePanic
	}
	return outcomeError
}

// addPanicEvent adds pe to span as an exception event, with the stack of
// the goroutine that panicked (not the instrument's).
func addPanicEvent(span trace.Span, pe *nursery.PanicError) {
	span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(
		semconv.ExceptionType(fmt.Sprintf("%T", pe.Value)),
		semconv.ExceptionMessage(fmt.Sprint(pe.Value)),
		semconv.ExceptionStacktrace(string(pe.Stack)),
	))
}

// firstLine returns err's text up to its first newline when err is a
// [*nursery.PanicError], whose text goes on with the stack, and all of it
// otherwise.
func firstLine(err error) string {
	s := err.Error()
	if _, ok := err.(*nursery.PanicError); ok {
		s, _, _ = strings.Cut(s, "\n")
	}
	return s
}
