package scopedcheck

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/cfg"
)

// LostWait reports a group (errgroup.Group, taskgroup.Group) or
// sync.WaitGroup declared in a function that starts work (Go, TryGo, Add)
// on a path that reaches a return without calling Wait, as go vet's
// lostcancel does for cancel functions:
//
//	wg.Add(1)
//	go func() { defer wg.Done(); work() }()
//	if err := check(); err != nil {
//		return err // work still runs, and nothing waits for it
//	}
//	wg.Wait()
//
// Any other use of the variable on the path counts as a Wait (passing
// &wg to a function, a closure that calls wg.Wait, storing it), so that
// a group handed on is not reported; a Wait in a defer anywhere in the
// function covers every path. Paths that end in a panic or another call
// that does not return are not followed.
var LostWait = &analysis.Analyzer{
	Name:     "lostwait",
	Doc:      "report groups and WaitGroups that start work on a path that returns without Wait",
	URL:      "https://pkg.go.dev/github.com/scoped-go/scoped/scopedcheck#LostWait",
	Requires: []*analysis.Analyzer{inspect.Analyzer, ctrlflow.Analyzer},
	Run:      runLostWait,
}

// startMethods start work on a group; they and its bookkeeping methods
// are the uses that do not wait. TryGo is not a start: code that calls it
// branches on whether it started anything, which the graph cannot see.
var startMethods = map[string]bool{"Go": true, "Add": true}
var benignMethods = map[string]bool{"Go": true, "TryGo": true, "Add": true, "Done": true, "SetLimit": true}

func runLostWait(pass *analysis.Pass) (any, error) {
	info := pass.TypesInfo
	eachFunc(pass, func(f funcBody) {
		// The groups of f, and the identifiers of their benign uses.
		benign := make(map[*ast.Ident]bool)
		var groups []*types.Var
		starts := make(map[*types.Var][]ast.Node) // statements of f that start work
		ast.Inspect(f.body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			recv, kind, method := methodCall(info, call)
			if kind == "" || kind == "nursery.Nursery" || !benignMethods[method] {
				return true
			}
			id, ok := ast.Unparen(recv).(*ast.Ident)
			if !ok {
				return true
			}
			benign[id] = true
			return true
		})
		for _, b := range f.graph.Blocks {
			for _, n := range b.Nodes {
				inspectDirect(n, func(m ast.Node) bool {
					switch m := m.(type) {
					case *ast.DeferStmt, *ast.GoStmt:
						return false
					case *ast.CallExpr:
						recv, kind, method := methodCall(info, m)
						if kind == "" || kind == "nursery.Nursery" || !startMethods[method] {
							return true
						}
						v := localVar(info, recv)
						if v == nil || !declaredIn(v, f) || !ownedGroup(info, f, v) {
							return true
						}
						if starts[v] == nil {
							groups = append(groups, v)
						}
						starts[v] = append(starts[v], n)
					}
					return true
				})
			}
		}
		for _, v := range groups {
			if deferredWait(info, f, v) || waitedElsewhere(info, f, v) || startBarrier(info, f, v) {
				continue
			}
			uses := func(n ast.Node) bool {
				found := false
				ast.Inspect(n, func(m ast.Node) bool {
					if id, ok := m.(*ast.Ident); ok && info.Uses[id] == v && !benign[id] {
						found = true
					}
					return !found
				})
				return found
			}
			for _, st := range starts[v] {
				b, i := findNode(f.graph, st)
				if b == nil {
					continue
				}
				if ret := lostPath(b, i, uses); ret != nil {
					reportLostWait(pass, f, v, st, ret)
					break
				}
			}
		}
	})
	return nil, nil
}

// ownedGroup reports whether f made the group v itself: a group value
// declared in f, or a pointer f got from WithContext, new or &T{}.
func ownedGroup(info *types.Info, f funcBody, v *types.Var) bool {
	if _, ptr := types.Unalias(v.Type()).(*types.Pointer); !ptr {
		return true
	}
	owned := false
	ast.Inspect(f.body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok {
			return true
		}
		for i, l := range as.Lhs {
			id, ok := ast.Unparen(l).(*ast.Ident)
			if !ok || identVar(info, id) != v {
				continue
			}
			if len(as.Rhs) == 1 && i == 0 {
				if call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr); ok {
					fn := callee(info, call)
					if isFunc(fn, errgroupPath, "WithContext") || isFunc(fn, taskgroupPath, "WithContext") {
						owned = true
					}
					if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok && id.Name == "new" && info.Uses[id] == types.Universe.Lookup("new") {
						owned = true
					}
				}
			}
			if len(as.Rhs) == len(as.Lhs) {
				if u, ok := ast.Unparen(as.Rhs[i]).(*ast.UnaryExpr); ok && u.Op == token.AND {
					if _, ok := u.X.(*ast.CompositeLit); ok {
						owned = true
					}
				}
			}
		}
		return true
	})
	return owned
}

