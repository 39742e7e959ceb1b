package inspect

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// Logger returns an instrument that logs to l, one structured record for
// each of these, with the attributes scope (the scope's name), task (the
// task's name), kind, site (file:line of the call that started the task)
// and duration:
//
//   - a task that failed: at level Error, with the error as err;
//   - a task that panicked: at level Error, with the panic value as panic
//     and the panicking goroutine's stack as stack;
//   - a task that called runtime.Goexit: at level Error;
//   - a task still running [nursery.DefaultGrace] after its scope was
//     canceled, a stall: at level Warn, duration being the time since the
//     cancellation.
//
// A task that ended with an echo of its scope's cancellation did not fail
// (see [nursery.Run]): it is logged at level Debug, if at all. Add the
// instrument with [nursery.AddInstrument]:
//
//	defer nursery.AddInstrument(inspect.Logger(slog.Default()))()
//
// Logger panics if l is nil.
func Logger(l *slog.Logger) nursery.Instrument {
	if l == nil {
		panic("inspect: Logger called with a nil *slog.Logger")
	}
	return &logInstrument{l: l, grace: nursery.DefaultGrace}
}

// logInstrument is the instrument Logger returns.
type logInstrument struct {
	l     *slog.Logger
	grace time.Duration // how long after a cancellation a running task is a stall
}

// A logScope is logInstrument's value for a scope: its running tasks, for
// the stall report.
type logScope struct {
	name string

	mu         sync.Mutex // guards the fields below
	running    map[*logTask]struct{}
	canceledAt time.Time
	timer      *time.Timer
	closed     bool
}

// A logTask is logInstrument's value for a task.
type logTask struct {
	scope      *logScope
	kind, name string
	site       uintptr
	start      time.Time // set by TaskStarted, in the task's goroutine
}

func (li *logInstrument) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	return ctx, &logScope{name: name, running: make(map[*logTask]struct{})}
}

func (li *logInstrument) ScopeCanceled(scope any, cause error) {
	s := scope.(*logScope)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canceledAt = time.Now()
	s.timer = time.AfterFunc(li.grace, func() { li.stalls(s) })
}

func (li *logInstrument) ScopeClosed(scope any, err error) {
	s := scope.(*logScope)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
}

// stalls logs the tasks of s still running.
func (li *logInstrument) stalls(s *logScope) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	since := time.Since(s.canceledAt)
	tasks := make([]*logTask, 0, len(s.running))
	for t := range s.running {
		tasks = append(tasks, t)
	}
	s.mu.Unlock()
	for _, t := range sortedBySite(tasks) {
		li.l.LogAttrs(context.Background(), slog.LevelWarn, "nursery: task ignores cancellation", t.attrs(since)...)
	}
}

func (li *logInstrument) TaskSubmitted(scope any, kind, name string, site uintptr) any {
	return &logTask{scope: scope.(*logScope), kind: kind, name: name, site: site}
}

func (li *logInstrument) TaskWaiting(task any) {}

func (li *logInstrument) TaskStarted(ctx context.Context, task any) context.Context {
	t := task.(*logTask)
	t.start = time.Now()
	t.scope.mu.Lock()
	t.scope.running[t] = struct{}{}
	t.scope.mu.Unlock()
	return ctx
}

func (li *logInstrument) TaskEnded(task any, err error, echo bool) {
	t := task.(*logTask)
	t.scope.mu.Lock()
	delete(t.scope.running, t)
	t.scope.mu.Unlock()
	if err == nil {
		return
	}
	ctx := context.Background()
	d := time.Since(t.start)
	pe, panicked := err.(*nursery.PanicError)
	switch {
	case echo:
		if li.l.Enabled(ctx, slog.LevelDebug) {
			li.l.LogAttrs(ctx, slog.LevelDebug, "nursery: task ended with an echo of the cancellation", append(t.attrs(d), slog.Any("err", err))...)
		}
	case panicked:
		li.l.LogAttrs(ctx, slog.LevelError, "nursery: task panicked", append(t.attrs(d), slog.Any("panic", pe.Value), slog.String("stack", string(pe.Stack)))...)
	case err == nursery.ErrGoexit:
		li.l.LogAttrs(ctx, slog.LevelError, "nursery: task called runtime.Goexit", t.attrs(d)...)
	default:
		li.l.LogAttrs(ctx, slog.LevelError, "nursery: task failed", append(t.attrs(d), slog.Any("err", err))...)
	}
}

func (li *logInstrument) TaskDropped(task any, cause error) {}

// attrs are the attributes every record about t carries.
func (t *logTask) attrs(d time.Duration) []slog.Attr {
	return []slog.Attr{
		slog.String("scope", t.scope.name),
		slog.String("task", t.name),
		slog.String("kind", t.kind),
		slog.String("site", siteString(t.site)),
		slog.Duration("duration", d),
	}
}
