package taskgroup_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
)

// siteRecorder is an instrument that records the file:line of every
// scope and task submitted.
type siteRecorder struct {
	mu    sync.Mutex
	sites map[string]bool
}

func (r *siteRecorder) note(pc uintptr) {
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	r.mu.Lock()
	r.sites[fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)] = true
	r.mu.Unlock()
}

func (r *siteRecorder) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	r.note(site)
	return ctx, nil
}
func (r *siteRecorder) ScopeCanceled(any, error) {}
func (r *siteRecorder) ScopeClosed(any, error)   {}
func (r *siteRecorder) TaskSubmitted(_ any, kind, name string, site uintptr) any {
	r.note(site)
	return nil
}
func (r *siteRecorder) TaskWaiting(any)                                        {}
func (r *siteRecorder) TaskStarted(ctx context.Context, _ any) context.Context { return ctx }
func (r *siteRecorder) TaskEnded(any, error, bool)                             {}
func (r *siteRecorder) TaskDropped(any, error)                                 {}

// callLine returns the file:line of the line after its caller's.
func callLine() string {
	_, file, l, _ := runtime.Caller(1)
	return fmt.Sprintf("%s:%d", filepath.Base(file), l+1)
}

// TestInstrumentSitesAreTheUsers checks that the scope and the tasks of a
// taskgroup call report the line that made the call, not taskgroup's own.
func TestInstrumentSitesAreTheUsers(t *testing.T) {
	ctx := context.Background()
	task := func(context.Context) (int, error) { return 1, nil }
	fn := func(_ context.Context, v int) (int, error) { return v, nil }
	for _, tt := range []struct {
		name string
		call func() string // makes the call, and returns its line
	}{
		{"Map", func() string {
			at := callLine()
			_, _ = taskgroup.Map(ctx, []int{1, 2, 3}, fn)
			return at
		}},
		{"ForEach", func() string {
			at := callLine()
			_ = taskgroup.ForEach(ctx, []int{1, 2}, func(context.Context, int) error { return nil })
			return at
		}},
		{"All", func() string {
			at := callLine()
			_, _ = taskgroup.All(ctx, task, task)
			return at
		}},
		{"Any", func() string {
			at := callLine()
			_, _ = taskgroup.Any(ctx, task, task)
			return at
		}},
		{"Settled", func() string {
			at := callLine()
			_ = taskgroup.Settled(ctx, task, task)
			return at
		}},
		{"Stream", func() string {
			at := callLine()
			s := taskgroup.Stream(ctx, func(yield func(int) bool) { _ = yield(1) && yield(2) }, fn)
			for range s {
			}
			return at
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &siteRecorder{sites: map[string]bool{}}
			remove := nursery.AddInstrument(r)
			at := tt.call()
			remove()
			if len(r.sites) != 1 || !r.sites[at] {
				t.Errorf("sites reported = %v, want only %s", r.sites, at)
			}
		})
	}
}
