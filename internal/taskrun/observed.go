package taskrun

import (
	"context"
	"sync"
	"sync/atomic"
)

// Instrument has the methods of nursery.Instrument, which documents them:
// every nursery.Instrument is one. The registry of instruments lives here
// so that package nursery and taskgroup.Group, which does not run on a
// nursery, report to the same instruments.
type Instrument interface {
	ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any)
	ScopeCanceled(scope any, cause error)
	ScopeClosed(scope any, err error)
	TaskSubmitted(scope any, kind, name string, site uintptr) any
	TaskWaiting(task any)
	TaskStarted(ctx context.Context, task any) context.Context
	TaskEnded(task any, err error, echo bool)
	TaskDropped(task any, cause error)
}

// An Entry is one added instrument. Each Add makes its own, so that
// removing it is idempotent even when the same instrument was added twice.
type Entry struct{ I Instrument }

// registry is the list Add maintains: copied on each change, loaded once
// per scope.
var registry struct {
	mu   sync.Mutex // serializes changes
	list atomic.Pointer[[]*Entry]
}

// Instruments returns the instruments added now, or nil if there are none.
// The list must not be changed.
func Instruments() []*Entry {
	if p := registry.list.Load(); p != nil {
		return *p
	}
	return nil
}

// Observed reports whether some instrument is added.
func Observed() bool { return registry.list.Load() != nil }

// Add adds i to the instruments and returns the function that removes it.
func Add(i Instrument) (remove func()) {
	e := &Entry{I: i}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	var list []*Entry
	if old := registry.list.Load(); old != nil {
		list = append(list, *old...)
	}
	list = append(list, e)
	registry.list.Store(&list)
	return func() {
		registry.mu.Lock()
		defer registry.mu.Unlock()
		old := registry.list.Load()
		if old == nil {
			return
		}
		var list []*Entry
		for _, x := range *old {
			if x != e {
				list = append(list, x)
			}
		}
		if len(list) == 0 {
			registry.list.Store(nil)
			return
		}
		registry.list.Store(&list)
	}
}

// A siteCtx is the context a taskgroup function passes to nursery.Run
// while instruments are added: it carries the call site of the taskgroup
// function, which the scope and its tasks report as theirs.
type siteCtx struct {
	context.Context
	pc uintptr
}

// WithSite returns ctx marked with the call site pc, for the nursery that
// Run opens with it, and for no other: the nursery's own context, and so
// every context derived from it, is another.
func WithSite(ctx context.Context, pc uintptr) context.Context {
	return &siteCtx{Context: ctx, pc: pc}
}

// SiteOf returns the call site that ctx itself, not a parent, was marked
// with by WithSite.
func SiteOf(ctx context.Context) (uintptr, bool) {
	if s, ok := ctx.(*siteCtx); ok {
		return s.pc, true
	}
	return 0, false
}
