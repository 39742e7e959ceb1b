package scopedotel

import (
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// durationBounds are the task duration histogram's buckets, in seconds:
// tasks range from a few microseconds of work to minutes of background
// service.
var durationBounds = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
}

// knownKinds are the kinds of task that nursery reports, the body aside.
var knownKinds = []string{"go", "trygo", "start", "background", "spawn"}

// metrics holds the instrument's metric instruments and, per kind of task,
// the measurement options it passes them, made once so that a task's
// measurements allocate nothing.
type metrics struct {
	meter    metric.Meter
	started  metric.Int64Counter
	ended    metric.Int64Counter
	running  metric.Int64UpDownCounter
	duration metric.Float64Histogram

	kinds map[string]*kindInfo // read-only once made

	mu    sync.Mutex           // guards other
	other map[string]*kindInfo // kinds that knownKinds does not list
}

// A kindInfo is what the spans and the metrics say of a kind of task.
type kindInfo struct {
	name   string
	attr   attribute.KeyValue
	add    []metric.AddOption                 // the kind
	ended  [numOutcomes][]metric.AddOption    // the kind and an outcome
	record [numOutcomes][]metric.RecordOption // the same, for the histogram
}

func newMetrics(meter metric.Meter) *metrics {
	m := &metrics{meter: meter, kinds: make(map[string]*kindInfo, len(knownKinds))}
	var err error
	if m.started, err = meter.Int64Counter("scoped.task.started",
		metric.WithDescription("Tasks started in nurseries."),
		metric.WithUnit("{task}")); err != nil || m.started == nil {
		otel.Handle(err)
		m.started = noop.Int64Counter{}
	}
	if m.ended, err = meter.Int64Counter("scoped.task.ended",
		metric.WithDescription("Tasks of nurseries that ended, by outcome."),
		metric.WithUnit("{task}")); err != nil || m.ended == nil {
		otel.Handle(err)
		m.ended = noop.Int64Counter{}
	}
	if m.running, err = meter.Int64UpDownCounter("scoped.task.running",
		metric.WithDescription("Tasks of nurseries running now."),
		metric.WithUnit("{task}")); err != nil || m.running == nil {
		otel.Handle(err)
		m.running = noop.Int64UpDownCounter{}
	}
	if m.duration, err = meter.Float64Histogram("scoped.task.duration",
		metric.WithDescription("How long tasks of nurseries ran, from start to end."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBounds...)); err != nil || m.duration == nil {
		otel.Handle(err)
		m.duration = noop.Float64Histogram{}
	}
	for _, k := range knownKinds {
		m.kinds[k] = newKindInfo(k)
	}
	return m
}

func newKindInfo(kind string) *kindInfo {
	k := &kindInfo{name: kind, attr: keyTaskKind.String(kind)}
	k.add = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(k.attr))}
	for o := range numOutcomes {
		set := metric.WithAttributeSet(attribute.NewSet(k.attr, keyTaskOutcome.String(outcomeNames[o])))
		k.ended[o] = []metric.AddOption{set}
		k.record[o] = []metric.RecordOption{set}
	}
	return k
}

// kind returns the kindInfo of kind.
func (m *metrics) kind(kind string) *kindInfo {
	if k, ok := m.kinds[kind]; ok {
		return k
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
