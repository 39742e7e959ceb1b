package nursery

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Tracking records every nursery opened while it is on, with its tasks, so
// that [Snapshot] and [WriteTree] can show what a running program's scopes
// are doing, and [OnStall] can name the tasks that ignore cancellation.
// When it is off, a nursery records nothing and the only cost is one
// branch per start.
var tracking atomic.Bool

// stallHook is the function set by OnStall, or nil.
var stallHook atomic.Pointer[func(Stall)]

func init() {
	if v := os.Getenv("SCOPED_TRACK"); v != "" && v != "0" {
		tracking.Store(true)
	}
}

// Track turns task tracking on or off, process-wide, for the nurseries
// opened from then on. Tracking is off unless the environment variable
// SCOPED_TRACK is set to a value other than "0" or [OnStall] turned it on.
//
// A tracked nursery records each task's name, kind, state and age, and the
// file and line that started it, at the cost of a few hundred nanoseconds
// and allocations per task. Nurseries opened while tracking was off never
// appear in a [Snapshot].
func Track(on bool) { tracking.Store(on) }

// Named returns a task that runs task under the name name: its goroutine
// carries the pprof label "task" (beside the nursery's "scope" label, if
// the nursery is named), so that a goroutine profile groups goroutines by
// task, and a tracked nursery shows the name in its [Snapshot]. Wrap a task
// for [Nursery.Go], [Nursery.TryGo] or [Nursery.Background] with it:
//
//	n.Background(nursery.Named("metrics-flusher", flush))
//
// Named panics if task is nil.
func Named(name string, task func(ctx context.Context) error) func(ctx context.Context) error {
	if task == nil {
		panic("nursery: Named called with a nil task")
	}
	return func(ctx context.Context) (err error) {
		if t, ok := ctx.Value(taskKey{}).(*taskRecord); ok {
			t.name.Store(&name)
		}
		pprof.Do(ctx, pprof.Labels("task", name), func(ctx context.Context) {
			err = task(ctx)
		})
		return err
	}
}

// A Scope is a snapshot of a tracked nursery.
type Scope struct {
	Name     string        `json:"name,omitempty"`  // from the Name option
	Site     string        `json:"site"`            // file:line of the call to Run
	Age      time.Duration `json:"age_ns"`          // since Run was called
	Canceled bool          `json:"canceled"`        // the nursery's context is done
	Cause    string        `json:"cause,omitempty"` // its cause, once canceled
	Tasks    []Task        `json:"tasks"`           // in the order they were started
}

// A Task is a snapshot of a task of a tracked nursery. A task's name, set
// by [Named], shows once the task has started.
type Task struct {
	Name   string        `json:"name,omitempty"`   // from Named
	Kind   string        `json:"kind"`             // "body", "go", "spawn", "start" or "background"
	State  string        `json:"state"`            // "waiting" behind a limit, "running", or "canceled" and still running
	Site   string        `json:"site"`             // file:line of the call that started it
	Age    time.Duration `json:"age_ns"`           // since it was started
	Scopes []Scope       `json:"scopes,omitempty"` // nurseries opened in the task
}

// Snapshot returns the tree of the tracked nurseries still open, outermost
// first. It is empty unless tracking is on (see [Track]).
func Snapshot() []Scope {
	registry.mu.Lock()
	roots := slices.Collect(func(yield func(*scopeRecord) bool) {
		for s := range registry.roots {
			if !yield(s) {
				return
			}
		}
	})
	registry.mu.Unlock()
	now := time.Now()
	return snapshotScopes(roots, now)
}

