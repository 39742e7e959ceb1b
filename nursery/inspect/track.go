package inspect

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// Track turns tracking on, process-wide, for the nurseries opened from now
// on, until the returned stop is called: every scope and task is recorded,
// so that [Snapshot], [WriteTree] and [Handler] can show what a running
// program's scopes are doing. Tracking stays on while any Track or
// [OnStall] has not been stopped; stop may be called any number of times.
//
// A tracked task costs about as much again as an untracked one: its site,
// name and state are recorded as it is submitted, starts and ends.
// Nurseries opened while tracking was off never appear in a Snapshot.
func Track() (stop func()) {
	tracker.mu.Lock()
	defer tracker.mu.Unlock()
	tracker.users++
	if tracker.users == 1 {
		tracker.remove = nursery.AddInstrument(treeInstrument{})
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			tracker.mu.Lock()
			defer tracker.mu.Unlock()
			tracker.users--
			if tracker.users == 0 {
				tracker.remove()
				tracker.remove = nil
			}
		})
	}
}

// tracker holds the tracked nurseries that no tracked task encloses, and
// the stall watchers. Lock order: tracker.mu, then a scope's mu, then a
// task's mu; never two of one kind at once.
var tracker struct {
	mu       sync.Mutex
	users    int    // Track calls not stopped, OnStall's included
	remove   func() // removes the instrument; nil while tracking is off
	roots    map[*scopeRec]struct{}
	watchers []*stallWatcher
}

// A Scope is a snapshot of a tracked nursery.
type Scope struct {
	Name     string        `json:"name,omitempty"`  // from the nursery.Name option
	Site     string        `json:"site"`            // file:line of the call that opened it
	Age      time.Duration `json:"age_ns"`          // since it was opened
	Canceled bool          `json:"canceled"`        // its context is canceled
	Cause    string        `json:"cause,omitempty"` // the cancellation's cause, once canceled
	Tasks    []Task        `json:"tasks"`           // in the order they were started, the body first
}

// A Task is a snapshot of a task of a tracked nursery.
type Task struct {
	Name   string        `json:"name,omitempty"`   // from nursery.Named
	Kind   string        `json:"kind"`             // "body", "go", "trygo", "spawn", "start" or "background"
	State  string        `json:"state"`            // "waiting" behind a limit, "running", or "canceled" and still running
	Site   string        `json:"site"`             // file:line of the call that started it
	Age    time.Duration `json:"age_ns"`           // since it was started
	Scopes []Scope       `json:"scopes,omitempty"` // nurseries opened in the task
}

// Snapshot returns the tree of the tracked nurseries still open, outermost
// first, oldest first. It is empty unless tracking is on (see [Track]).
func Snapshot() []Scope {
	tracker.mu.Lock()
	roots := make([]*scopeRec, 0, len(tracker.roots))
	for s := range tracker.roots {
		roots = append(roots, s)
	}
	tracker.mu.Unlock()
	return snapshotScopes(roots, clock())
}

