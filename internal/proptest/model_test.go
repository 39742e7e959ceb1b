package proptest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// The model computes, for a virtual-time tree, what every node does and
// when: whether it starts, when it ends, and how (nil, which error, which
// panic, or Goexit). It follows the design's rules one scope at a time:
//
//   - A scope's context is canceled at c, the earlier of its parent's
//     cancellation and its own first failure. The first failure is found by
//     evaluating the children as if only the parent canceled them, and then
//     the children are evaluated again with the scope's own c: what happens
//     before c is the same in both evaluations.
//   - A well-behaved leaf acts at its time a if a <= c (a == c only for the
//     leaf whose action is the cancellation), and echoes ctx.Err() at c
//     otherwise.
//   - A child's error is an echo, and dropped, if the scope's context was
//     canceled when the child returned and the error matches
//     context.Canceled, context.DeadlineExceeded or the cause; a value
//     already reported is dropped; the rest are the root errors, in time
//     order.
//   - The first panic wins over a Goexit, which wins over errors.
//
// Ties would make the order of events a matter of scheduling, so the model
// rejects a tree in which two leaves act at the same instant, or in which
// two failures reach one scope at the same instant; the generator then
// draws another tree.

// errTie reports a tree the model cannot predict exactly.
var errTie = errors.New("proptest: tie")

// An mval is an error value in the model. Two mvals are the same value
// when their kind and node are equal.
type mval struct {
	kind  valKind
	node  int    // the leaf or scope it comes from
	elems []mval // joinVal: the joined root errors
}

type valKind uint8

const (
	nilVal      valKind = iota
	leafErrVal          // node's own error
	timeoutVal          // the *timeout.Error node's timeout.Run returned
	canceledVal         // context.Canceled, as ctx.Err() returns it
	joinVal             // the errors.Join scope node's Run returned
	panicVal            // the *nursery.PanicError of node's panic, as an error
	goexitVal           // nursery.ErrGoexit
	parentVal           // errParent, the root's parent's cause
	bgDoneVal           // the cause of a background task's end
	notReadyVal         // Start's error for a task that returned nil before ready
)

func (v mval) same(w mval) bool { return v.kind == w.kind && v.node == w.node }

// cancelLike mirrors errors.Is(v, context.Canceled) || errors.Is(v,
// context.DeadlineExceeded).
func (v mval) cancelLike() bool {
	switch v.kind {
	case canceledVal, timeoutVal, bgDoneVal:
		return true
	case joinVal:
		return slices.ContainsFunc(v.elems, mval.cancelLike)
	}
	return false
}

// is mirrors errors.Is(v, target).
func (v mval) is(target mval) bool {
	if v.same(target) {
		return true
	}
	if v.kind == joinVal {
		return slices.ContainsFunc(v.elems, func(e mval) bool { return e.is(target) })
	}
	return false
}

func (v mval) String() string {
	switch v.kind {
	case nilVal:
		return "nil"
	case leafErrVal:
		return fmt.Sprintf("error of #%d", v.node)
	case timeoutVal:
		return fmt.Sprintf("timeout of #%d", v.node)
	case canceledVal:
		return "context.Canceled"
	case joinVal:
		return fmt.Sprintf("join of #%d %v", v.node, v.elems)
	case panicVal:
		return fmt.Sprintf("panic of #%d (as error)", v.node)
	case goexitVal:
		return "ErrGoexit"
	case parentVal:
		return "errParent"
	case bgDoneVal:
		return "background done"
	case notReadyVal:
		return "not ready"
	}
	return "?"
}

// How a node ends.
type endKind uint8

const (
	returned endKind = iota
	panicked
	exited // runtime.Goexit
)

// A result is what the model says a node does.
type result struct {
	started bool
	end     time.Duration
	how     endKind
	val     mval // returned: the error (nilVal for nil)
	panicOf int  // panicked: the leaf whose value it is
}

func (r result) String() string {
	if !r.started {
		return "not started"
	}
	switch r.how {
	case panicked:
		return fmt.Sprintf("panics with the value of #%d at %v", r.panicOf, r.end)
	case exited:
		return fmt.Sprintf("calls Goexit at %v", r.end)
	}
	return fmt.Sprintf("returns %v at %v", r.val, r.end)
}

// never is a time after every event.
const never = time.Duration(1<<63 - 1)

// model evaluates t. It returns errTie if t has a tie.
type model struct {
	t       *tree
	res     []result // by node id
	actions map[time.Duration]int
	tie     bool
}

func runModel(t *tree) ([]result, error) {
	m := &model{t: t, res: make([]result, len(t.nodes)), actions: map[time.Duration]int{}}
	m.res[t.root.id] = m.node(t.root, 0, t.parentCancel, mval{kind: parentVal}, false)
	if m.tie {
		return nil, errTie
	}
	return m.res, nil
}

