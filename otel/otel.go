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
// a nursery; a taskgroup.Group is a scope from its first Go to its Wait)
// starts a span named after the scope ([nursery.Name], else "nursery"), a
// child of the span in Run's context, or the root of a new trace if that
// context has none. Every task of the scope has a span, a
// child of the scope's span, named after the task ([nursery.Named], else
// its kind: "go", "trygo", "start", "background" or "spawn"). The task's
// context carries its span, so that what the task calls with that context
// (an instrumented HTTP client, a database driver) nests under it. The body
// of Run has no span of its own: the scope's span is its span, and its
// context carries it.
//
// A task's span starts when the task is submitted (when Go, Start, Spawn
// or a taskgroup function is called), so it includes the time the task
// waited behind a [nursery.Limit]; such a task has the events
// "scoped.task.waiting" and "scoped.task.started". A task dropped behind a
// canceled limit, never to run, ends its span with the outcome "dropped".
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
// How a task's span ends:
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
//     "panic", "goexit" (or "dropped").
//
// A scope's span gets the event "scoped.scope.canceled" when the scope is
// canceled, with the cause as the attribute scoped.cause (for a panic, its
// first line, without the stack). It ends when Run returns, with Run's
// outcome as scoped.scope.outcome ("ok", "error", "panic" or "goexit") and,
// unless ok, the status codes.Error described by Run's error; a panic in
// the body itself is recorded there as an exception event with its stack.
// If tasks were dropped behind a canceled limit, the attribute
// scoped.scope.dropped counts them.
//
// The metrics, from a meter named "github.com/scoped-go/scoped/otel":
//
//	scoped.task.started   counter, {task}         scoped.task.kind
//	scoped.task.ended     counter, {task}         scoped.task.kind, scoped.task.outcome
//	scoped.task.running   up-down counter, {task} scoped.task.kind
//	scoped.task.duration  histogram, s            scoped.task.kind, scoped.task.outcome
//
// The body of Run is not counted as a task, nor is a dropped task. A
// task's duration runs from its start to its end, without its wait behind
// a limit. The three counts are observed when the meter collects (a task
// only adds to atomic counts); the duration is recorded as each task ends,
// with the task's context, so that an exemplar can point at its span.
//
// The instrument is called synchronously by the tasks it observes, so its
// cost is theirs: docs/tracing.md gives what it costs per task with a
// tracer that samples nothing and with one that records every span.
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
	eventWaiting  = "scoped.task.waiting"
	eventStarted  = "scoped.task.started"
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
// they are when New is called (if none is set yet, the global ones forward
// to those set later with otel.SetTracerProvider and
// otel.SetMeterProvider).
//
// New registers with the meter a callback that reports the counts, for as
// long as the meter provider lives: make one instrument per process, when
// it starts. An error creating a metric instrument goes to [otel.Handle],
// and that metric is not recorded; spans are not affected.
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

// instrument is the nursery.Instrument that New returns. Its fields are
// set by New and never change (the counts in m are atomic); what it knows
// of a scope or a task lives in the values it returns for them, a *scope
// and a *task.
type instrument struct {
	tracer trace.Tracer
	m      *metrics
}

// A scope is the instrument's value for a scope.
//
// ctx and span are set by ScopeOpened, in Run's goroutine, before any other
// event of the scope; span is ended by ScopeClosed, in Run's goroutine too.
// In between any goroutine may add to span (spans are safe for concurrent
// use). dropped is counted by any goroutine and read by ScopeClosed, which
// nursery calls after every TaskDropped.
type scope struct {
	ctx      context.Context // carries span: the parent of the tasks' spans
	span     trace.Span
	nameAttr attribute.KeyValue // keyScopeName, or the zero KeyValue if the scope has no name
	dropped  atomic.Int64

	// kindOpts holds, for a named scope, the start options of the spans of
	// its unnamed tasks of each known kind (their kind and the scope's
	// name), made by the first such task.
	kindOpts [numKnownKinds]atomic.Pointer[[]trace.SpanStartOption]

	// bodyPanic is the body's own panic, if it panicked: written by the
	// body's TaskEnded and read by ScopeClosed, both in Run's goroutine.
	bodyPanic *nursery.PanicError
}