// WriteTree writes [Snapshot] as indented text, one line per scope and
// per task, for a person to read.
func WriteTree(w io.Writer) error {
	var b strings.Builder
	scopes := Snapshot()
	if len(scopes) == 0 {
		if tracking.Load() {
			b.WriteString("no open nurseries\n")
		} else {
			b.WriteString("task tracking is off: call nursery.Track(true) or set SCOPED_TRACK=1\n")
		}
	}
	for _, s := range scopes {
		writeScope(&b, s, "")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeScope(b *strings.Builder, s Scope, indent string) {
	name := "nursery"
	if s.Name != "" {
		name = fmt.Sprintf("nursery %q", s.Name)
	}
	fmt.Fprintf(b, "%s%s  %s  %s", indent, name, s.Site, age(s.Age))
	if s.Canceled {
		fmt.Fprintf(b, "  canceled: %s", s.Cause)
	}
	b.WriteByte('\n')
	for _, t := range s.Tasks {
		name := t.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(b, "%s  %-10s %-16s %-8s %-6s %s\n", indent, t.Kind, name, t.State, age(t.Age), t.Site)
		for _, c := range t.Scopes {
			writeScope(b, c, indent+"    ")
		}
	}
}

// age formats d coarsely, so that a dump reads at a glance.
func age(d time.Duration) string {
	if d < time.Second {
		return "<1s"
	}
	return d.Round(time.Second).String()
}

// A Stall reports a task still running a grace period after its nursery
// was canceled: a task that ignores its context.
type Stall struct {
	Scope string        // the nursery's name, if it has one
	Task  string        // the task's name, if it has one
	Kind  string        // as in [Task]
	Site  string        // file:line of the call that started the task
	Since time.Duration // since the nursery was canceled
}

// OnStall sets the function that hears of stalled tasks, process-wide, for
// the nurseries opened from then on, and turns tracking on (see [Track]).
// When a tracked nursery has been canceled and some of its tasks are still
// running after its grace period (see [Grace]), hook is called once for
// each of them, from a goroutine of its own. A nil hook stops the reports.
//
//	nursery.OnStall(func(s nursery.Stall) {
//		slog.Warn("task ignores cancellation", "scope", s.Scope, "task", s.Task, "site", s.Site, "since", s.Since)
//	})
func OnStall(hook func(Stall)) {
	if hook == nil {
		stallHook.Store(nil)
		return
	}
	stallHook.Store(&hook)
	tracking.Store(true)
}

// registry holds the tracked nurseries that no tracked task encloses.
var registry struct {
	mu    sync.Mutex
	roots map[*scopeRecord]struct{}
}

type taskKey struct{}

// A scopeRecord tracks one nursery. Lock order: a record's mu is never held
// while taking another's.
type scopeRecord struct {
	n      *Nursery
	site   site
	opened time.Time
	parent *taskRecord // the tracked task whose context Run got, or nil

	mu         sync.Mutex
	seq        uint64 // numbers the tasks in the order they were started
	tasks      map[*taskRecord]struct{}
	canceledAt time.Time
	stallTimer *time.Timer
	closed     bool
	stopAfter  func() bool // stops the AfterFunc that arms the stall timer
}

// A taskRecord tracks one task. ctx, the task's context, carries it for
// Named and for nurseries opened in the task.
type taskRecord struct {
	scope   *scopeRecord
	ctx     context.Context
	kind    string
	site    site
	created time.Time
	seq     uint64
	name    atomic.Pointer[string]
	started atomic.Bool // false while queued behind a limit

	mu       sync.Mutex
	children map[*scopeRecord]struct{}
}

// start marks the task started, now that it runs, and returns the context
// it runs with: its record's, or ctx when the task is not tracked (t is nil).
func (t *taskRecord) start(ctx context.Context) context.Context {
	if t == nil {
		return ctx
	}
	t.started.Store(true)
	return t.ctx
}

// openScope starts tracking n, opened at site with parent context ctx.
func openScope(n *Nursery, ctx context.Context, at site) *scopeRecord {
	s := &scopeRecord{n: n, site: at, opened: time.Now(), tasks: make(map[*taskRecord]struct{})}
	if t, ok := ctx.Value(taskKey{}).(*taskRecord); ok {
		s.parent = t
		t.mu.Lock()
		if t.children == nil {
			t.children = make(map[*scopeRecord]struct{})
		}
		t.children[s] = struct{}{}
		t.mu.Unlock()
	} else {
		registry.mu.Lock()
		if registry.roots == nil {
			registry.roots = make(map[*scopeRecord]struct{})
		}
		registry.roots[s] = struct{}{}
		registry.mu.Unlock()
	}
	if stallHook.Load() != nil {
		s.stopAfter = context.AfterFunc(n.ctx, s.armStall)
	}
	return s
}

// close stops tracking s: its nursery has closed.
func (s *scopeRecord) close() {
	if s.stopAfter != nil {
		s.stopAfter()
	}
	s.mu.Lock()
	s.closed = true
	if s.stallTimer != nil {
		s.stallTimer.Stop()
	}
	s.mu.Unlock()
	if t := s.parent; t != nil {
		t.mu.Lock()
		delete(t.children, s)
		t.mu.Unlock()
		return
	}
	registry.mu.Lock()
	delete(registry.roots, s)
	registry.mu.Unlock()
}

// add records a task of kind started at site, which runs with ctx.
func (s *scopeRecord) add(ctx context.Context, kind string, at site) *taskRecord {
	t := &taskRecord{scope: s, kind: kind, site: at, created: time.Now()}
	t.started.Store(true) // unless queued: see Nursery.dispatch
	t.ctx = context.WithValue(ctx, taskKey{}, t)
	s.mu.Lock()
	s.seq++
	t.seq = s.seq
	s.tasks[t] = struct{}{}
	s.mu.Unlock()
	return t
}

// end forgets a task that returned or was dropped.
func (t *taskRecord) end() {
	t.scope.mu.Lock()
	delete(t.scope.tasks, t)
	t.scope.mu.Unlock()
}

// armStall runs when the nursery is canceled: it starts the grace period.
func (s *scopeRecord) armStall() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.canceledAt = time.Now()
	s.stallTimer = time.AfterFunc(s.n.cfg.grace, s.reportStalls)
}

// reportStalls tells the hook of every task still running.
func (s *scopeRecord) reportStalls() {
	hook := stallHook.Load()
	s.mu.Lock()
	if s.closed || hook == nil {
		s.mu.Unlock()
		return
	}
	since := time.Since(s.canceledAt)
	var stalls []Stall
	for t := range s.tasks {
		if t.started.Load() {
			stalls = append(stalls, Stall{Scope: s.n.cfg.name, Task: t.nameOf(), Kind: t.kind, Site: t.site.String(), Since: since})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(stalls, func(a, b Stall) int { return strings.Compare(a.Site+a.Task, b.Site+b.Task) })
	for _, st := range stalls {
		(*hook)(st)
	}
}

func (t *taskRecord) nameOf() string {
	if p := t.name.Load(); p != nil {
		return *p
	}
	return ""
}

func snapshotScopes(records []*scopeRecord, now time.Time) []Scope {
	slices.SortFunc(records, func(a, b *scopeRecord) int { return a.opened.Compare(b.opened) })
	scopes := make([]Scope, 0, len(records))
	for _, s := range records {
		sc := Scope{Name: s.n.cfg.name, Site: s.site.String(), Age: now.Sub(s.opened)}
		if err := s.n.ctx.Err(); err != nil {
			sc.Canceled = true
			sc.Cause = context.Cause(s.n.ctx).Error()
		}
		s.mu.Lock()
		tasks := make([]*taskRecord, 0, len(s.tasks))
		for t := range s.tasks {
			tasks = append(tasks, t)
		}
		s.mu.Unlock()
		slices.SortFunc(tasks, func(a, b *taskRecord) int { return cmp.Compare(a.seq, b.seq) })
		sc.Tasks = make([]Task, 0, len(tasks))
		for _, t := range tasks {
			tk := Task{Name: t.nameOf(), Kind: t.kind, Site: t.site.String(), Age: now.Sub(t.created)}
			switch {
			case !t.started.Load():
				tk.State = "waiting"
			case sc.Canceled:
				tk.State = "canceled"
			default:
				tk.State = "running"
			}
			t.mu.Lock()
			children := make([]*scopeRecord, 0, len(t.children))
			for c := range t.children {
				children = append(children, c)
			}
			t.mu.Unlock()
			tk.Scopes = snapshotScopes(children, now)
			sc.Tasks = append(sc.Tasks, tk)
		}
		scopes = append(scopes, sc)
	}
	return scopes
}

// callerSite records the call site skip frames above its caller. It keeps
// only the program counter: resolving it to a file and line costs far more,
// and is done only when a snapshot or a stall report needs it.
func callerSite(skip int) site {
	var pc [1]uintptr
	runtime.Callers(skip+2, pc[:])
	return site(pc[0])
}

// A site is the program counter of a call that opened a nursery or started
// a task.
type site uintptr

// String returns the site's file:line, the file's directory shortened to
// its last element.
func (s site) String() string {
	f, _ := runtime.CallersFrames([]uintptr{uintptr(s)}).Next()
	if f.File == "" {
		return "unknown"
	}
	return fmt.Sprintf("%s/%s:%d", filepath.Base(filepath.Dir(f.File)), filepath.Base(f.File), f.Line)
}