// action notes that a leaf acts at time a; two at once are a tie.
func (m *model) action(a time.Duration, id int) {
	if prev, ok := m.actions[a]; ok && prev != id {
		m.tie = true
	}
	m.actions[a] = id
}

// node evaluates n started at s, in a context canceled at c with cause.
// isCause is set when n's own action is what cancels at c.
func (m *model) node(n *node, s, c time.Duration, cause mval, isCause bool) result {
	if n.scope != leafNode {
		if isCause {
			// The scope's own failure is the cancellation: it returned
			// before the cancellation could reach anything in it.
			c = never
		}
		return m.scopeNode(n, s, c, cause)
	}
	r := result{started: true}
	acts := func(a time.Duration) bool {
		m.action(a, n.id)
		return a < c || a == c && isCause
	}
	do := func(k leafKind, a time.Duration) {
		r.end = a
		switch k {
		case failLeaf:
			r.val = mval{kind: leafErrVal, node: n.id}
		case panicLeaf:
			r.how, r.panicOf = panicked, n.id
		case goexitLeaf:
			r.how = exited
		}
	}
	a := s + n.d
	switch n.leaf {
	case okLeaf, failLeaf, panicLeaf, goexitLeaf:
		if acts(a) {
			do(n.leaf, a)
		} else {
			r.end, r.val = c, mval{kind: canceledVal}
		}
	case blockLeaf:
		r.end, r.val = c, mval{kind: canceledVal}
	case stubbornLeaf:
		m.action(a, n.id)
		do(n.act, a)
	case timeoutLeaf:
		if acts(a) {
			r.end, r.val = a, mval{kind: timeoutVal, node: n.id}
		} else {
			r.end, r.val = c, cause // timeout.Run returns the parent's cause
		}
	case awaitLeaf:
		// Filled in by scopeNode, which knows the sibling's result.
	case startFailLeaf:
		r.end, r.val = s, mval{kind: leafErrVal, node: n.id}
	}
	return r
}

// An event is a child's end, as its scope sees it.
type event struct {
	t   time.Duration
	idx int // the child's index
	r   result
	bg  bool
}

// scopeNode evaluates a scope: first as if only its parent canceled it,
// then, if it fails first, again with its own cancellation.
func (m *model) scopeNode(n *node, s, cParent time.Duration, causeParent mval) result {
	if cParent == s {
		// Canceled at the instant it starts (a background task of a scope
		// whose other tasks are done at once): whether the cancellation
		// comes before or after the scope's own steps at that instant is a
		// matter of scheduling.
		m.tie = true
	}
	saved := slices.Clone(m.res) // the first pass's results of descendants are discarded
	savedActions := m.actions
	m.actions = cloneMap(savedActions)
	sc := m.scopeOnce(n, s, cParent, causeParent, cParent, causeParent, -1)
	if sc.first < cParent && !sc.afterAll {
		copy(m.res, saved)
		m.actions = savedActions
		sc = m.scopeOnce(n, s, cParent, causeParent, sc.first, sc.firstVal, sc.firstIdx)
	}
	return sc.r
}

func cloneMap(x map[time.Duration]int) map[time.Duration]int {
	y := make(map[time.Duration]int, len(x))
	for k, v := range x {
		y[k] = v
	}
	return y
}

type scopeResult struct {
	r        result
	first    time.Duration // the first own failure, never if none
	firstVal mval          // its value, as the cause of the cancellation
	firstIdx int
	// afterAll: the first failure came from a background task canceled
	// because the others were done, at that same instant: its cancellation
	// of the scope reaches nothing that has not already ended or been
	// canceled, so the first evaluation stands.
	afterAll bool
}

