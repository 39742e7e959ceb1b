package scopedcheck

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
)

// BareGo reports two things.
//
// In a package whose doc comment carries the line //scoped:strict, every
// go statement, since its goroutine has no owner: start it in a nursery
// or a taskgroup instead, or end the line with //scoped:allow go: <reason>
// (or put that comment alone on the line above). An allow comment without
// a reason is itself reported.
//
// In every package, the classic goroutine leak: a goroutine that sends on
// an unbuffered channel made in the same function, where a path of the
// function returns without receiving from it, so the send blocks forever:
//
//	ch := make(chan result)
//	go func() { ch <- fetch() }()
//	select {
//	case r := <-ch:
//		return r.v, r.err
//	case <-ctx.Done():
//		return 0, ctx.Err() // the goroutine never sends
//	}
//
// Only a channel used for nothing else (one goroutine sends, the function
// receives) is considered. Where the goroutine sends once, outside any
// loop, the report carries a fix that gives the channel a buffer of one.
var BareGo = &analysis.Analyzer{
	Name:     "barego",
	Doc:      "report go statements in //scoped:strict packages, and goroutines blocked forever on an unreceived send",
	URL:      "https://pkg.go.dev/github.com/scoped-go/scoped/scopedcheck#BareGo",
	Requires: []*analysis.Analyzer{inspect.Analyzer, ctrlflow.Analyzer},
	Run:      runBareGo,
}

func runBareGo(pass *analysis.Pass) (any, error) {
	if strictPackage(pass) {
		ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
		ins.Preorder([]ast.Node{(*ast.GoStmt)(nil)}, func(n ast.Node) {
			f := fileOf(pass, n.Pos())
			if f == nil {
				return
			}
			switch present, reason := allowed(pass, f, n.Pos(), "go"); {
			case present && !reason:
				pass.Reportf(n.Pos(), "//scoped:allow go: needs a reason after the colon")
			case !present:
				pass.Reportf(n.Pos(), "bare go statement in strict package %s: its goroutine has no owner; start it with a nursery's Go or a taskgroup, or end the line with //scoped:allow go: <reason>", pass.Pkg.Name())
			}
		})
	}
	eachFunc(pass, func(f funcBody) { sendLeaks(pass, f) })
	return nil, nil
}

// strictPackage reports whether a package doc comment of pass holds the
// line //scoped:strict.
func strictPackage(pass *analysis.Pass) bool {
	for _, f := range pass.Files {
		if f.Doc == nil {
			continue
		}
		for _, c := range f.Doc.List {
			if strings.TrimSpace(c.Text) == "//scoped:strict" {
				return true
			}
		}
	}
	return false
}

