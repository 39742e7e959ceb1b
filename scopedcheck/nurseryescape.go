package scopedcheck

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// NurseryEscape reports a *nursery.Nursery that can outlive the body of
// nursery.Run it was handed to, after which its Go panics and its tasks
// would have no owner:
//
//   - stored in a struct field, a map or slice element, a package-level
//     variable, or a variable declared outside the function that holds it
//     (s.n = n; saved = n), including inside a composite literal;
//   - sent on a channel (ch <- n);
//   - returned from a function literal that captured it;
//   - used by a goroutine the nursery did not start (go func() { n.Go(...) }(),
//     go helper(n)).
//
// Passing the nursery down to a function called from the body, the way
// to share it, is not reported; nor is a field of a struct value made in
// the same function.
var NurseryEscape = &analysis.Analyzer{
	Name:     "nurseryescape",
	Doc:      "report a *nursery.Nursery stored, sent, returned, or used by a bare goroutine",
	URL:      "https://pkg.go.dev/github.com/scoped-go/scoped/scopedcheck#NurseryEscape",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      runNurseryEscape,
}

func runNurseryEscape(pass *analysis.Pass) (any, error) {
	if pass.Pkg.Path() == nurseryPath {
		return nil, nil // the nursery's own code starts its goroutines
	}
	info := pass.TypesInfo
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	// nurseryIn returns the first nursery-typed variable that e is, or
	// that a composite literal e holds.
	var nurseryIn func(e ast.Expr) *ast.Ident
	nurseryIn = func(e ast.Expr) *ast.Ident {
		switch e := ast.Unparen(e).(type) {
		case *ast.Ident:
			if v, ok := info.Uses[e].(*types.Var); ok && isNursery(v.Type()) {
				return e
			}
		case *ast.UnaryExpr:
			return nurseryIn(e.X)
		case *ast.CompositeLit:
			for _, el := range e.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					el = kv.Value
				}
				if id := nurseryIn(el); id != nil {
					return id
				}
			}
		}
		return nil
	}
	ins.WithStack([]ast.Node{(*ast.AssignStmt)(nil), (*ast.SendStmt)(nil), (*ast.ReturnStmt)(nil), (*ast.GoStmt)(nil)}, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		fn := enclosingFunc(stack)
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) != len(n.Rhs) {
				return true
			}
			for i, l := range n.Lhs {
				id := nurseryIn(n.Rhs[i])
				if id == nil {
					continue
				}
				if where := escapesTo(info, l, fn); where != "" {
					reportf(pass, n.Pos(), "nursery %s is stored in %s, where it outlives the body of nursery.Run: pass it as an argument to the functions called from the body instead", id.Name, where)
				}
			}
		case *ast.SendStmt:
			if id := nurseryIn(n.Value); id != nil {
				reportf(pass, n.Pos(), "nursery %s is sent on a channel, where it outlives the body of nursery.Run: pass it as an argument to the functions called from the body instead", id.Name)
			}
		case *ast.ReturnStmt:
			lit, ok := fn.(*ast.FuncLit)
			if !ok {
				return true
			}
			for _, r := range n.Results {
				if id := nurseryIn(r); id != nil {
					if v := info.Uses[id]; v != nil && !(lit.Pos() <= v.Pos() && v.Pos() < lit.End()) {
						reportf(pass, n.Pos(), "nursery %s is returned from a function literal that captured it, so it can outlive the body of nursery.Run: pass it as an argument instead", id.Name)
					}
				}
			}
		case *ast.GoStmt:
			var used *ast.Ident
			ast.Inspect(n.Call, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok && used == nil {
					if v, ok := info.Uses[id].(*types.Var); ok && isNursery(v.Type()) && !(n.Call.Pos() <= v.Pos() && v.Pos() < n.Call.End()) {
						used = id
					}
				}
				return used == nil
			})
			if used != nil {
				reportf(pass, n.Pos(), "nursery %s is used by a goroutine it did not start, which can outlive the body of nursery.Run: start the work with %s.Go instead of a go statement", used.Name, used.Name)
			}
		}
		return true
	})
	return nil, nil
}

// enclosingFunc returns the innermost function declaration or literal of
// a stack.
func enclosingFunc(stack []ast.Node) ast.Node {
	for i := len(stack) - 1; i >= 0; i-- {
		switch stack[i].(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return stack[i]
		}
	}
	return nil
}

// escapesTo says where an assignment to l stores its value when that
// place can outlive fn: "a field of s", "a package-level variable", ...;
// "" when it cannot.
func escapesTo(info *types.Info, l ast.Expr, fn ast.Node) string {
	// Only variables declared in the body are local: a receiver or a
	// parameter points to storage the caller keeps.
	var body *ast.BlockStmt
	switch fn := fn.(type) {
	case *ast.FuncDecl:
		body = fn.Body
	case *ast.FuncLit:
		body = fn.Body
	}
	inside := func(v types.Object) bool {
		return body != nil && body.Pos() <= v.Pos() && v.Pos() < body.End()
	}
	kind := "variable"
	e := l
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			if sel := info.Selections[x]; sel != nil && sel.Kind() == types.FieldVal {
				kind = "field " + x.Sel.Name + " of"
				e = x.X
				continue
			}
			// A qualified package-level variable.
			if v, ok := info.Uses[x.Sel].(*types.Var); ok && v.Parent() == v.Pkg().Scope() {
				return "package-level variable " + x.Sel.Name
			}
			return ""
		case *ast.IndexExpr:
			kind = "an element of"
			e = x.X
			continue
		case *ast.StarExpr:
			e = x.X
			continue
		case *ast.Ident:
			v, ok := info.Uses[x].(*types.Var)
			if !ok {
				if v, ok = info.Defs[x].(*types.Var); !ok {
					return ""
				}
			}
			if v.Parent() == v.Pkg().Scope() {
				if kind == "variable" {
					return "package-level variable " + x.Name
				}
				return kind + " package-level variable " + x.Name
			}
			if inside(v) {
				return ""
			}
			if kind == "variable" {
				return "variable " + x.Name + ", declared outside this function"
			}
			return kind + " " + x.Name + ", declared outside this function"
		}
		return ""
	}
}
