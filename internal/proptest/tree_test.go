package proptest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// A tree is a root scope and the settings of one run.
type tree struct {
	root  *node
	nodes []*node // by id
	// parentCancel is when the root's parent context is canceled, with
	// cause errParent. Virtual trees always set it, so that blocked
	// leaves end; real-time trees never cancel their parent.
	parentCancel time.Duration
	realTime     bool
}

// A scope kind says how a node runs its children.
type scopeKind uint8

const (
	leafNode scopeKind = iota
	runScope           // nursery.Run, with the node's limit and supervise
	allScope           // taskgroup.All over the children
)

// A start mode says how a parent scope starts a child.
type startMode uint8

const (
	goMode     startMode = iota // Nursery.Go
	spawnMode                   // nursery.Spawn; a later sibling may await it
	startMode_                  // Nursery.Start: ready at once, then like Go
	bgMode                      // Nursery.Background
)

// A leaf kind is what a leaf does.
type leafKind uint8

const (
	okLeaf        leafKind = iota // after d, return nil
	failLeaf                      // after d, return the leaf's own error
	panicLeaf                     // after d, panic with the leaf's own value
	goexitLeaf                    // after d, call runtime.Goexit
	blockLeaf                     // block until canceled, then echo ctx.Err()
	stubbornLeaf                  // sleep d ignoring cancellation, then do act
	timeoutLeaf                   // timeout.Run(ctx, d, fn) where fn blocks until its ctx ends
	awaitLeaf                     // return the error of Await on the future of an earlier sibling
	startFailLeaf                 // as a Start task: return its error before ready, at once
)

// A node is a scope or a leaf. Well-behaved leaves (ok, fail, panic,
// goexit) act after d unless their context ends first: then they echo
// ctx.Err() instead.
type node struct {
	id    int
	depth int
	mode  startMode // how the parent starts this node

	scope     scopeKind
	limit     int // runScope: 0 for none
	supervise bool
	children  []*node

	leaf  leafKind
	d     time.Duration
	act   leafKind    // stubbornLeaf: what it does after d (ok, fail, panic or goexit)
	await int         // awaitLeaf: the index, among its siblings, of the spawned node
	err   error       // the leaf's own error (failLeaf, stubbornLeaf, startFailLeaf)
	pval  *panicValue // the leaf's own panic value
}

// A leafError is a leaf's own error: a distinct pointer per leaf, so that
// identity tells which leaf an error came from.
type leafError struct{ id int }

func (e *leafError) Error() string { return fmt.Sprintf("leaf %d failed", e.id) }

// A panicValue is a leaf's own panic value. It is not an error, so that a
// *nursery.PanicError holding it unwraps to nothing.
type panicValue struct{ id int }

func (p *panicValue) String() string { return fmt.Sprintf("leaf %d panicked", p.id) }

// genConfig bounds the trees a generator makes.
type genConfig struct {
	maxDepth  int // scopes nest at most this deep below the root
	maxFanout int
	maxNodes  int
	realTime  bool // no time-based leaves, no parent cancellation
}

var defaultGen = genConfig{maxDepth: 5, maxFanout: 20, maxNodes: 120}

// generator builds one tree from a random source.
type generator struct {
	r     *rand.Rand
	cfg   genConfig
	nodes []*node
}

// genTree builds the tree for seed.
func genTree(seed uint64, cfg genConfig) *tree {
	g := &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), cfg: cfg}
	t := &tree{realTime: cfg.realTime}
	t.root = g.scope(0, goMode)
	t.nodes = g.nodes
	if !cfg.realTime {
		// A half-microsecond offset keeps it off every leaf's time, which
		// is a whole number of microseconds.
		t.parentCancel = time.Duration(1+g.r.IntN(300_000))*time.Microsecond + 500*time.Nanosecond
	}
	return t
}

func (g *generator) newNode(depth int, mode startMode) *node {
	n := &node{id: len(g.nodes), depth: depth, mode: mode}
	g.nodes = append(g.nodes, n)
	return n
}

