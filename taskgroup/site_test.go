package taskgroup_test

import (
	"context"
	"errors"
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
		{"MapSettled", func() string {
			at := callLine()
			_ = taskgroup.MapSettled(ctx, []int{1, 2, 3}, fn)
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

// eventRecorder is an instrument that records the events it hears, in
// order, each with its kind, and the sites of the tasks.
type eventRecorder struct {
	mu     sync.Mutex
	events []string
	sites  []string
}

func (r *eventRecorder) add(e string) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *eventRecorder) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	r.add("open")
	return ctx, nil
}
func (r *eventRecorder) ScopeCanceled(_ any, cause error) { r.add("cancel " + cause.Error()) }
func (r *eventRecorder) ScopeClosed(_ any, err error) {
	var pe *nursery.PanicError
	switch {
	case errors.As(err, &pe):
		r.add(fmt.Sprintf("close panic(%v)", pe.Value))
	default:
		r.add(fmt.Sprintf("close %v", err))
	}
}
func (r *eventRecorder) TaskSubmitted(_ any, kind, name string, site uintptr) any {
	f, _ := runtime.CallersFrames([]uintptr{site}).Next()
	r.mu.Lock()
	r.sites = append(r.sites, fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line))
	r.mu.Unlock()
	r.add("submit " + kind)
	return kind
}
func (r *eventRecorder) TaskWaiting(task any) { r.add("wait " + task.(string)) }
func (r *eventRecorder) TaskStarted(ctx context.Context, task any) context.Context {
	r.add("start " + task.(string))
	return ctx
}
func (r *eventRecorder) TaskEnded(task any, err error, echo bool) {
	var pe *nursery.PanicError
	switch {
	case errors.As(err, &pe):
		r.add(fmt.Sprintf("end %s panic(%v)", task, pe.Value))
	default:
		r.add(fmt.Sprintf("end %s %v echo=%v", task, err, echo))
	}
}
func (r *eventRecorder) TaskDropped(task any, cause error) { r.add("drop " + task.(string)) }

// TestGroupInstrumentEvents checks the events a Group reports: one scope
// from the first Go to Wait, its functions as tasks at their lines, a wait
// behind the limit, the cancellation of WithContext's context once, and the
// close with what Wait returns, after every function ended.
func TestGroupInstrumentEvents(t *testing.T) {
	errX := errors.New("x failed")
	t.Run("WithContext, limit, error", func(t *testing.T) {
		r := &eventRecorder{}
		defer nursery.AddInstrument(r)()
		g, ctx := taskgroup.WithContext(context.Background())
		g.SetLimit(1)
		release, started := make(chan struct{}), make(chan struct{})
		at1 := callLine()
		g.Go(func() error { close(started); <-release; return errX })
		<-started
		go func() {
			for {
				r.mu.Lock()
				n := len(r.events)
				r.mu.Unlock()
				if n >= 5 { // ... submit, wait: the second Go waits behind the limit
					break
				}
				runtime.Gosched()
			}
			close(release)
		}()
		at2 := callLine()
		g.Go(func() error { <-ctx.Done(); return ctx.Err() }) // waits behind the limit
		if err := g.Wait(); err != errX {
			t.Errorf("Wait() = %v, want %v", err, errX)
		}
		want := []string{"open", "submit go", "start go", "submit go", "wait go",
			"cancel x failed", "end go x failed echo=false", "start go", "end go context canceled echo=false", "close x failed"}
		if fmt.Sprint(r.events) != fmt.Sprint(want) {
			t.Errorf("events =\n  %q\nwant\n  %q", r.events, want)
		}
		if fmt.Sprint(r.sites) != fmt.Sprint([]string{at1, at2}) {
			t.Errorf("sites = %v, want %v", r.sites, []string{at1, at2})
		}
	})
	t.Run("zero Group, panic; reuse", func(t *testing.T) {
		r := &eventRecorder{}
		defer nursery.AddInstrument(r)()
		var g taskgroup.Group
		g.TryGo(func() error { panic("boom") })
		if v, _ := catch(func() { _ = g.Wait() }); v == nil {
			t.Fatal("Wait() returned, want the panic")
		}
		var g2 taskgroup.Group
		g2.Go(func() error { return nil })
		_ = g2.Wait()
		g2.Go(func() error { return nil }) // a new round: a new scope
		_ = g2.Wait()
		want := []string{"open", "submit trygo", "start trygo", "end trygo panic(boom)", "close panic(boom)",
			"open", "submit go", "start go", "end go <nil> echo=false", "close <nil>",
			"open", "submit go", "start go", "end go <nil> echo=false", "close <nil>"}
		if fmt.Sprint(r.events) != fmt.Sprint(want) {
			t.Errorf("events =\n  %q\nwant\n  %q", r.events, want)
		}
	})
}
