package scopedotel_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scoped-go/scoped/nursery"
	scopedotel "github.com/scoped-go/scoped/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// A request handler fans out three fetches in a nursery; one fails, which
// cancels the others. The spans, exported to memory, form a tree under the
// request's span.
func ExampleNew() {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	// Once, when the service starts. Without the option, New uses the
	// global TracerProvider.
	remove := nursery.AddInstrument(scopedotel.New(scopedotel.WithTracerProvider(tp)))
	defer remove()

	// A request, traced as the service's HTTP middleware would.
	ctx, request := tp.Tracer("example").Start(context.Background(), "GET /orders/42")
	err := nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("fetch-customer", func(ctx context.Context) error { return nil }))
		n.Go(nursery.Named("fetch-items", func(ctx context.Context) error {
			return errors.New("inventory unavailable")
		}))
		n.Go(nursery.Named("fetch-prices", func(ctx context.Context) error {
			<-ctx.Done() // canceled by fetch-items' failure
			return ctx.Err()
		}))
		return nil
	}, nursery.Name("load-order"))
	request.End()
	fmt.Println("Run:", err)

	printTree(exporter.GetSpans())
	// Output:
	// Run: inventory unavailable
	// GET /orders/42
	//   load-order: error "inventory unavailable"; canceled: inventory unavailable
	//     fetch-customer: ok
	//     fetch-items: error "inventory unavailable"
	//     fetch-prices: echo
}

// The counts of tasks, read back through a ManualReader (a service would
// configure an exporter's reader instead).
func ExampleWithMeterProvider() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.Background()) }()

	opts := []scopedotel.Option{scopedotel.WithMeterProvider(mp)}
	remove := nursery.AddInstrument(scopedotel.New(opts...))
	defer remove()

	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for i := range 3 {
			n.Go(func(ctx context.Context) error {
				if i == 2 {
					return errors.New("bad input")
				}
				return nil
			})
		}
		return nil
	})

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch data := m.Data.(type) {
		case metricdata.Sum[int64]:
			var lines []string
			for _, dp := range data.DataPoints {
				lines = append(lines, fmt.Sprintf("%s %s %d", m.Name, attrs(dp.Attributes.ToSlice()), dp.Value))
			}
			slices.Sort(lines)
			fmt.Println(strings.Join(lines, "\n"))
		case metricdata.Histogram[float64]:
			for _, dp := range data.DataPoints {
				fmt.Printf("%s %s count=%d\n", m.Name, attrs(dp.Attributes.ToSlice()), dp.Count)
			}
		}
	}
	// Unordered output:
	// scoped.task.duration kind=go outcome=error count=1
	// scoped.task.duration kind=go outcome=ok count=2
	// scoped.task.started kind=go 3
	// scoped.task.ended kind=go outcome=error 1
	// scoped.task.ended kind=go outcome=ok 2
	// scoped.task.running kind=go 0
}

// attrs prints the scoped.task attributes without their prefix.
func attrs(kvs []attribute.KeyValue) string {
	var parts []string
	for _, kv := range kvs {
		parts = append(parts, strings.TrimPrefix(string(kv.Key), "scoped.task.")+"="+kv.Value.AsString())
	}
	return strings.Join(parts, " ")
}

// printTree prints spans as a tree, children sorted by name: each span's
// outcome, its status if it is an error, and its cancellation.
func printTree(spans tracetest.SpanStubs) {
	children := map[trace.SpanID][]tracetest.SpanStub{}
	for _, s := range spans {
		children[s.Parent.SpanID()] = append(children[s.Parent.SpanID()], s)
	}
	var walk func(parent trace.SpanID, depth int)
	walk = func(parent trace.SpanID, depth int) {
		kids := children[parent]
		slices.SortFunc(kids, func(a, b tracetest.SpanStub) int { return strings.Compare(a.Name, b.Name) })
		for _, s := range kids {
			line := strings.Repeat("  ", depth) + s.Name
			for _, kv := range s.Attributes {
				if kv.Key == "scoped.task.outcome" || kv.Key == "scoped.scope.outcome" {
					line += ": " + kv.Value.AsString()
				}
			}
			if s.Status.Code == codes.Error {
				line += fmt.Sprintf(" %q", s.Status.Description)
			}
			for _, ev := range s.Events {
				if ev.Name == "scoped.scope.canceled" {
					line += "; canceled: " + ev.Attributes[0].Value.AsString()
				}
			}
			fmt.Println(line)
			walk(s.SpanContext.SpanID(), depth+1)
		}
	}
	walk(trace.SpanID{}, 0)
}
