package inspect

import (
	"context"
	"runtime/trace"

	"github.com/scoped-go/scoped/nursery"
)

// RuntimeTrace returns an instrument that shows scopes and tasks in an
// execution trace (runtime/trace, go tool trace): each scope is a trace
// task named after the scope ([nursery.Name], or "nursery"), a child of
// the trace task in Run's context if there is one; each task is a region
// of its scope's trace task, named after the task ([nursery.Named], or its
// kind), that spans the task's run in its goroutine; a scope's
// cancellation is logged on its trace task with the category
// "nursery.canceled" and the cause. While no trace is being recorded it
// does nothing. Add it with [nursery.AddInstrument]:
//
//	defer nursery.AddInstrument(inspect.RuntimeTrace())()
func RuntimeTrace() nursery.Instrument { return traceInstrument{} }

// traceInstrument is the instrument RuntimeTrace returns.
type traceInstrument struct{}

// A traceScope is traceInstrument's value for a scope.
type traceScope struct {
	ctx  context.Context // carries task
	task *trace.Task
}

// A traceTask is traceInstrument's value for a task.
type traceTask struct {
	name   string
	region *trace.Region // set and ended in the task's goroutine
}

func (traceInstrument) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	if !trace.IsEnabled() {
		return ctx, nil
	}
	if name == "" {
		name = "nursery"
	}
	ctx, task := trace.NewTask(ctx, name)
	return ctx, &traceScope{ctx: ctx, task: task}
}

func (traceInstrument) ScopeCanceled(scope any, cause error) {
	if s, ok := scope.(*traceScope); ok && cause != nil {
		trace.Log(s.ctx, "nursery.canceled", cause.Error())
	}
}

func (traceInstrument) ScopeClosed(scope any, err error) {
	if s, ok := scope.(*traceScope); ok {
		s.task.End()
	}
}

func (traceInstrument) TaskSubmitted(scope any, kind, name string, site uintptr) any {
	if scope == nil {
		return nil // the scope opened while no trace was recorded
	}
	if name == "" {
		name = kind
	}
	return &traceTask{name: name}
}

func (traceInstrument) TaskWaiting(task any) {}

func (traceInstrument) TaskStarted(ctx context.Context, task any) context.Context {
	if t, ok := task.(*traceTask); ok {
		t.region = trace.StartRegion(ctx, t.name)
	}
	return ctx
}

func (traceInstrument) TaskEnded(task any, err error, echo bool) {
	if t, ok := task.(*traceTask); ok && t.region != nil {
		t.region.End()
	}
}

func (traceInstrument) TaskDropped(task any, cause error) {}