// scopeOnce evaluates n's children with the scope's context canceled at c
// with cause; causeIdx is the child whose failure that is, or -1.
func (m *model) scopeOnce(n *node, s, cParent time.Duration, causeParent mval, c time.Duration, cause mval, causeIdx int) scopeResult {
	kids := n.children
	res := make([]result, len(kids))
	var slots []time.Duration // limited: when each running task's slot frees
	limited := 0
	// The body starts the children in order, all at s. Go and Spawn tasks
	// of a limited scope beyond the limit wait for a slot, in order, and
	// are dropped if the scope is canceled by then.
	end := s // when the body and every non-background task have returned
	for i, k := range kids {
		if k.mode == bgMode {
			continue
		}
		start := s
		if n.limit > 0 && (k.mode == goMode || k.mode == spawnMode) {
			if limited >= n.limit {
				slices.Sort(slots)
				start, slots = slots[0], slots[1:]
				if start >= c {
					slots = append(slots, start)
					res[i] = result{}
					continue
				}
			}
			limited++
		}
		res[i] = m.node(k, start, c, cause, i == causeIdx)
		if k.leaf == awaitLeaf && k.scope == leafNode {
			res[i] = m.await(res[k.await], start, c, cause)
		}
		if n.limit > 0 && (k.mode == goMode || k.mode == spawnMode) {
			slots = append(slots, res[i].end)
		}
		end = max(end, res[i].end)
	}

	// Background tasks are canceled once the others are done, or with the
	// scope.
	cb, bgCause := c, cause
	if end < c {
		cb, bgCause = end, mval{kind: bgDoneVal}
	}
	for i, k := range kids {
		if k.mode != bgMode {
			continue
		}
		// A background task whose failure came after the others were done
		// was canceled before it: its failure is not the cancellation.
		res[i] = m.node(k, s, cb, bgCause, i == causeIdx && cb == c)
	}

	// Judge the children's ends in time order.
	var evs []event
	for i, r := range res {
		if r.started {
			evs = append(evs, event{t: r.end, idx: i, r: r, bg: kids[i].mode == bgMode})
		}
		m.res[kids[i].id] = r
	}
	slices.SortStableFunc(evs, func(a, b event) int { return cmpDur(a.t, b.t) })

	sr := scopeResult{first: never, firstIdx: -1}
	var (
		errs       []mval
		panics     []event
		goexit     bool
		firstAbort = never
		echoTimes  []time.Duration
		failTimes  = map[time.Duration]bool{}
	)
	fail := func(e event, v mval, cancels bool) {
		if failTimes[e.t] {
			m.tie = true
		}
		failTimes[e.t] = true
		if cancels && e.t < sr.first {
			sr.first, sr.firstVal, sr.firstIdx = e.t, v, e.idx
			sr.afterAll = e.bg && e.t == cb && cb < c
		}
	}
	seen := func(v mval) bool {
		return slices.ContainsFunc(errs, v.same)
	}
	for _, e := range evs {
		k := kids[e.idx]
		if k.leaf == startFailLeaf && k.scope == leafNode {
			continue // Start's caller's failure, not the scope's
		}
		ctxEnd, ctxCause := c, cause
		if e.bg {
			ctxEnd, ctxCause = cb, bgCause
		}
		canceled := e.t > ctxEnd || e.t == ctxEnd && e.idx != causeIdx
		switch e.r.how {
		case panicked:
			panics = append(panics, e)
			firstAbort = min(firstAbort, e.t)
			fail(e, mval{kind: panicVal, node: e.r.panicOf}, true)
		case exited:
			goexit = true
			firstAbort = min(firstAbort, e.t)
			fail(e, mval{kind: goexitVal}, true)
		default:
			v := e.r.val
			switch {
			case v.kind == nilVal:
			case canceled && (v.cancelLike() || v.is(ctxCause)):
				echoTimes = append(echoTimes, e.t)
			case k.leaf == awaitLeaf && k.scope == leafNode:
				// An await leaf returns its sibling's value at the same
				// instant: already reported, or about to be.
			case seen(v):
			default:
				errs = append(errs, v)
				fail(e, v, !n.supervise)
			}
		}
	}

	r := result{started: true, end: end}
	for i, k := range kids {
		if k.mode == bgMode && res[i].started {
			r.end = max(r.end, res[i].end)
		}
	}
	if firstAbort != never && r.end-firstAbort >= nursery.DefaultGrace {
		m.tie = true // the watchdog would fire: not a tree to predict
	}
	ownCancel := sr.first < cParent
	switch {
	case len(panics) > 0:
		r.how, r.panicOf = panicked, panics[0].r.panicOf
	case goexit:
		r.how = exited
	case len(errs) == 1:
		r.val = errs[0]
	case len(errs) > 1:
		r.val = mval{kind: joinVal, node: n.id, elems: errs}
	default:
		for _, t := range echoTimes {
			if t >= cParent && !ownCancel {
				r.val = causeParent
			}
		}
	}
	sr.r = r
	return sr
}

// await is the result of an await leaf started at s whose sibling had
// result sib.
func (m *model) await(sib result, s, c time.Duration, cause mval) result {
	r := result{started: true}
	switch {
	case sib.started && sib.end < c:
		r.end = max(s, sib.end)
		switch sib.how {
		case returned:
			r.val = sib.val
		case panicked:
			r.val = mval{kind: panicVal, node: sib.panicOf}
		case exited:
			r.val = mval{kind: goexitVal}
		}
	default:
		r.end, r.val = c, cause
	}
	return r
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
