package scopedotel

import (
	"context"
	"strings"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// cached reports whether the site cache holds a site in a function whose
// name contains fn.
func cached(fn string) bool {
	found := false
	sites.Range(func(_, v any) bool {
		for _, kv := range v.([]attribute.KeyValue) {
			if kv.Key == "code.function.name" && strings.Contains(kv.Value.AsString(), fn) {
				found = true
			}
		}
		return !found
	})
	return found
}

// A site is resolved only for a span that is recorded, and then once.
func TestSiteResolvedOnlyWhenRecorded(t *testing.T) {
	run := func(sampler sdktrace.Sampler) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler))
		defer func() { _ = tp.Shutdown(context.Background()) }()
		remove := nursery.AddInstrument(New(WithTracerProvider(tp)))
		defer remove()
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error { return nil })
			return nil
		})
	}
	const fn = "TestSiteResolvedOnlyWhenRecorded"
	sites.Clear() // forget what earlier runs of this test resolved
	run(sdktrace.NeverSample())
	if cached(fn) {
		t.Errorf("a site was resolved for spans that are not recorded")
	}
	run(sdktrace.AlwaysSample())
	if !cached(fn) {
		t.Errorf("no site was resolved for recorded spans")
	}
}