// A task is the instrument's value for a task other than the body (the
// body's value is its *scope). Once the task has started it is also the
// task's context, which carries its span (see Value): one allocation less
// per task than trace.ContextWithSpan, and none in the task's goroutine,
// whose small first stack an allocation there made grow.
//
// span is set by TaskSubmitted and waited by TaskWaiting, in the
// submitting goroutine, before nursery hands the task to its goroutine;
// Context, timed and start are set by TaskStarted and read by TaskEnded,
// both in the task's goroutine. TaskEnded sets the duration fields and
// pushes the task on the metrics' pending stack, which publishes them to
// the goroutine that records them (see metrics.flush).
type task struct {
	context.Context // the context nursery gave the task; t itself is the task's

	s      *scope
	kind   *kindInfo
	span   trace.Span
	waited bool
	timed  bool          // the duration is recorded
	clk    time.Duration // if timed, the start on clock, then the duration

	// The duration's outcome, and the next task on the pending stack.
	outcome outcome
	next    *task
}

// Value returns the task's span for the key under which package trace
// keeps a span, and otherwise what the task's context holds.
func (t *task) Value(key any) any {
	if key == spanKey && spanKey != nil {
		return t.span
	}
	return t.Context.Value(key)
}

// spanKey is the key under which package trace keeps the span of a
// context, its own and unexported: found once, when the package is
// loaded, by asking trace.SpanFromContext of a context that notes the key
// it is asked for, then checked. It is nil if that did not work, and the
// task's context is then made with trace.ContextWithSpan.
var spanKey = findSpanKey()

func findSpanKey() any {
	p := &keyProbe{Context: context.Background()}
	_ = trace.SpanFromContext(p)
	if p.asked != 1 {
		return nil
	}
	// Check that a context answering the key carries a span, as a context
	// made with trace.ContextWithSpan does.
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}})
	span := trace.SpanFromContext(trace.ContextWithSpanContext(context.Background(), sc))
	a := &keyAnswer{Context: context.Background(), key: p.key, value: span}
	if !trace.SpanContextFromContext(a).Equal(sc) || !trace.SpanFromContext(a).SpanContext().Equal(sc) {
		return nil
	}
	return p.key
}

// A keyProbe is a context that notes the keys it is asked for.
type keyProbe struct {
	context.Context
	key   any
	asked int
}

func (p *keyProbe) Value(key any) any {
	p.key = key
	p.asked++
	return nil
}

// A keyAnswer is a context that holds value under key.
type keyAnswer struct {
	context.Context
	key, value any
}

func (a *keyAnswer) Value(key any) any {
	if key == a.key {
		return a.value
	}
	return a.Context.Value(key)
}

// epoch is clock's zero.
var epoch = time.Now()

// clock reads the monotonic clock only.
func clock() time.Duration { return time.Since(epoch) }

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
	s.ctx, s.span = i.tracer.Start(ctx, spanName, trace.WithAttributes(attrs...))
	if s.span.IsRecording() {
		s.span.SetAttributes(siteAttrs(site)...)
	}
	return s.ctx, s
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
	i.m.flush()
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

// TaskSubmitted starts the task's span, a child of the scope's span.
//
// The span starts here, in the goroutine that submits the task, rather
// than in the task's goroutine: the sampler sees the task's kind and name
// as soon as they are known, and the tracer's work (the SDK's goes a few
// kilobytes of stack deep) does not make each new task goroutine grow its
// small first stack, which took a quarter of the CPU time of the spawn
// benchmark when spans started in TaskStarted. So a task's span includes
// the time it waited behind a [nursery.Limit], if it did.
func (i *instrument) TaskSubmitted(sv any, kind, name string, site uintptr) any {
	s := sv.(*scope)
	if kind == "body" {
		return s
	}
	if i.m.pending.Load() != nil {
		i.m.flush()
	}
	k := i.m.kind(kind)
	t := &task{s: s, kind: k}
	switch {
	case name == "" && !s.nameAttr.Valid():
		_, t.span = i.tracer.Start(s.ctx, k.name, k.spanOpts...)
	case name == "" && k.known >= 0:
		_, t.span = i.tracer.Start(s.ctx, k.name, s.optsOf(k)...)
	default:
		spanName := k.name
		attrs := make([]attribute.KeyValue, 1, 3)
		attrs[0] = k.attr
		if name != "" {
			spanName = name
			attrs = append(attrs, keyTaskName.String(name))
		}
		if s.nameAttr.Valid() {
			attrs = append(attrs, s.nameAttr)
		}
		_, t.span = i.tracer.Start(s.ctx, spanName, trace.WithAttributes(attrs...))
	}
	if t.span.IsRecording() {
		t.span.SetAttributes(siteAttrs(site)...)
	}
	return t
}

