package scopedotel

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
)

// durationBounds are the task duration histogram's buckets, in seconds:
// tasks range from a few microseconds of work to minutes of background
// service.
var durationBounds = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
}

// knownKinds are the kinds of task that nursery reports, the body aside.
var knownKinds = [numKnownKinds]string{"go", "trygo", "start", "background", "spawn"}

const numKnownKinds = 5

// metrics holds the instrument's metric instruments and what it counts.
//
// The counters and the up-down counter are observed: a task adds to atomic
// counts of its kind, and the meter reads them when it collects (running
// is started minus ended). That costs a task two atomic adds where
// recording each measurement would cost five calls into the meter, and
// the values exported are the same.
//
// The durations are recorded into the histogram, but not by the tasks
// themselves: a task that ends pushes itself on pending, and the next
// goroutine that submits a task, closes a scope or collects the metrics
// records what is pending (flush). Recording goes deep into the meter,
// and a tiny task ends with its goroutine's first stack (2 KB) nearly full
// of nursery's frames: recording there grew the stack of every task, which
// made the metrics cost twice the rest of the instrument in the spawn
// benchmark. A duration is recorded before the scope of its task closes,
// and no later than the next collection.
type metrics struct {
	pending atomic.Pointer[task] // a stack linked through task.next

	duration metric.Float64Histogram
	started  metric.Int64ObservableCounter
	ended    metric.Int64ObservableCounter
	running  metric.Int64ObservableUpDownCounter

	kinds [numKnownKinds]*kindInfo // those of knownKinds, in order; read-only once made

	mu    sync.Mutex           // guards other
	other map[string]*kindInfo // kinds that knownKinds does not list
}

// A kindInfo is what the spans and the metrics say of a kind of task, and
// the counts of its tasks.
type kindInfo struct {
	known    int // the index in knownKinds, or -1
	name     string
	attr     attribute.KeyValue
	spanOpts []trace.SpanStartOption // the kind, for a task and scope without names

	// The measurement options, made once so that a measurement allocates
	// nothing: the kind alone, and the kind with each outcome.
	observe       []metric.ObserveOption
	observeEnded  [numOutcomes][]metric.ObserveOption
	recordOutcome [numOutcomes][]metric.RecordOption

	started atomic.Int64
	ended   [numOutcomes]atomic.Int64
}

func newMetrics(meter metric.Meter) *metrics {
	m := &metrics{}
	for i, k := range knownKinds {
		m.kinds[i] = newKindInfo(k)
		m.kinds[i].known = i
	}
	var err error
	if m.duration, err = meter.Float64Histogram("scoped.task.duration",
		metric.WithDescription("How long tasks of nurseries ran, from start to end."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBounds...)); err != nil || m.duration == nil {
		otel.Handle(err)
		m.duration = noop.Float64Histogram{}
	}
	if m.started, err = meter.Int64ObservableCounter("scoped.task.started",
		metric.WithDescription("Tasks started in nurseries."),
		metric.WithUnit("{task}")); err != nil || m.started == nil {
		otel.Handle(err)
		m.started = noop.Int64ObservableCounter{}
	}
	if m.ended, err = meter.Int64ObservableCounter("scoped.task.ended",
		metric.WithDescription("Tasks of nurseries that ended, by outcome."),
		metric.WithUnit("{task}")); err != nil || m.ended == nil {
		otel.Handle(err)
		m.ended = noop.Int64ObservableCounter{}
	}
	if m.running, err = meter.Int64ObservableUpDownCounter("scoped.task.running",
		metric.WithDescription("Tasks of nurseries running now."),
		metric.WithUnit("{task}")); err != nil || m.running == nil {
		otel.Handle(err)
		m.running = noop.Int64ObservableUpDownCounter{}
	}
	if _, err := meter.RegisterCallback(m.observe, m.started, m.ended, m.running); err != nil {
		otel.Handle(err)
	}
	return m
}

func newKindInfo(kind string) *kindInfo {
	k := &kindInfo{known: -1, name: kind, attr: keyTaskKind.String(kind)}
	k.spanOpts = []trace.SpanStartOption{trace.WithAttributes(k.attr)}
	k.observe = []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(k.attr))}
	for o := range numOutcomes {
		set := metric.WithAttributeSet(attribute.NewSet(k.attr, keyTaskOutcome.String(outcomeNames[o])))
		k.observeEnded[o] = []metric.ObserveOption{set}
		k.recordOutcome[o] = []metric.RecordOption{set}
	}
	return k
}

// kind returns the kindInfo of kind.
func (m *metrics) kind(kind string) *kindInfo {
	if i := knownKind(kind); i >= 0 {
		return m.kinds[i]
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.other[kind]
	if !ok {
		if m.other == nil {
			m.other = make(map[string]*kindInfo)
		}
		k = newKindInfo(kind)
		m.other[kind] = k
	}
	return k
}

// knownKind returns the index of kind in knownKinds, or -1.
func knownKind(kind string) int {
	switch kind {
	case "go":
		return 0
	case "trygo":
		return 1
	case "start":
		return 2
	case "background":
		return 3
	case "spawn":
		return 4
	}
	return -1
}

// push adds t, whose duration is set, to the pending durations.
func (m *metrics) push(t *task) {
	for {
		old := m.pending.Load()
		t.next = old
		if m.pending.CompareAndSwap(old, t) {
			return
		}
	}
}

// flush records the pending durations. Each is taken by one flush only.
func (m *metrics) flush() {
	for t := m.pending.Swap(nil); t != nil; {
		next := t.next
		t.next = nil
		m.duration.Record(t, t.clk.Seconds(), t.kind.recordOutcome[t.outcome]...)
		t = next
	}
}

// observe reports the counts of every kind of task that has started, and
// records the pending durations, for this collection.
func (m *metrics) observe(_ context.Context, o metric.Observer) error {
	m.flush()
	for _, k := range m.kinds {
		m.observeKind(o, k)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.other {
		m.observeKind(o, k)
	}
	return nil
}

func (m *metrics) observeKind(o metric.Observer, k *kindInfo) {
	// The ended counts are read before started: a task counts as started
	// before it counts as ended, so running is never negative.
	var ended int64
	for oc := range numOutcomes {
		if n := k.ended[oc].Load(); n > 0 {
			ended += n
			o.ObserveInt64(m.ended, n, k.observeEnded[oc]...)
		}
	}
	started := k.started.Load()
	if started == 0 {
		return
	}
	o.ObserveInt64(m.started, started, k.observe...)
	o.ObserveInt64(m.running, started-ended, k.observe...)
}
