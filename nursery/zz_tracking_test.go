package nursery_test

import (
	"context"
	"os"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// TestTrackingIsAsConfigured fails if tracking is not as SCOPED_TRACK
// says after the package's other tests: with SCOPED_TRACK=1, they must all
// have run tracked. This file's name keeps its test after every other test
// of the package.
func TestTrackingIsAsConfigured(t *testing.T) {
	v := os.Getenv("SCOPED_TRACK")
	want := v != "" && v != "0"
	const name = "nursery-tracking-probe"
	got := false
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for _, s := range inspect.Snapshot() {
			got = got || s.Name == name
		}
		return nil
	}, nursery.Name(name))
	if got != want {
		t.Errorf("tracking on = %v after the package's other tests, want %v (SCOPED_TRACK=%q)", got, want, v)
	}
}