// optsOf returns the start options of the span of an unnamed task of the
// known kind k in the named scope s.
func (s *scope) optsOf(k *kindInfo) []trace.SpanStartOption {
	p := &s.kindOpts[k.known]
	if opts := p.Load(); opts != nil {
		return *opts
	}
	opts := []trace.SpanStartOption{trace.WithAttributes(k.attr, s.nameAttr)}
	p.CompareAndSwap(nil, &opts) // a task that made them first made the same
	return *p.Load()
}

// TaskWaiting adds an event to the task's span: the task waits behind the
// limit from here until it starts (the span's "scoped.task.started" event).
func (i *instrument) TaskWaiting(tv any) {
	t := tv.(*task)
	t.waited = true
	if t.span.IsRecording() {
		t.span.AddEvent(eventWaiting)
	}
}

// TaskStarted counts the task as started and running, and returns a
// context that carries the task's span.
func (i *instrument) TaskStarted(ctx context.Context, tv any) context.Context {
	t, ok := tv.(*task)
	if !ok {
		return ctx // the body, which runs in the scope's span
	}
	if i.m.duration.Enabled(ctx) {
		t.timed, t.clk = true, clock()
	}
	if t.waited && t.span.IsRecording() {
		t.span.AddEvent(eventStarted)
	}
	t.kind.started.Add(1)
	if spanKey == nil {
		t.Context = trace.ContextWithSpan(ctx, t.span)
		return t.Context
	}
	t.Context = ctx
	return t
}

// TaskEnded ends the task's span with its outcome, counts the task as
// ended and records its duration. For the body, it keeps a panic for
// ScopeClosed.
//
// It runs at the bottom of the task's goroutine, under nursery's frames,
// on what may still be the goroutine's small first stack: its frame is
// kept small, a failure's work is done in endFailed, and the duration is
// left for another goroutine to record (see metrics.flush), so that a task
// that ends well does not grow its stack here.
func (i *instrument) TaskEnded(tv any, err error, echo bool) {
	t, ok := tv.(*task)
	if !ok {
		if pe, ok := err.(*nursery.PanicError); ok {
			tv.(*scope).bodyPanic = pe
		}
		return
	}
	o := outcomeOf(err, echo)
	if t.timed {
		t.clk, t.outcome = clock()-t.clk, o
	}
	if o >= outcomeError {
		endFailed(t.span, err, o)
	}
	t.span.SetAttributes(taskOutcomeAttrs[o]...)
	t.span.End()
	t.kind.ended[o].Add(1)
	if t.timed {
		i.m.push(t)
	}
}

// endFailed sets the status and events of the span of a task that failed,
// panicked or called runtime.Goexit.
//
//go:noinline
func endFailed(span trace.Span, err error, o outcome) {
	if o == outcomePanic {
		if span.IsRecording() {
			addPanicEvent(span, err.(*nursery.PanicError))
		}
		span.SetStatus(codes.Error, firstLine(err))
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}

// TaskDropped ends the span of a task that never started, and counts it on
// its scope's span.
func (i *instrument) TaskDropped(tv any, cause error) {
	t := tv.(*task)
	t.s.dropped.Add(1)
	t.span.SetAttributes(keyTaskOutcome.String("dropped"))
	t.span.End()
}

// The outcomes of a task or scope, as the attributes name them.
type outcome uint8

const (
	outcomeOK outcome = iota
	outcomeEcho
	outcomeError
	outcomePanic
	outcomeGoexit
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "echo", "error", "panic", "goexit"}

// taskOutcomeAttrs holds, for each outcome, the attribute that says it on
// a task's span, made once.
var taskOutcomeAttrs = func() (a [numOutcomes][]attribute.KeyValue) {
	for o := range numOutcomes {
		a[o] = []attribute.KeyValue{keyTaskOutcome.String(outcomeNames[o])}
	}
	return a
}()

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
