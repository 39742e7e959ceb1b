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

// GoAfterWait reports, for a group made by errgroup.WithContext or
// taskgroup.WithContext, a Go or TryGo that a path reaches after the
// group's Wait, and a use of the group's context after Wait. Wait cancels
// that context, so both start or continue work that is already canceled:
//
//	g, ctx := errgroup.WithContext(ctx) // shadows the outer ctx
//	...
//	if err := g.Wait(); err != nil { return err }
//	return save(ctx, out) // ctx is g's, canceled by Wait
//
// The path stops where the variable is assigned again. A Wait that runs
// in a defer, a goroutine or a function literal is not followed; a use
// in a function literal made after Wait is. Where the outer context is in
// scope under its own name, the report on the context carries a fix that
// writes it.
var GoAfterWait = &analysis.Analyzer{
	Name:     "goafterwait",
	Doc:      "report Go on a WithContext group, or use of its context, after its Wait",
	URL:      "https://pkg.go.dev/github.com/scoped-go/scoped/scopedcheck#GoAfterWait",
	Requires: []*analysis.Analyzer{inspect.Analyzer, ctrlflow.Analyzer},
	Run:      runGoAfterWait,
}

func runGoAfterWait(pass *analysis.Pass) (any, error) {
	info := pass.TypesInfo
	defs := withContextDefs(pass)
	if len(defs) == 0 {
		return nil, nil
	}
	reported := make(map[token.Pos]bool)
	eachFunc(pass, func(f funcBody) {
		for _, b := range f.graph.Blocks {
			for i, n := range b.Nodes {
				var waits []*ast.CallExpr
				inspectDirect(n, func(m ast.Node) bool {
					switch m := m.(type) {
					case *ast.DeferStmt, *ast.GoStmt:
						return false
					case *ast.CallExpr:
						if recv, kind, method := methodCall(info, m); kind != "" && method == "Wait" {
							if v := localVar(info, recv); v != nil && defs[v] != nil {
								waits = append(waits, m)
							}
						}
					}
					return true
				})
				for _, w := range waits {
					recv, _, _ := methodCall(info, w)
					d := defs[localVar(info, recv)]
					afterWait(pass, f, b, i, w, d, reported)
				}
			}
		}
	})
	return nil, nil
}

// afterWait searches the paths from the Wait call w (in node i of block
// b) for Go calls on the group and uses of its context.
func afterWait(pass *analysis.Pass, f funcBody, b *cfg.Block, i int, w *ast.CallExpr, d *groupDef, reported map[token.Pos]bool) {
	info := pass.TypesInfo
	g := d.group
	waitLine := line(pass, w.Pos())
	groupLive, ctxLive := true, d.ctx != nil
	errVar := waitErr(info, b.Nodes[i], w)
	// A path ends for a variable where it is assigned again; groupLive and
	// ctxLive track that per path, so walk paths separately per variable.
	for _, track := range []string{"group", "ctx"} {
		if track == "group" && !groupLive || track == "ctx" && !ctxLive {
			continue
		}
		v := g
		if track == "ctx" {
			v = d.ctx
		}
		walkFrom(b, i, func(n ast.Node, _ *cfg.Block) bool {
			stop := false
			// Asking a canceled context why (context.Cause(ctx), ctx.Err())
			// is what it is for after Wait; only handing it on is a bug.
			inspection := make(map[*ast.Ident]bool)
			ast.Inspect(n, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.SelectorExpr:
					if id, ok := ast.Unparen(m.X).(*ast.Ident); ok {
						inspection[id] = true
					}
				case *ast.CallExpr:
					if isFunc(callee(info, m), "context", "Cause") && len(m.Args) == 1 {
						if id, ok := ast.Unparen(m.Args[0]).(*ast.Ident); ok {
							inspection[id] = true
						}
					}
					// A task given to Go after Wait is reported as such, not
					// for its use of the context.
					if recv, kind, method := methodCall(info, m); kind != "" && (method == "Go" || method == "TryGo") && localVar(info, recv) == g {
						ast.Inspect(m, func(k ast.Node) bool {
							if id, ok := k.(*ast.Ident); ok {
								inspection[id] = true
							}
							return true
						})
					}
				case *ast.AssignStmt:
					// Assigned to, not used.
					for _, l := range m.Lhs {
						if id, ok := ast.Unparen(l).(*ast.Ident); ok {
							inspection[id] = true
						}
					}
				}
				return true
			})
			ast.Inspect(n, func(m ast.Node) bool {
				if stop {
					return false
				}
				switch m := m.(type) {
				case *ast.CallExpr:
					if track != "group" {
						break
					}
					if recv, kind, method := methodCall(info, m); kind != "" && (method == "Go" || method == "TryGo") && localVar(info, recv) == g {
						if !reported[m.Pos()] {
							reported[m.Pos()] = true
							reportf(pass, m.Pos(), "%s.%s after %s.Wait (line %d): Wait canceled the context of %s, so this task starts canceled; make a new group with %s for it",
								g.Name(), method, g.Name(), waitLine, g.Name(), d.ctor)
						}
					}
				case *ast.Ident:
					if track == "ctx" && info.Uses[m] == v && !inspection[m] && !reported[m.Pos()] {
						reported[m.Pos()] = true
						reportCtxAfterWait(pass, m, d, waitLine)
					}
				}
				return true
			})
			if assigns(info, n, v) {
				stop = true
			}
			return stop
		}, func(b *cfg.Block) bool {
			// The branch taken when Wait failed: the work has failed
			// already, and logging or wrapping with the group's context
			// there is what such code does.
			return track == "ctx" && errVar != nil && b.Kind == cfg.KindIfThen && nonNilTest(info, b.Stmt, errVar)
		})
	}
}