// sendLeaks reports, in f, goroutines that send on an unbuffered channel
// that a path of f returns without receiving from.
func sendLeaks(pass *analysis.Pass, f funcBody) {
	info := pass.TypesInfo
	// Unbuffered channels made in f: ch := make(chan T).
	chans := make(map[*types.Var]*ast.CallExpr)
	inspectDirect(f.body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, l := range as.Lhs {
			id, ok := l.(*ast.Ident)
			if !ok {
				continue
			}
			v, _ := info.Defs[id].(*types.Var)
			if v == nil {
				continue
			}
			if mk := unbufferedMake(info, as.Rhs[i]); mk != nil {
				chans[v] = mk
			}
		}
		return true
	})
	if len(chans) == 0 {
		return
	}
	// Classify every use of each channel: the one go statement that
	// sends on it, and receives in f. Anything else drops the channel.
	type chanUse struct {
		goStmt *ast.GoStmt
		sends  []*ast.SendStmt
		inLoop bool
		bad    bool
	}
	use := make(map[*types.Var]*chanUse)
	for v := range chans {
		use[v] = &chanUse{}
	}
	comms := make(map[ast.Node]bool) // comm statements of selects in f
	var visit func(n ast.Node, goStmt *ast.GoStmt, loops int) bool
	visit = func(n ast.Node, goStmt *ast.GoStmt, loops int) bool {
		switch n := n.(type) {
		case *ast.CommClause:
			if n.Comm != nil && goStmt == nil {
				comms[n.Comm] = true
			}
			if s, ok := n.Comm.(*ast.SendStmt); ok && goStmt != nil {
				// A send in a select can take another case.
				if id, ok := ast.Unparen(s.Chan).(*ast.Ident); ok {
					if v, ok := info.Uses[id].(*types.Var); ok && use[v] != nil {
						use[v].bad = true
					}
				}
			}
		case *ast.CallExpr:
			// close(ch) in the goroutine does not make its send safe.
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && goStmt != nil && len(n.Args) == 1 && info.Uses[id] == types.Universe.Lookup("close") {
				if a, ok := ast.Unparen(n.Args[0]).(*ast.Ident); ok {
					if v, ok := info.Uses[a].(*types.Var); ok && use[v] != nil {
						return false
					}
				}
			}
		case *ast.GoStmt:
			if goStmt == nil {
				if lit, ok := n.Call.Fun.(*ast.FuncLit); ok {
					for _, a := range n.Call.Args {
						ast.Inspect(a, func(m ast.Node) bool { return visit(m, nil, loops) })
					}
					ast.Inspect(lit.Body, func(m ast.Node) bool {
						if m == lit.Body {
							return true
						}
						return visit(m, n, 0)
					})
					return false
				}
			}
		case *ast.ForStmt, *ast.RangeStmt:
			if goStmt != nil {
				ast.Inspect(n, func(m ast.Node) bool {
					if m == n {
						return true
					}
					return visit(m, goStmt, loops+1)
				})
				return false
			}
		case *ast.FuncLit:
			if goStmt == nil {
				// A channel used in any other function literal escapes.
				ast.Inspect(n, func(m ast.Node) bool {
					if id, ok := m.(*ast.Ident); ok {
						if v, ok := info.Uses[id].(*types.Var); ok && use[v] != nil {
							use[v].bad = true
						}
					}
					return true
				})
				return false
			}
		case *ast.SendStmt:
			if goStmt != nil {
				if id, ok := ast.Unparen(n.Chan).(*ast.Ident); ok {
					if v, ok := info.Uses[id].(*types.Var); ok && use[v] != nil {
						u := use[v]
						if u.goStmt != nil && u.goStmt != goStmt {
							u.bad = true
						}
						u.goStmt = goStmt
						u.sends = append(u.sends, n)
						if loops > 0 {
							u.inLoop = true
						}
						ast.Inspect(n.Value, func(m ast.Node) bool { return visit(m, goStmt, loops) })
						return false
					}
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && goStmt == nil {
				if id, ok := ast.Unparen(n.X).(*ast.Ident); ok {
					if v, ok := info.Uses[id].(*types.Var); ok && use[v] != nil {
						return false // a receive
					}
				}
			}
		case *ast.Ident:
			if v, ok := info.Uses[n].(*types.Var); ok && use[v] != nil {
				use[v].bad = true // any other use
			}
		}
		return true
	}
	ast.Inspect(f.body, func(n ast.Node) bool {
		if n == f.body {
			return true
		}
		// for v := range ch receives too.
		if r, ok := n.(*ast.RangeStmt); ok {
			if id, ok := ast.Unparen(r.X).(*ast.Ident); ok {
				if v, ok := info.Uses[id].(*types.Var); ok && use[v] != nil {
					for _, m := range []ast.Node{r.Key, r.Value, r.Body} {
						if m != nil {
							ast.Inspect(m, func(m ast.Node) bool { return visit(m, nil, 0) })
						}
					}
					return false
				}
			}
		}
		return visit(n, nil, 0)
	})
	for v, u := range use {
		if u.bad || u.goStmt == nil {
			continue
		}
		receives := func(n ast.Node) bool {
			if comms[n] {
				return false // evaluated before the select picks a case
			}
			found := false
			inspectDirect(n, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok && info.Uses[id] == v {
					found = true
				}
				return !found
			})
			return found
		}
		b, i := findNode(f.graph, u.goStmt)
		if b == nil {
			continue
		}
		var ret *ast.ReturnStmt
		walkFrom(b, i, func(n ast.Node, _ *cfg.Block) bool {
			if ret != nil || receives(n) {
				return true
			}
			if r, ok := n.(*ast.ReturnStmt); ok {
				ret = r
				return true
			}
			return false
		}, func(b *cfg.Block) bool {
			if loopUses(b, receives) {
				return true
			}
			// The body of a select case that receives from ch.
			if b.Kind == cfg.KindSelectCaseBody {
				if cc, ok := b.Stmt.(*ast.CommClause); ok && cc.Comm != nil {
					found := false
					ast.Inspect(cc.Comm, func(m ast.Node) bool {
						if id, ok := m.(*ast.Ident); ok && info.Uses[id] == v {
							found = true
						}
						return !found
					})
					return found
				}
			}
			return false
		})
		if ret == nil {
			continue
		}
		what := "the return"
		if ret.Pos() >= f.body.Rbrace {
			what = "the end of the function"
		}
		diag := analysis.Diagnostic{
			Pos: u.goStmt.Pos(), End: u.goStmt.End(),
			Message: fmt.Sprintf("goroutine sends on unbuffered channel %s (made at line %d), but %s at line %d is reached without receiving from %s, and the send then blocks forever: give %s a buffer for every send, or receive before returning",
				v.Name(), line(pass, chans[v].Pos()), what, line(pass, ret.Pos()), v.Name(), v.Name()),
		}
		if len(u.sends) == 1 && !u.inLoop {
			mk := chans[v]
			diag.SuggestedFixes = []analysis.SuggestedFix{{
				Message:   "give " + v.Name() + " a buffer of one",
				TextEdits: bufferEdit(mk),
			}}
		}
		report(pass, diag)
	}
}

// unbufferedMake returns e if it is make(chan T) or make(chan T, 0).
func unbufferedMake(info *types.Info, e ast.Expr) *ast.CallExpr {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return nil
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || info.Uses[id] != types.Universe.Lookup("make") || len(call.Args) == 0 {
		return nil
	}
	if _, ok := types.Unalias(info.TypeOf(call.Args[0])).Underlying().(*types.Chan); !ok {
		return nil
	}
	switch len(call.Args) {
	case 1:
		return call
	case 2:
		if tv, ok := info.Types[call.Args[1]]; ok && tv.Value != nil && tv.Value.String() == "0" {
			return call
		}
	}
	return nil
}

// bufferEdit turns make(chan T) or make(chan T, 0) into make(chan T, 1).
func bufferEdit(mk *ast.CallExpr) []analysis.TextEdit {
	if len(mk.Args) == 2 {
		return []analysis.TextEdit{{Pos: mk.Args[1].Pos(), End: mk.Args[1].End(), NewText: []byte("1")}}
	}
	return []analysis.TextEdit{{Pos: mk.Args[0].End(), End: mk.Args[0].End(), NewText: []byte(", 1")}}
}
