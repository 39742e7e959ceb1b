package nursery

import (
	"context"
	"runtime/pprof"
	"unsafe"

	"github.com/scoped-go/scoped/internal/taskrun"
)

// An Instrument observes every nursery opened while it is added (see
// [AddInstrument]) and every task started in one: it is the one way to
// see inside scopes, on which the task tree, stall reports, logs, traces
// and metrics are built (see package nursery/inspect). The functions of
// package taskgroup report through it too: their nurseries and tasks with
// the line that called them, and a taskgroup.Group as a scope from its
// first Go to its Wait.
//
// A scope's events come in this order: ScopeOpened, then the events of
// its tasks, with ScopeCanceled at most once among them, then ScopeClosed
// after every task has ended or been dropped. A task's events come in this
// order: TaskSubmitted, TaskWaiting if it waits behind a [Limit],
// TaskStarted, TaskEnded; or TaskSubmitted, TaskWaiting, TaskDropped for a
// task dropped behind a canceled limit. The body of [Run] is reported as a
// task of kind "body", submitted and started right after ScopeOpened and
// ended when it returns.
//
// Each method that opens something returns the instrument's own value for
// it: the value returned by ScopeOpened is handed to the scope's other
// events and to TaskSubmitted, and the value returned by TaskSubmitted to
// the task's other events. An instrument keeps its state there (a span,
// a start time, a record) and needs no map of its own.
//
// Instruments are called synchronously, in the goroutine given for each
// method, and from many goroutines at once: a slow instrument slows the
// tasks it observes. A panic in an instrument is a bug in the instrument:
// it is never recovered, and it propagates from the goroutine that called
// the instrument, after the outcome of the task or scope it was told of
// has been recorded (the crash output then shows both panics).
type Instrument interface {
	// ScopeOpened is called in Run's goroutine before the body starts, with
	// Run's context, the scope's [Name] ("" if none) and the program
	// counter of the call that opened it: the call of Run, or of the
	// taskgroup function that called Run. It returns the context from which
	// the nursery derives its own (ctx itself to change nothing), and the
	// instrument's value for the scope.
	ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any)

	// ScopeCanceled is called once if the nursery's context is canceled
	// before the scope closes, with the cause: by a failure, by
	// [Nursery.Cancel] or by the parent context. It is called from the
	// goroutine that canceled the nursery or from a goroutine of the
	// context package.
	ScopeCanceled(scope any, cause error)

	// ScopeClosed is called in Run's goroutine once the body and every task
	// have ended, with Run's outcome: nil, the error Run returns, the
	// [*PanicError] it raises (for a panic in the body too), or [ErrGoexit].
	ScopeClosed(scope any, err error)

	// TaskSubmitted is called in the goroutine that starts a task, before
	// the task can run, with its kind ("body", "go", "trygo", "start",
	// "background" or "spawn"), its name if it is [Named] and the program
	// counter of the call that started it (for the tasks of a taskgroup
	// function, the call of that function). It returns the instrument's
	// value for the task. A call of [Nursery.TryGo] that finds no room
	// submits nothing.
	TaskSubmitted(scope any, kind, name string, site uintptr) any

	// TaskWaiting is called in the submitting goroutine when the task must
	// wait behind the nursery's [Limit].
	TaskWaiting(task any)

	// TaskStarted is called in the task's goroutine before it runs, with
	// the task's context. It returns the context the task runs with (ctx
	// itself to change nothing); it must be derived from ctx.
	TaskStarted(ctx context.Context, task any) context.Context

	// TaskEnded is called in the task's goroutine once it has ended, with
	// its outcome: nil; the error it returned, and whether that error was
	// an echo of the nursery's cancellation (dropped from Run's result; see
	// [Run]); a [*PanicError]; or [ErrGoexit]. A Start task's failure
	// before ready, which goes to Start's caller, is reported with echo
	// false.
	TaskEnded(task any, err error, echo bool)

	// TaskDropped is called when a task that waited behind the limit is
	// dropped, never to run, because the nursery was canceled; cause is
	// the cancellation's cause.
	TaskDropped(task any, cause error)
}

