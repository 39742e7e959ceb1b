package nursery_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/scoped-go/scoped/nursery"
)

// counter is an Instrument that counts the tasks started and the tasks
// that failed, echoes of a cancellation aside. It keeps no state per scope
// or task, so it returns nil for both.
type counter struct {
	started, failed atomic.Int64
}

func (c *counter) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	return ctx, nil
}
func (c *counter) ScopeCanceled(scope any, cause error) {}
func (c *counter) ScopeClosed(scope any, err error)     {}
func (c *counter) TaskSubmitted(scope any, kind, name string, site uintptr) any {
	return nil
}
func (c *counter) TaskWaiting(task any) {}
func (c *counter) TaskStarted(ctx context.Context, task any) context.Context {
	c.started.Add(1)
	return ctx
}
func (c *counter) TaskEnded(task any, err error, echo bool) {
	if err != nil && !echo {
		c.failed.Add(1)
	}
}
func (c *counter) TaskDropped(task any, cause error) {}

// An instrument that counts tasks, added for the nurseries opened while it
// is in place. The body counts as a task of kind "body".
func ExampleAddInstrument() {
	var c counter
	remove := nursery.AddInstrument(&c)
	defer remove()

	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(func(ctx context.Context) error { return nil })
		n.Go(func(ctx context.Context) error { return fmt.Errorf("disk full") })
		n.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }) // an echo
		return nil
	})
	fmt.Println("Run:", err)
	fmt.Println("started:", c.started.Load(), "failed:", c.failed.Load())
	// Output:
	// Run: disk full
	// started: 4 failed: 1
}

// An instrument may hang its own state on scopes and tasks: the values it
// returns from ScopeOpened and TaskSubmitted come back with their later
// events. This one keeps, per scope, a line for each task that ended, and
// prints them, sorted, when the scope closes.
func ExampleInstrument() {
	remove := nursery.AddInstrument(summary{})
	defer remove()

	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("fetch", func(ctx context.Context) error { return nil }))
		n.Go(nursery.Named("parse", func(ctx context.Context) error { return errors.New("bad page") }))
		return nil
	}, nursery.Name("crawl"))
	// Output:
	// scope crawl closed: bad page
	//   body  ended: <nil>
	//   go fetch ended: <nil>
	//   go parse ended: bad page
}

// summary is the instrument of ExampleInstrument.
type summary struct{}

// summaryScope is summary's value for a scope; summaryTask, for a task.
type summaryScope struct {
	name  string
	mu    sync.Mutex
	lines []string
}

type summaryTask struct {
	scope      *summaryScope
	kind, name string
}

func (summary) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	return ctx, &summaryScope{name: name}
}
func (summary) ScopeCanceled(scope any, cause error) {}
func (summary) ScopeClosed(scope any, err error) {
	s := scope.(*summaryScope)
	s.mu.Lock()
	defer s.mu.Unlock()
	slices.Sort(s.lines)
	fmt.Printf("scope %s closed: %v\n", s.name, err)
	for _, l := range s.lines {
		fmt.Println("  " + l)
	}
}
func (summary) TaskSubmitted(scope any, kind, name string, site uintptr) any {
	return &summaryTask{scope: scope.(*summaryScope), kind: kind, name: name}
}
func (summary) TaskWaiting(task any)                                      {}
func (summary) TaskStarted(ctx context.Context, task any) context.Context { return ctx }
func (summary) TaskEnded(task any, err error, echo bool) {
	t := task.(*summaryTask)
	t.scope.mu.Lock()
	defer t.scope.mu.Unlock()
	t.scope.lines = append(t.scope.lines, fmt.Sprintf("%s %s ended: %v", t.kind, t.name, err))
}
func (summary) TaskDropped(task any, cause error) {}
