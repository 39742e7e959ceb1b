package scopedcheck

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
)

// A funcBody is one function of the package with its control-flow graph.
type funcBody struct {
	node  ast.Node // *ast.FuncDecl or *ast.FuncLit
	body  *ast.BlockStmt
	typ   *ast.FuncType
	graph *cfg.CFG
}

// eachFunc calls fn for every function and function literal with a body.
func eachFunc(pass *analysis.Pass, fn func(f funcBody)) {
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	cfgs := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs)
	ins.Preorder([]ast.Node{(*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)}, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Body == nil {
				return
			}
			if g := cfgs.FuncDecl(n); g != nil {
				fn(funcBody{node: n, body: n.Body, typ: n.Type, graph: g})
			}
		case *ast.FuncLit:
			if g := cfgs.FuncLit(n); g != nil {
				fn(funcBody{node: n, body: n.Body, typ: n.Type, graph: g})
			}
		}
	})
}

// declaredIn reports whether v is a local variable declared in the body
// of f (not a parameter or result).
func declaredIn(v *types.Var, f funcBody) bool {
	return v != nil && f.body.Pos() <= v.Pos() && v.Pos() < f.body.End()
}

// inspectDirect walks n but not the function literals in it.
func inspectDirect(n ast.Node, fn func(ast.Node) bool) {
	ast.Inspect(n, func(m ast.Node) bool {
		if _, ok := m.(*ast.FuncLit); ok {
			return false
		}
		return fn(m)
	})
}

// findNode returns the block holding node n and n's index in it.
func findNode(g *cfg.CFG, n ast.Node) (*cfg.Block, int) {
	for _, b := range g.Blocks {
		for i, m := range b.Nodes {
			if m == n {
				return b, i
			}
		}
	}
	return nil, -1
}

// A pathStep decides, for one node met on a path, whether the search stops
// there (the path is pruned or a result was found).
type pathStep func(n ast.Node, b *cfg.Block) (stop bool)

// walkFrom visits, depth first, the nodes reachable from the node after
// index i of block b, calling step on each; a step that stops prunes the
// path through that node. Each block is entered at most once. Entering a
// block calls enter, which may prune it (a select case, say) too.
func walkFrom(b *cfg.Block, i int, step pathStep, enter func(b *cfg.Block) bool) {
	seen := make(map[*cfg.Block]bool)
	var walk func(b *cfg.Block, from int)
	walk = func(b *cfg.Block, from int) {
		for _, n := range b.Nodes[from:] {
			if step(n, b) {
				return
			}
		}
		for _, s := range b.Succs {
			if seen[s] {
				continue
			}
			seen[s] = true
			if enter != nil && enter(s) {
				continue
			}
			walk(s, 0)
		}
	}
	walk(b, i+1)
}

// loopUses reports whether b is the head of a for or range loop whose body
// satisfies uses. A path search prunes such a head, taking the loop to
// run at least once: the graph cannot tell a loop over a non-empty slice
// from one over an empty one, and code that waits in a loop expects it to
// run.
func loopUses(b *cfg.Block, uses func(ast.Node) bool) bool {
	switch b.Kind {
	case cfg.KindForLoop:
		if s, ok := b.Stmt.(*ast.ForStmt); ok {
			return uses(s.Body)
		}
	case cfg.KindRangeLoop:
		if s, ok := b.Stmt.(*ast.RangeStmt); ok {
			return uses(s.Body)
		}
	}
	return false
}
