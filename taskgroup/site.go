package taskgroup

import (
	"context"

	"github.com/scoped-go/scoped/internal/taskrun"
)

// atSite returns ctx marked with site, for the nursery opened with it, so
// that the instruments hear the user's call of a taskgroup function as the
// site of its scope and tasks; ctx itself when no instrument is added, or
// site is 0 or ctx is nil.
//
// Each taskgroup function takes site with callerpc.Caller in its own body,
// and is marked not to be inlined: see package callerpc.
func atSite(ctx context.Context, site uintptr) context.Context {
	if site == 0 || ctx == nil || !taskrun.Observed() {
		return ctx
	}
	return taskrun.WithSite(ctx, site)
}
