package nursery_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/scoped-go/scoped/internal/callerpc"
	"github.com/scoped-go/scoped/internal/taskrun"
	"github.com/scoped-go/scoped/nursery"
)

// TestSitesTakeNoStackWalk checks that every function that opens a scope
// or starts a task finds its call site through the frame pointers, with
// no stack walk once the site has been seen: each calls callerpc.Caller in
// its own body and is not inlined (TestInstrumentEventsPerKind checks that
// the sites are right once; here each is checked again when it comes from
// callerpc's table).
func TestSitesTakeNoStackWalk(t *testing.T) {
	if !callerpc.FramePointers() {
		t.Skip("callerpc reads no frame pointers on this architecture")
	}
	r := &siteSet{sites: map[string]bool{}}
	defer nursery.AddInstrument(r)()
	round := func() {
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(task)
			n.TryGo(task)
			n.Background(task)
			nursery.Spawn(n, func(context.Context) (int, error) { return 1, nil })
			_ = n.Start(func(_ context.Context, ready func()) error { ready(); return nil })
			_, _ = nursery.StartValue(n, func(_ context.Context, ready func(int)) error { ready(1); return nil })
			return nil
		}, nursery.Limit(2))
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
	for s := range r.sites {
		if !strings.HasPrefix(s, "callsite_test.go:") {
			t.Errorf("site %s reported, want only lines of callsite_test.go", s)
		}
	}
	if len(r.sites) != 7 { // Run (and its body), Go, TryGo, Background, Spawn, Start, StartValue
		t.Errorf("%d sites reported, want 7: %v", len(r.sites), r.sites)
	}
}

// siteSet is an instrument that records the file:line of every scope and
// task site it hears.
type siteSet struct {
	nopInstrument
	mu    sync.Mutex
	sites map[string]bool
}

func (r *siteSet) note(pc uintptr) {
	site := fileLine(pc)
	r.mu.Lock()
	r.sites[site] = true
	r.mu.Unlock()
}

func (r *siteSet) ScopeOpened(ctx context.Context, _ string, site uintptr) (context.Context, any) {
	r.note(site)
	return ctx, nil
}

func (r *siteSet) TaskSubmitted(_ any, _, _ string, site uintptr) any {
	r.note(site)
	return nil
}

// TestObservedTaskAllocations checks what observing a Go task costs in
// allocations: nothing with one instrument, whose value for the task
// travels in the launch queue's slot and lives on the task's stack; the
// observation, the values and the go statement's closure with several.
func TestObservedTaskAllocations(t *testing.T) {
	perTask := func() float64 {
		const tasks = 100
		return testing.AllocsPerRun(20, func() {
			_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				for range tasks {
					n.Go(task)
				}
				return nil
			})
		}) / tasks
	}
	base := perTask() // with no instrument, or in the tracked mode with the tracker
	remove := nursery.AddInstrument(nopInstrument{})
	with := perTask()
	remove()
	want := 0.0
	if taskrun.Observed() {
		// The tracker, and now a second instrument: the observation of
		// several, the values' slice, and the go statement's closure,
		// since such a task no longer goes through the launch queue.
		want = 3
	}
	if d := with - base; d < want-0.1 || d > want+0.1 {
		t.Errorf("an instrument costs %.2f allocations per task, want %.0f", d, want)
	}
}
