package taskrun

import (
	"context"
	"sync/atomic"
)

// observed is set while some instrument is added to package nursery, so
// that callers of nursery.Run pay for a call site only then.
var observed atomic.Bool

// Observed reports whether some instrument observes the nurseries opened
// now.
func Observed() bool { return observed.Load() }

// SetObserved records whether some instrument is added. Only package
// nursery calls it.
func SetObserved(on bool) { observed.Store(on) }

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