// waitErr returns the variable that node n assigns the result of the Wait
// call w to (err := g.Wait()), or nil.
func waitErr(info *types.Info, n ast.Node, w *ast.CallExpr) *types.Var {
	as, ok := n.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || ast.Unparen(as.Rhs[0]) != w {
		return nil
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return nil
	}
	return identVar(info, id)
}

// nonNilTest reports whether s is an if statement whose condition is
// v != nil.
func nonNilTest(info *types.Info, s ast.Stmt, v *types.Var) bool {
	is, ok := s.(*ast.IfStmt)
	if !ok {
		return false
	}
	be, ok := ast.Unparen(is.Cond).(*ast.BinaryExpr)
	if !ok || be.Op != token.NEQ {
		return false
	}
	id, ok := ast.Unparen(be.X).(*ast.Ident)
	nilID, ok2 := ast.Unparen(be.Y).(*ast.Ident)
	return ok && ok2 && info.Uses[id] == v && nilID.Name == "nil" && info.Uses[nilID] == types.Universe.Lookup("nil")
}

// reportCtxAfterWait reports the use id of a group's context after Wait.
func reportCtxAfterWait(pass *analysis.Pass, id *ast.Ident, d *groupDef, waitLine int) {
	diag := analysis.Diagnostic{Pos: id.Pos(), End: id.End()}
	switch {
	case d.outer != nil && d.outer.Name() == d.ctx.Name():
		diag.Message = fmt.Sprintf("%s here is the context of %s (%s, line %d), which shadows the outer %s and was canceled by %s.Wait (line %d): give the group's context another name (%s, gctx := ...) so that %s stays the outer one",
			id.Name, d.group.Name(), d.ctor, line(pass, d.call.Pos()), id.Name, d.group.Name(), waitLine, d.group.Name(), id.Name)
	case d.outer != nil:
		diag.Message = fmt.Sprintf("%s is the context of %s, canceled by %s.Wait (line %d): use %s, the context %s was derived from",
			id.Name, d.group.Name(), d.group.Name(), waitLine, d.outer.Name(), d.group.Name())
		if f := fileOf(pass, id.Pos()); f != nil && inScopeAs(pass, f, id.Pos(), d.outer) {
			diag.SuggestedFixes = []analysis.SuggestedFix{{
				Message:   "use " + d.outer.Name(),
				TextEdits: []analysis.TextEdit{{Pos: id.Pos(), End: id.End(), NewText: []byte(d.outer.Name())}},
			}}
		}
	default:
		diag.Message = fmt.Sprintf("%s is the context of %s, canceled by %s.Wait (line %d): use the context %s was derived from",
			id.Name, d.group.Name(), d.group.Name(), waitLine, d.group.Name())
	}
	report(pass, diag)
}

// assigns reports whether statement n assigns to v (outside function
// literals).
func assigns(info *types.Info, n ast.Node, v *types.Var) bool {
	found := false
	inspectDirect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.AssignStmt:
			for _, l := range m.Lhs {
				if id, ok := ast.Unparen(l).(*ast.Ident); ok && identVar(info, id) == v {
					found = true
				}
			}
		case *ast.ValueSpec:
			for _, id := range m.Names {
				if identVar(info, id) == v {
					found = true
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{m.Key, m.Value} {
				if id, ok := e.(*ast.Ident); ok && identVar(info, id) == v {
					found = true
				}
			}
		}
		return !found
	})
	return found
}
