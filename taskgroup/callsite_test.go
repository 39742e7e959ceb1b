package taskgroup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
)

// TestSitesTakeNoStackWalk checks that every taskgroup function that
// reports its caller's site to the instruments finds it through the frame
// pointers, with no stack walk once the site has been seen: each calls
// callerpc.Caller in its own body and is not inlined
// (TestInstrumentSitesAreTheUsers checks each site once; here each is
// checked again when it comes from callerpc's table).
func TestSitesTakeNoStackWalk(t *testing.T) {
	if !callerpc.FramePointers() {
		t.Skip("callerpc reads no frame pointers on this architecture")
	}
	r := &siteRecorder{sites: map[string]bool{}}
	defer nursery.AddInstrument(r)()
	ctx := context.Background()
	task := func(context.Context) (int, error) { return 1, nil }
	fn := func(_ context.Context, v int) (int, error) { return v, nil }
	in := []int{1, 2, 3}
	round := func() {
		_, _ = taskgroup.Map(ctx, in, fn)
		_ = taskgroup.ForEach(ctx, in, func(context.Context, int) error { return nil })
		_ = taskgroup.MapSettled(ctx, in, fn)
		_, _ = taskgroup.All(ctx, task, task)
		_, _ = taskgroup.Any(ctx, task, task)
		_ = taskgroup.Settled(ctx, task, task)
		for range taskgroup.Stream(ctx, func(yield func(int) bool) { _ = yield(1) && yield(2) }, fn) {
		}
		var g taskgroup.Group
		g.Go(func() error { return nil })
		g.TryGo(func() error { return nil })
		_ = g.Wait()
	}
	var before int64
	for i := range 11 {
		if i == 1 { // every site has been seen, and checked once
			before = callerpc.SlowCalls()
		}
		round()
	}
	if n := callerpc.SlowCalls() - before; n != 0 {
		t.Errorf("%d sites were found by a stack walk, want 0", n)
	}
	wantSites(t, r.sites, 9) // a Group's scope opens at the line of its first Go
}

// wantSites checks that sites holds n lines, all of this file.
func wantSites(t *testing.T, sites map[string]bool, n int) {
	t.Helper()
	for s := range sites {
		if !strings.HasPrefix(s, "callsite_test.go:") {
			t.Errorf("site %s reported, want only lines of callsite_test.go", s)
		}
	}
	if len(sites) != n {
		t.Errorf("%d sites reported, want %d: %v", len(sites), n, sites)
	}
}