// deferredWait reports whether f defers a call of v.Wait, directly or in
// a deferred function literal.
func deferredWait(info *types.Info, f funcBody, v *types.Var) bool {
	found := false
	inspectDirect(f.body, func(n ast.Node) bool {
		d, ok := n.(*ast.DeferStmt)
		if !ok {
			return !found
		}
		ast.Inspect(d, func(m ast.Node) bool {
			if call, ok := m.(*ast.CallExpr); ok {
				if recv, kind, method := methodCall(info, call); kind != "" && method == "Wait" && localVar(info, recv) == v {
					found = true
				}
			}
			return !found
		})
		return !found
	})
	return found
}

// lostPath returns a return statement reachable from node i of block b on
// a path where no node uses the group, or nil.
func lostPath(b *cfg.Block, i int, uses func(ast.Node) bool) *ast.ReturnStmt {
	var ret *ast.ReturnStmt
	walkFrom(b, i, func(n ast.Node, _ *cfg.Block) bool {
		if ret != nil {
			return true
		}
		if uses(n) {
			return true
		}
		if r, ok := n.(*ast.ReturnStmt); ok {
			ret = r
			return true
		}
		return false
	}, func(b *cfg.Block) bool { return loopUses(b, uses) })
	return ret
}

func reportLostWait(pass *analysis.Pass, f funcBody, v *types.Var, start ast.Node, ret *ast.ReturnStmt) {
	what := "the return"
	if ret.Pos() >= f.body.Rbrace {
		what = "the end of the function"
	}
	later := ""
	if ret.Pos() < start.Pos() {
		later = " (on a later turn of the loop)"
	}
	msg := fmt.Sprintf("%s starts work at line %d, but %s at line %d%s is reached without %s.Wait, leaving that work running: call %s.Wait before returning (or defer it)",
		v.Name(), line(pass, start.Pos()), what, line(pass, ret.Pos()), later, v.Name(), v.Name())
	report(pass, analysis.Diagnostic{Pos: start.Pos(), End: start.End(), Message: msg})
}

// waitedElsewhere reports whether f hands the Wait to another function:
// a function literal in f calls v.Wait (go func() { wg.Wait(); close(ch) }()).
// Who waits, and when, is then that function's business.
func waitedElsewhere(info *types.Info, f funcBody, v *types.Var) bool {
	found := false
	ast.Inspect(f.body, func(n ast.Node) bool {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			return !found
		}
		ast.Inspect(lit.Body, func(m ast.Node) bool {
			if call, ok := m.(*ast.CallExpr); ok {
				if recv, kind, method := methodCall(info, call); kind != "" && method == "Wait" && localVar(info, recv) == v {
					found = true
				}
			}
			return !found
		})
		return false
	})
	return found
}

// startBarrier reports whether the WaitGroup v only tells that goroutines
// have started: every v.Done() is the first statement of a goroutine's
// function literal, and not deferred. Such a Wait is not about the
// goroutines' end, and skipping it leaves nothing running that would not
// run anyway.
func startBarrier(info *types.Info, f funcBody, v *types.Var) bool {
	dones, first := 0, 0
	ast.Inspect(f.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			if lit, ok := n.Call.Fun.(*ast.FuncLit); ok && len(lit.Body.List) > 0 {
				if es, ok := lit.Body.List[0].(*ast.ExprStmt); ok {
					if call, ok := es.X.(*ast.CallExpr); ok {
						if recv, _, method := methodCall(info, call); method == "Done" && localVar(info, recv) == v {
							first++
						}
					}
				}
			}
		case *ast.CallExpr:
			if recv, _, method := methodCall(info, n); method == "Done" && localVar(info, recv) == v {
				dones++
			}
		}
		return true
	})
	return dones > 0 && dones == first
}
