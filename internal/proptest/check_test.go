package proptest

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/timeout"
)

// checkModel compares what every node did with what the model says, and
// returns a line per difference.
func (x *runner) checkModel(want []result) []string {
	var bad []string
	for _, n := range x.t.nodes {
		got, w := &x.recs[n.id], want[n.id]
		if got.started != w.started {
			bad = append(bad, fmt.Sprintf("#%d started = %v, want %v (model: %v)", n.id, got.started, w.started, w))
			continue
		}
		if !got.started {
			continue
		}
		if got.end != w.end {
			bad = append(bad, fmt.Sprintf("#%d ended at %v, want %v (model: %v)", n.id, got.end, w.end, w))
		}
		if got.how != w.how {
			bad = append(bad, fmt.Sprintf("#%d %s, want it to %v", n.id, x.describe(got), w))
			continue
		}
		switch w.how {
		case panicked:
			if !x.isPanicOf(got.pval, w.panicOf, n.scope == leafNode) {
				bad = append(bad, fmt.Sprintf("#%d %s, want it to %v", n.id, x.describe(got), w))
			}
		case returned:
			if n.scope == leafNode && n.leaf == awaitLeaf {
				break // see model.await: at the cancellation, either of two echoes
			}
			if !x.match(got.ret, w.val) {
				bad = append(bad, fmt.Sprintf("#%d %s, want it to %v", n.id, x.describe(got), w))
			}
		}
	}
	return bad
}

func (x *runner) describe(r *record) string {
	switch r.how {
	case panicked:
		return "panicked with " + describeValue(r.pval)
	case exited:
		return "called Goexit"
	}
	return fmt.Sprintf("returned %v (%T)", r.ret, r.ret)
}

func describeValue(v any) string {
	if pe, ok := v.(*nursery.PanicError); ok {
		return fmt.Sprintf("*PanicError{Value: %v}", pe.Value)
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// isPanicOf reports whether v is leaf id's panic value: as it is, from the
// leaf itself, or in a *nursery.PanicError.
func (x *runner) isPanicOf(v any, id int, raw bool) bool {
	if raw {
		return v == any(x.t.nodes[id].pval)
	}
	pe, ok := v.(*nursery.PanicError)
	return ok && pe.Value == any(x.t.nodes[id].pval)
}

// match reports whether got is the value the model describes, by identity.
func (x *runner) match(got error, want mval) bool {
	switch want.kind {
	case nilVal:
		return got == nil
	case leafErrVal:
		return got == x.t.nodes[want.node].err
	case timeoutVal:
		var te *timeout.Error
		return got != nil && got == x.recs[want.node].ret && errors.As(got, &te) && errors.Is(got, timeout.ErrTimeout)
	case canceledVal:
		return got == context.Canceled
	case joinVal:
		if got == nil || got != x.recs[want.node].ret {
			return false
		}
		elems := unwrapJoin(got)
		if len(elems) != len(want.elems) {
			return false
		}
		for i, e := range elems {
			if !x.match(e, want.elems[i]) {
				return false
			}
		}
		return true
	case panicVal:
		pe, ok := got.(*nursery.PanicError)
		return ok && pe.Value == any(x.t.nodes[want.node].pval)
	case goexitVal:
		return got == nursery.ErrGoexit
	case parentVal:
		return got == errParent
	case bgDoneVal:
		return got != context.Canceled && errors.Is(got, context.Canceled)
	}
	return false
}

func unwrapJoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return nil
}

// checkInvariants checks what must hold whatever the order of events, and
// so needs no model: scopes end after their children, limits hold, Start
// returns what it should, panics and Goexits are never lost, every error a
// scope returns was returned by one of its children, once, and every
// child's error that cannot be an echo is among them.
func (x *runner) checkInvariants() []string {
	var bad []string
	for _, n := range x.t.nodes {
		rec := &x.recs[n.id]
		if rec.problem != "" {
			bad = append(bad, fmt.Sprintf("#%d: %s", n.id, rec.problem))
		}
		if !rec.started || n.scope == leafNode {
			continue
		}
		if n.limit > 0 && rec.maxRunning > int64(n.limit) {
			bad = append(bad, fmt.Sprintf("#%d: %d tasks ran at once, over Limit(%d)", n.id, rec.maxRunning, n.limit))
		}
		var childPanics []any
		childExited := false
		var vals []error // the children's distinct errors
		for _, k := range n.children {
			kr := &x.recs[k.id]
			if !kr.started {
				continue
			}
			if kr.endSeq >= rec.endSeq {
				bad = append(bad, fmt.Sprintf("#%d ended before its child #%d", n.id, k.id))
			}
			if k.scope == leafNode && k.leaf == startFailLeaf {
				continue
			}
			switch kr.how {
			case panicked:
				childPanics = append(childPanics, kr.pval)
			case exited:
				childExited = true
			default:
				if kr.ret != nil && !slices.Contains(vals, kr.ret) {
					vals = append(vals, kr.ret)
				}
			}
		}
		switch {
		case len(childPanics) > 0:
			pe, ok := rec.pval.(*nursery.PanicError)
			if rec.how != panicked || !ok || !slices.ContainsFunc(childPanics, func(v any) bool { return v == pe || v == pe.Value }) {
				bad = append(bad, fmt.Sprintf("#%d %s, want a panic with a child's panic value", n.id, x.describe(rec)))
			}
			continue
		case childExited:
			if rec.how != exited {
				bad = append(bad, fmt.Sprintf("#%d %s, want Goexit: a child called it", n.id, x.describe(rec)))
			}
			continue
		case rec.how != returned:
			bad = append(bad, fmt.Sprintf("#%d %s, but no child panicked or called Goexit", n.id, x.describe(rec)))
			continue
		}
		// One root error comes back as it is, even if it joins others.
		got := unwrapJoin(rec.ret)
		if rec.ret != nil && (got == nil || slices.Contains(vals, rec.ret)) {
			got = []error{rec.ret}
		}
		if rec.ret != nil && rec.ret == rec.parentCause && !slices.Contains(vals, rec.ret) {
			continue // the parent's cause, which its tasks echoed
		}
		for i, e := range got {
			if !slices.Contains(vals, e) {
				bad = append(bad, fmt.Sprintf("#%d returned %v, which no child returned", n.id, e))
			}
			if slices.Contains(got[:i], e) {
				bad = append(bad, fmt.Sprintf("#%d returned %v twice", n.id, e))
			}
		}
		for _, v := range vals {
			echo := errors.Is(v, context.Canceled) || errors.Is(v, context.DeadlineExceeded) || errors.Is(v, rec.cause)
			if !echo && !slices.Contains(got, v) {
				bad = append(bad, fmt.Sprintf("#%d lost its child's error %v: it returned %v", n.id, v, rec.ret))
			}
		}
	}
	return bad
}
