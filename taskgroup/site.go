package taskgroup

import (
	"context"
	"runtime"

	"github.com/scoped-go/scoped/internal/taskrun"
)

// userSite returns the program counter of the call skip frames above
// userSite's caller (1: the caller's caller, the user's call of a taskgroup
// function), or 0 when no instrument observes nurseries: only then does it
// cost a stack walk.
func userSite(skip int) uintptr {
	if !taskrun.Observed() {
		return 0
	}
	var pc [1]uintptr
	runtime.Callers(skip+2, pc[:])
	return pc[0]
}

// atSite returns ctx marked with site for the nursery opened with it, so
// that the instruments hear the user's call of a taskgroup function as the
// site of its scope and tasks; ctx itself when site is 0 or ctx is nil.
func atSite(ctx context.Context, site uintptr) context.Context {
	if site == 0 || ctx == nil {
		return ctx
	}
	return taskrun.WithSite(ctx, site)
}