// AddInstrument adds i to the instruments that observe the nurseries
// opened from now on, process-wide, and returns a function that removes
// it. Removing stops i from observing nurseries opened afterwards; those
// already open keep reporting to it until they close. The remove function
// may be called any number of times.
//
// With no instrument added, observation costs a start one nil check and
// each Run one atomic load.
//
// AddInstrument panics if i is nil.
func AddInstrument(i Instrument) (remove func()) {
	if i == nil {
		panic("nursery: AddInstrument called with a nil Instrument")
	}
	return taskrun.Add(i)
}

// A scopeObs is what an observed nursery keeps for its instruments.
type scopeObs struct {
	insts  []*taskrun.Entry
	states []any   // each instrument's value for the scope
	site   uintptr // the scope's site; a taskgroup call's site for its tasks too
	fixed  bool    // site is a taskgroup call's: every task reports it

	stop     func() bool   // stops the AfterFunc that reports the cancellation
	canceled chan struct{} // closed once the AfterFunc has reported it
}

// A taskObs is what an observed task keeps for the instruments.
type taskObs struct {
	s    *scopeObs
	one  any   // the instrument's value for the task, if there is one instrument
	many []any // each instrument's value for the task, if there are several
}

// state returns the k-th instrument's value for the task.
func (t *taskObs) state(k int) any {
	if t.many != nil {
		return t.many[k]
	}
	return t.one
}

// observe opens the scope for the instruments in list, if any, and
// returns the context the nursery derives from. at is the site of the
// call of Run.
func (n *Nursery) observe(ctx context.Context, list []*taskrun.Entry, at uintptr) context.Context {
	s := &scopeObs{insts: list, site: at}
	if pc, ok := taskrun.SiteOf(ctx); ok {
		s.site, s.fixed = pc, true
	}
	s.states = make([]any, len(s.insts))
	for k, e := range s.insts {
		ctx, s.states[k] = e.I.ScopeOpened(ctx, n.cfg.name, s.site)
	}
	n.obs = s
	return ctx
}

// watchCancel arranges for the instruments to hear of the nursery's
// cancellation. n.ctx must be set.
func (s *scopeObs) watchCancel(ctx context.Context) {
	s.canceled = make(chan struct{})
	s.stop = context.AfterFunc(ctx, func() {
		defer close(s.canceled)
		s.reportCancel(context.Cause(ctx))
	})
}

func (s *scopeObs) reportCancel(cause error) {
	for k, e := range s.insts {
		e.I.ScopeCanceled(s.states[k], cause)
	}
}

// settleCancel makes sure that the cancellation, if any, has been reported
// before the scope closes: by the AfterFunc, which it waits for, or here.
func (s *scopeObs) settleCancel(ctx context.Context) {
	if !s.stop() {
		<-s.canceled // the AfterFunc has run, or is running
		return
	}
	if ctx.Err() != nil {
		s.reportCancel(context.Cause(ctx))
	}
}

// closed reports the scope's outcome.
func (s *scopeObs) closed(err error) {
	for k, e := range s.insts {
		e.I.ScopeClosed(s.states[k], err)
	}
}

// siteFor returns the site of a task started at pc: the scope's own site
// for the scope of a taskgroup call, else pc.
//
// The functions that open a scope or start a task (Run, Go, TryGo, Start,
// StartValue, Background, Spawn) take pc with callerpc.Caller in their own
// bodies, and are marked not to be inlined: so the site is found with a
// few loads rather than a stack walk (see package callerpc).
func (s *scopeObs) siteFor(pc uintptr) uintptr {
	if s.fixed {
		return s.site
	}
	return pc
}

// goObserved submits a Go or TryGo task of an observed nursery, started at
// site at and counted in state if the nursery has no limit, and hands it
// to a goroutine: to a worker at once if admitted is set (TryGo, with a
// limit, has admitted it already), else as dispatch does. Without a limit
// and with one instrument, the task goes through the nursery's launch
// queue for observed tasks, whose slots carry the instrument's value, and
// its observation lives on its goroutine's stack (see runObserved): it
// costs no allocation beyond the instrument's.
func (n *Nursery) goObserved(task func(context.Context) error, kind string, at uintptr, admitted bool) {
	if s := n.obs; n.lim == nil && len(s.insts) == 1 {
		n.launchObserved(task, s.insts[0].I.TaskSubmitted(s.states[0], kind, nameOf(task), at))
		return
	}
	j := job{fn: task, x: new(extra)}
	n.obs.submit(&j.x.to, kind, task, at)
	if admitted {
		n.place(j)
		return
	}
	n.dispatch(j, "Go")
}