// WriteTree writes [Snapshot] as indented text, one line per scope and
// per task, for a person to read.
func WriteTree(w io.Writer) error {
	var b strings.Builder
	scopes := Snapshot()
	if len(scopes) == 0 {
		tracker.mu.Lock()
		on := tracker.users > 0
		tracker.mu.Unlock()
		if on {
			b.WriteString("no open nurseries\n")
		} else {
			b.WriteString("task tracking is off: call inspect.Track\n")
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

// epoch is clock's zero.
var epoch = time.Now()

// clock reads the monotonic clock only: half the price of time.Now, paid
// on every tracked task.
func clock() time.Duration { return time.Since(epoch) }

// treeInstrument records the tree of scopes and tasks.
type treeInstrument struct{}

type taskKey struct{}

// A scopeRec tracks one nursery.
type scopeRec struct {
	name   string
	site   uintptr
	opened time.Duration // on clock
	parent *taskRec      // the tracked task whose context Run got, or nil

	mu         sync.Mutex // guards the fields below
	seq        uint64     // numbers the tasks in the order they were submitted
	tasks      taskList   // submitted and not ended or dropped
	canceled   bool
	cause      string
	canceledAt time.Time
	timers     []*time.Timer // stall timers, stopped when the scope closes
	closed     bool
}

// A taskRec tracks one task, in its scope's list. Once the task has
// started it is also the task's context, which carries it under taskKey
// for the scopes opened in the task: one allocation less per task than
// context.WithValue.
type taskRec struct {
	context.Context // the task's context, set by TaskStarted

	scope      *scopeRec
	kind, name string
	site       uintptr
	created    time.Duration // on clock

	// Guarded by scope.mu:
	seq        uint64
	waiting    bool
	prev, next *taskRec
	children   map[*scopeRec]struct{}
}

// A taskList is a doubly linked list of tasks: adding and removing one
// costs no hashing, which matters on every task's path.
type taskList struct {
	head *taskRec
	n    int
}

func (l *taskList) add(t *taskRec) {
	t.next = l.head
	if l.head != nil {
		l.head.prev = t
	}
	l.head = t
	l.n++
}

func (l *taskList) remove(t *taskRec) {
	if t.prev != nil {
		t.prev.next = t.next
	} else if l.head == t {
		l.head = t.next
	} else {
		return // not in the list
	}
	if t.next != nil {
		t.next.prev = t.prev
	}
	t.prev, t.next = nil, nil
	l.n--
}

func (treeInstrument) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	s := &scopeRec{name: name, site: site, opened: clock()}
	if t, ok := ctx.Value(taskKey{}).(*taskRec); ok {
		s.parent = t
		t.scope.mu.Lock()
		if t.children == nil {
			t.children = make(map[*scopeRec]struct{})
		}
		t.children[s] = struct{}{}
		t.scope.mu.Unlock()
	} else {
		tracker.mu.Lock()
		if tracker.roots == nil {
			tracker.roots = make(map[*scopeRec]struct{})
		}
		tracker.roots[s] = struct{}{}
		tracker.mu.Unlock()
	}
	return ctx, s
}

func (treeInstrument) ScopeCanceled(scope any, cause error) {
	s := scope.(*scopeRec)
	tracker.mu.Lock()
	watchers := tracker.watchers
	tracker.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canceled, s.canceledAt = true, time.Now()
	if cause != nil {
		s.cause = cause.Error()
	}
	for _, w := range watchers {
		s.timers = append(s.timers, time.AfterFunc(w.grace, func() { s.reportStalls(w) }))
	}
}

func (treeInstrument) ScopeClosed(scope any, err error) {
	s := scope.(*scopeRec)
	s.mu.Lock()
	s.closed = true
	for _, t := range s.timers {
		t.Stop()
	}
	s.mu.Unlock()
	if t := s.parent; t != nil {
		t.scope.mu.Lock()
		delete(t.children, s)
		t.scope.mu.Unlock()
		return
	}
	tracker.mu.Lock()
	delete(tracker.roots, s)
	tracker.mu.Unlock()
}

func (treeInstrument) TaskSubmitted(scope any, kind, name string, site uintptr) any {
	s := scope.(*scopeRec)
	t := &taskRec{scope: s, kind: kind, name: name, site: site, created: clock()}
	s.mu.Lock()
	s.seq++
	t.seq = s.seq
	s.tasks.add(t)
	s.mu.Unlock()
	return t
}

func (treeInstrument) TaskWaiting(task any) {
	t := task.(*taskRec)
	t.scope.mu.Lock()
	t.waiting = true
	t.scope.mu.Unlock()
}

func (treeInstrument) TaskStarted(ctx context.Context, task any) context.Context {
	t := task.(*taskRec)
	if t.waiting {
		t.scope.mu.Lock()
		t.waiting = false
		t.scope.mu.Unlock()
	}
	t.Context = ctx
	return t
}

// Value returns t itself for taskKey, and otherwise what the task's
// context holds.
func (t *taskRec) Value(key any) any {
	if key == (taskKey{}) {
		return t
	}
	return t.Context.Value(key)
}

func (treeInstrument) TaskEnded(task any, err error, echo bool) { task.(*taskRec).end() }

func (treeInstrument) TaskDropped(task any, cause error) { task.(*taskRec).end() }

func (t *taskRec) end() {
	t.scope.mu.Lock()
	t.scope.tasks.remove(t)
	t.scope.mu.Unlock()
}

func snapshotScopes(records []*scopeRec, now time.Duration) []Scope {
	slices.SortFunc(records, func(a, b *scopeRec) int { return cmp.Compare(a.opened, b.opened) })
	scopes := make([]Scope, 0, len(records))
	for _, s := range records {
		sc := Scope{Name: s.name, Site: siteString(s.site), Age: now - s.opened}
		type taskCopy struct {
			t        *taskRec
			seq      uint64
			waiting  bool
			children []*scopeRec
		}
		s.mu.Lock()
		sc.Canceled, sc.Cause = s.canceled, s.cause
		tasks := make([]taskCopy, 0, s.tasks.n)
		for t := s.tasks.head; t != nil; t = t.next {
			c := taskCopy{t: t, seq: t.seq, waiting: t.waiting}
			for ch := range t.children {
				c.children = append(c.children, ch)
			}
			tasks = append(tasks, c)
		}
		s.mu.Unlock()
		slices.SortFunc(tasks, func(a, b taskCopy) int { return cmp.Compare(a.seq, b.seq) })
		sc.Tasks = make([]Task, 0, len(tasks))
		for _, c := range tasks {
			tk := Task{Name: c.t.name, Kind: c.t.kind, Site: siteString(c.t.site), Age: now - c.t.created}
			switch {
			case c.waiting:
				tk.State = "waiting"
			case sc.Canceled:
				tk.State = "canceled"
			default:
				tk.State = "running"
			}
			tk.Scopes = snapshotScopes(c.children, now)
			sc.Tasks = append(sc.Tasks, tk)
		}
		scopes = append(scopes, sc)
	}
	return scopes
}

// siteString returns the file:line of the call at pc, the file's directory
// shortened to its last element.
func siteString(pc uintptr) string {
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	if f.File == "" {
		return "unknown"
	}
	return fmt.Sprintf("%s/%s:%d", filepath.Base(filepath.Dir(f.File)), filepath.Base(f.File), f.Line)
}
