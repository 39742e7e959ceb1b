package taskgroup

import (
	"context"
	"sync"

	"github.com/scoped-go/scoped/internal/taskrun"
	"github.com/scoped-go/scoped/nursery"
)

// A Group reports to the instruments of package nursery as a scope
// without a name: it opens at the first Go or TryGo after instruments were
// added, its functions are tasks at the lines that started them, it is
// canceled when its context is (WithContext) by a failure, and it closes
// when Wait returns, with what Wait returns or raises. Its functions take
// no context, so the contexts the instruments return are not used.

// groupObs is what an observed Group keeps for the instruments: one scope.
type groupObs struct {
	insts  []*taskrun.Entry
	states []any // each instrument's value for the scope

	mu       sync.Mutex
	canceled bool // the cancellation was reported
}

// groupTask is what an observed function keeps for the instruments.
type groupTask struct {
	s      *groupObs
	states []any
	one    [1]any
}

// submit reports a function of kind, started at site, opening the scope
// first if need be. It returns nil if no instrument is added.
func (g *Group) submit(kind string, site uintptr) *groupTask {
	s := g.obs.Load()
	if s == nil {
		g.mu.Lock()
		if s = g.obs.Load(); s == nil {
			list := taskrun.Instruments()
			if list == nil {
				g.mu.Unlock()
				return nil
			}
			s = &groupObs{insts: list, states: make([]any, len(list))}
			ctx := g.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			for k, e := range list {
				_, s.states[k] = e.I.ScopeOpened(ctx, "", site)
			}
			g.obs.Store(s)
		}
		g.mu.Unlock()
	}
	t := &groupTask{s: s}
	t.states = t.one[:]
	if len(s.insts) > 1 {
		t.states = make([]any, len(s.insts))
	}
	for k, e := range s.insts {
		t.states[k] = e.I.TaskSubmitted(s.states[k], kind, "", site)
	}
	return t
}

// canceled reports the cancellation of the Group's context with cause,
// once per scope.
func (g *Group) canceled(cause error) {
	s := g.obs.Load()
	if s == nil {
		return
	}
	s.mu.Lock()
	first := !s.canceled
	s.canceled = true
	s.mu.Unlock()
	if first {
		for k, e := range s.insts {
			e.I.ScopeCanceled(s.states[k], cause)
		}
	}
}

// outcome is what Wait returns or raises, as the instruments hear it.
func (g *Group) outcome(pe *nursery.PanicError, goexit bool) error {
	switch {
	case pe != nil:
		return pe
	case goexit:
		return nursery.ErrGoexit
	}
	return g.err
}

func (s *groupObs) closed(err error) {
	for k, e := range s.insts {
		e.I.ScopeClosed(s.states[k], err)
	}
}

func (t *groupTask) waiting() {
	for k, e := range t.s.insts {
		e.I.TaskWaiting(t.states[k])
	}
}

func (t *groupTask) started(ctx context.Context) {
	if ctx == nil {
		ctx = context.Background()
	}
	for k, e := range t.s.insts {
		_ = e.I.TaskStarted(ctx, t.states[k])
	}
}

// ended reports how the function ended: pe is its panic, if it panicked.
func (t *groupTask) ended(o taskrun.Outcome, pe *nursery.PanicError) {
	var err error
	switch {
	case pe != nil:
		err = pe
	case o.Goexit:
		err = nursery.ErrGoexit
	default:
		err = o.Err
	}
	for k, e := range t.s.insts {
		e.I.TaskEnded(t.states[k], err, false)
	}
}