// scope makes a scope node and its children.
func (g *generator) scope(depth int, mode startMode) *node {
	n := g.newNode(depth, mode)
	n.scope = runScope
	if g.r.IntN(5) == 0 {
		n.scope = allScope
	}
	fanout := g.r.IntN(g.cfg.maxFanout + 1)
	if g.r.IntN(3) > 0 {
		fanout = g.r.IntN(min(6, g.cfg.maxFanout) + 1) // mostly small
	}
	if n.scope == runScope {
		n.supervise = g.r.IntN(4) == 0
		if g.r.IntN(3) == 0 {
			n.limit = 1 + g.r.IntN(8)
		}
	}
	spawned := []int{}
	limited := 0
	for i := 0; i < fanout && len(g.nodes) < g.cfg.maxNodes; i++ {
		cm := goMode
		if n.scope == runScope {
			switch g.r.IntN(8) {
			case 0, 1:
				cm = spawnMode
			case 2:
				cm = startMode_
			case 3:
				cm = bgMode
			}
		}
		if (cm == goMode || cm == spawnMode) && n.limit > 0 {
			// At most twice the limit of Go and Spawn tasks: the first
			// limit run and the rest wait in the queue (Queue(limit)), so
			// the body never blocks in Go and every task is queued at
			// time 0.
			if limited == 2*n.limit {
				cm = startMode_
			} else {
				limited++
			}
		}
		var c *node
		if depth < g.cfg.maxDepth && g.r.IntN(4) == 0 {
			c = g.scope(depth+1, cm)
		} else {
			c = g.leafNode(depth+1, cm, spawned)
		}
		if cm == spawnMode {
			spawned = append(spawned, i)
		}
		n.children = append(n.children, c)
	}
	return n
}

// leafNode makes a leaf. spawned lists the earlier siblings started with
// Spawn, which an await leaf may wait for.
func (g *generator) leafNode(depth int, mode startMode, spawned []int) *node {
	n := g.newNode(depth, mode)
	n.d = time.Duration(1+g.r.IntN(100_000)) * time.Microsecond
	n.err = &leafError{n.id}
	n.pval = &panicValue{n.id}
	kinds := []leafKind{okLeaf, okLeaf, failLeaf, failLeaf, panicLeaf, goexitLeaf}
	if !g.cfg.realTime {
		kinds = append(kinds, blockLeaf, blockLeaf, stubbornLeaf, timeoutLeaf)
	}
	if len(spawned) > 0 && mode != bgMode {
		kinds = append(kinds, awaitLeaf, awaitLeaf)
	}
	if mode == startMode_ {
		kinds = append(kinds, startFailLeaf)
	}
	n.leaf = kinds[g.r.IntN(len(kinds))]
	switch n.leaf {
	case stubbornLeaf:
		n.act = []leafKind{okLeaf, failLeaf, panicLeaf, goexitLeaf}[g.r.IntN(4)]
	case awaitLeaf:
		n.await = spawned[g.r.IntN(len(spawned))]
	}
	return n
}

// String dumps the tree, one node a line, indented by depth.
func (t *tree) String() string {
	var b strings.Builder
	if t.realTime {
		b.WriteString("real time; the parent is never canceled\n")
	} else {
		fmt.Fprintf(&b, "virtual time; the parent is canceled at %v\n", t.parentCancel)
	}
	t.root.dump(&b, "")
	return b.String()
}

var modeNames = [...]string{goMode: "go", spawnMode: "spawn", startMode_: "start", bgMode: "background"}

var leafNames = [...]string{
	okLeaf: "ok", failLeaf: "fail", panicLeaf: "panic", goexitLeaf: "goexit", blockLeaf: "block",
	stubbornLeaf: "stubborn", timeoutLeaf: "timeout", awaitLeaf: "await", startFailLeaf: "start-fail",
}

func (n *node) dump(b *strings.Builder, indent string) {
	fmt.Fprintf(b, "%s#%d %s ", indent, n.id, modeNames[n.mode])
	switch n.scope {
	case runScope:
		b.WriteString("nursery.Run")
		if n.limit > 0 {
			fmt.Fprintf(b, " Limit(%d) Queue(%d)", n.limit, n.limit)
		}
		if n.supervise {
			b.WriteString(" Supervise()")
		}
	case allScope:
		b.WriteString("taskgroup.All")
	default:
		b.WriteString(leafNames[n.leaf])
		switch n.leaf {
		case stubbornLeaf:
			fmt.Fprintf(b, " %v then %s", n.d, leafNames[n.act])
		case awaitLeaf:
			fmt.Fprintf(b, " child %d", n.await)
		case blockLeaf, startFailLeaf:
		default:
			fmt.Fprintf(b, " %v", n.d)
		}
	}
	b.WriteByte('\n')
	for _, c := range n.children {
		c.dump(b, indent+"  ")
	}
}