// runObserved runs a task that goObserved started, whose one instrument
// gave it the value st.
func (n *Nursery) runObserved(fn func(context.Context) error, st any) {
	x := extra{to: taskObs{s: n.obs, one: st}}
	n.runJob(fn, &x)
}

// submit fills in t for a task of kind, started with task (nil for the
// body, a Start task and a Spawn task, which cannot be named), at site, and
// reports it. It returns t.
func (s *scopeObs) submit(t *taskObs, kind string, task func(context.Context) error, at uintptr) *taskObs {
	name := ""
	if task != nil {
		name = nameOf(task)
	}
	t.s = s
	if len(s.insts) == 1 {
		t.one = s.insts[0].I.TaskSubmitted(s.states[0], kind, name, at)
		return t
	}
	t.many = make([]any, len(s.insts))
	for k, e := range s.insts {
		t.many[k] = e.I.TaskSubmitted(s.states[k], kind, name, at)
	}
	return t
}

func (t *taskObs) waiting() {
	for k, e := range t.s.insts {
		e.I.TaskWaiting(t.state(k))
	}
}

func (t *taskObs) started(ctx context.Context) context.Context {
	if t.many == nil {
		return t.s.insts[0].I.TaskStarted(ctx, t.one)
	}
	for k, e := range t.s.insts {
		ctx = e.I.TaskStarted(ctx, t.state(k))
	}
	return ctx
}

func (t *taskObs) ended(err error, echo bool) {
	if t.many == nil {
		t.s.insts[0].I.TaskEnded(t.one, err, echo)
		return
	}
	for k, e := range t.s.insts {
		e.I.TaskEnded(t.state(k), err, echo)
	}
}

func (t *taskObs) dropped(cause error) {
	for k, e := range t.s.insts {
		e.I.TaskDropped(t.state(k), cause)
	}
}

// outcomeErr is how a task ended, as the instruments hear it.
func outcomeErr(o taskrun.Outcome, pe *PanicError) error {
	switch {
	case pe != nil:
		return pe
	case o.Goexit:
		return ErrGoexit
	}
	return o.Err
}

// Named returns a task that runs task under the name name. The name is
// known when the task is submitted, so the instruments hear it with the
// task (see [Instrument]); the task's goroutine carries the pprof label
// "task" (beside the nursery's "scope" label, if the nursery is named), so
// that a goroutine profile groups goroutines by task. Pass the result
// straight to [Nursery.Go], [Nursery.TryGo] or [Nursery.Background]:
//
//	n.Background(nursery.Named("metrics-flusher", flush))
//
// Named panics if task is nil.
//
//go:noinline
func Named(name string, task func(ctx context.Context) error) func(ctx context.Context) error {
	if task == nil {
		panic("nursery: Named called with a nil task")
	}
	return func(ctx context.Context) (err error) {
		if p, ok := ctx.(*nameProbe); ok {
			p.name = name
			return nil
		}
		pprof.Do(ctx, pprof.Labels("task", name), func(ctx context.Context) {
			err = task(ctx)
		})
		return err
	}
}

// A nameProbe asks a task made by Named for its name: called with one, the
// task reports the name and returns without running.
type nameProbe struct {
	context.Context
	name string
}

// namedCode is the code of the tasks Named returns. Named is never inlined,
// so that all of them share it.
var namedCode = codeOf(Named("", func(context.Context) error { return nil }))

// codeOf returns the address of the code that f runs, as
// reflect.Value.Pointer does for a func (TestCodeOf checks that they
// agree), at a tenth of its cost on every observed task: a func value
// points to a record whose first word is that address.
func codeOf(f func(context.Context) error) uintptr {
	return **(**uintptr)(unsafe.Pointer(&f))
}

// nameOf returns the name of a task made by Named, and "" for any other
// task, which it does not call.
func nameOf(task func(context.Context) error) string {
	if codeOf(task) != namedCode {
		return ""
	}
	p := nameProbe{Context: context.Background()}
	_ = task(&p)
	return p.name
}
