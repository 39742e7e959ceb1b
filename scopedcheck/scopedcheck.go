package scopedcheck

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// Analyzers lists every analyzer of the package, in the order of the
// package documentation: GroupCtx, GoAfterWait, LostWait, NurseryEscape,
// BareGo and Migrate. A driver that runs them all passes Analyzers whole,
// as scopedcheck/cmd/scopedcheck does.
var Analyzers = []*analysis.Analyzer{
	GroupCtx,
	GoAfterWait,
	LostWait,
	NurseryEscape,
	BareGo,
	Migrate,
}

// Import paths of the types the analyzers know.
const (
	errgroupPath  = "golang.org/x/sync/errgroup"
	taskgroupPath = "github.com/scoped-go/scoped/taskgroup"
	nurseryPath   = "github.com/scoped-go/scoped/nursery"
)

// namedIs reports whether t, or what t points to, is the named type
// path.name.
func namedIs(t types.Type, path, name string) bool {
	if t == nil {
		return false
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Pkg() != nil && obj.Pkg().Path() == path && obj.Name() == name
}

// groupKind says which kind of group a type is, or "" for none.
func groupKind(t types.Type) string {
	switch {
	case namedIs(t, errgroupPath, "Group"):
		return "errgroup.Group"
	case namedIs(t, taskgroupPath, "Group"):
		return "taskgroup.Group"
	case namedIs(t, "sync", "WaitGroup"):
		return "sync.WaitGroup"
	}
	return ""
}

func isNursery(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && namedIs(p.Elem(), nurseryPath, "Nursery")
}

func isContext(t types.Type) bool { return namedIs(t, "context", "Context") }

// callee returns the function or method a call statically calls, or nil.
func callee(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	return fn
}

// isFunc reports whether fn is the package-level function path.name.
func isFunc(fn *types.Func, path, name string) bool {
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != path || fn.Name() != name {
		return false
	}
	return fn.Signature().Recv() == nil
}

// methodCall matches a call x.M(...) of a method of a known group or of a
// nursery; it returns the receiver expression, the receiver's kind and the
// method name.
func methodCall(info *types.Info, call *ast.CallExpr) (recv ast.Expr, kind, method string) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil, "", ""
	}
	fn := callee(info, call)
	if fn == nil || fn.Signature().Recv() == nil {
		return nil, "", ""
	}
	rt := fn.Signature().Recv().Type()
	if isNursery(rt) {
		return sel.X, "nursery.Nursery", fn.Name()
	}
	if k := groupKind(rt); k != "" {
		return sel.X, k, fn.Name()
	}
	return nil, "", ""
}

// localVar returns the local variable an expression names, looking
// through parentheses and & and *, or nil.
func localVar(info *types.Info, e ast.Expr) *types.Var {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.UnaryExpr:
			if x.Op != token.AND {
				return nil
			}
			e = x.X
			continue
		case *ast.StarExpr:
			e = x.X
			continue
		case *ast.Ident:
			v, ok := info.Uses[x].(*types.Var)
			if !ok || v.IsField() || v.Parent() == nil || v.Parent() == v.Pkg().Scope() {
				return nil
			}
			return v
		}
		return nil
	}
}

// identVar returns the variable an identifier defines or uses, or nil.
func identVar(info *types.Info, id *ast.Ident) *types.Var {
	if v, ok := info.Defs[id].(*types.Var); ok {
		return v
	}
	v, _ := info.Uses[id].(*types.Var)
	return v
}

// line returns the line of pos.
func line(pass *analysis.Pass, pos token.Pos) int { return pass.Fset.Position(pos).Line }

// inScopeAs reports whether the name of v, written at pos, would resolve
// to v: the condition for a fix that writes v's name there.
func inScopeAs(pass *analysis.Pass, file *ast.File, pos token.Pos, v *types.Var) bool {
	if v == nil || v.Name() == "_" || v.Name() == "" {
		return false
	}
	s := pass.TypesInfo.Scopes[file]
	if s == nil {
		return false
	}
	inner := s.Innermost(pos)
	if inner == nil {
		return false
	}
	_, obj := inner.LookupParent(v.Name(), pos)
	return obj == v
}

// fileOf returns the file of pass that contains pos.
func fileOf(pass *analysis.Pass, pos token.Pos) *ast.File {
	for _, f := range pass.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// allowed reports whether the line of pos, or the line above it when that
// line holds only comments, carries //scoped:allow <what>: with a reason.
// It returns whether the directive is present and whether it has a reason.
func allowed(pass *analysis.Pass, file *ast.File, pos token.Pos, what string) (present, reason bool) {
	ln := line(pass, pos)
	prefix := "//scoped:allow " + what + ":"
	for _, cg := range file.Comments {
		for _, c := range cg.List {
			cl := line(pass, c.Slash)
			if cl != ln && (cl != ln-1 || !ownLine(pass, c)) {
				continue
			}
			if rest, ok := strings.CutPrefix(c.Text, prefix); ok {
				return true, strings.TrimSpace(rest) != ""
			}
		}
	}
	return false, false
}

// ownLine reports whether comment c is the only thing on its line.
func ownLine(pass *analysis.Pass, c *ast.Comment) bool {
	tf := pass.Fset.File(c.Slash)
	start := tf.LineStart(tf.Line(c.Slash))
	if pass.ReadFile == nil {
		return false
	}
	src, err := pass.ReadFile(tf.Name())
	if err != nil {
		return false
	}
	off := tf.Offset(start)
	end := tf.Offset(c.Slash)
	if off < 0 || end > len(src) || off > end {
		return false
	}
	return strings.TrimSpace(string(src[off:end])) == ""
}

// A groupDef is a group made by errgroup.WithContext or
// taskgroup.WithContext: g, ctx := errgroup.WithContext(outer).
type groupDef struct {
	group    *types.Var // the group variable
	ctx      *types.Var // the derived context, nil if discarded with _
	ctxIdent *ast.Ident // the identifier the derived context is bound to (maybe _)
	outer    *types.Var // the context the group was derived from, if a variable
	call     *ast.CallExpr
	define   bool   // the statement is g, ctx := ...
	ctor     string // "errgroup.WithContext" or "taskgroup.WithContext"
}

// withContextDefs finds every g, ctx := errgroup.WithContext(outer) (or
// taskgroup's, or the = and var forms) in the package, by group variable.
func withContextDefs(pass *analysis.Pass) map[*types.Var]*groupDef {
	defs := make(map[*types.Var]*groupDef)
	add := func(lhs []ast.Expr, rhs []ast.Expr, define bool) {
		if len(lhs) != 2 || len(rhs) != 1 {
			return
		}
		call, ok := ast.Unparen(rhs[0]).(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			return
		}
		fn := callee(pass.TypesInfo, call)
		var ctor string
		switch {
		case isFunc(fn, errgroupPath, "WithContext"):
			ctor = "errgroup.WithContext"
		case isFunc(fn, taskgroupPath, "WithContext"):
			ctor = "taskgroup.WithContext"
		default:
			return
		}
		gid, ok1 := lhs[0].(*ast.Ident)
		cid, ok2 := lhs[1].(*ast.Ident)
		if !ok1 || !ok2 {
			return
		}
		g := identVar(pass.TypesInfo, gid)
		if g == nil {
			return
		}
		d := &groupDef{group: g, ctxIdent: cid, call: call, define: define, ctor: ctor}
		if cid.Name != "_" {
			d.ctx = identVar(pass.TypesInfo, cid)
		}
		if id, ok := ast.Unparen(call.Args[0]).(*ast.Ident); ok {
			d.outer, _ = pass.TypesInfo.Uses[id].(*types.Var)
		}
		if prev := defs[g]; prev == nil {
			defs[g] = d
		}
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				add(n.Lhs, n.Rhs, n.Tok == token.DEFINE)
			case *ast.ValueSpec:
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				add(lhs, n.Values, true)
			}
			return true
		})
	}
	return defs
}

// localFuncs maps each local variable bound once to a function literal
// (fetch := func(...) {...}) to that literal.
func localFuncs(pass *analysis.Pass) map[*types.Var]*ast.FuncLit {
	lits := make(map[*types.Var]*ast.FuncLit)
	assigned := make(map[*types.Var]int)
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					id, ok := ast.Unparen(l).(*ast.Ident)
					if !ok {
						continue
					}
					v := identVar(pass.TypesInfo, id)
					if v == nil {
						continue
					}
					assigned[v]++
					if len(n.Lhs) == len(n.Rhs) {
						if lit, ok := ast.Unparen(n.Rhs[i]).(*ast.FuncLit); ok {
							lits[v] = lit
						}
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					v := identVar(pass.TypesInfo, id)
					if v == nil {
						continue
					}
					assigned[v]++
					if len(n.Names) == len(n.Values) {
						if lit, ok := ast.Unparen(n.Values[i]).(*ast.FuncLit); ok {
							lits[v] = lit
						}
					}
				}
			}
			return true
		})
	}
	for v := range lits {
		if assigned[v] != 1 {
			delete(lits, v)
		}
	}
	return lits
}

// report reports d unless its line carries //scoped:allow NAME: <reason>,
// NAME being the analyzer's name; an allow comment without a reason is
// reported instead.
func report(pass *analysis.Pass, d analysis.Diagnostic) {
	if f := fileOf(pass, d.Pos); f != nil {
		switch present, reason := allowed(pass, f, d.Pos, pass.Analyzer.Name); {
		case present && reason:
			return
		case present:
			pass.Reportf(d.Pos, "//scoped:allow %s: needs a reason after the colon", pass.Analyzer.Name)
			return
		}
	}
	pass.Report(d)
}

// reportf is report with a formatted message and no fix.
func reportf(pass *analysis.Pass, pos token.Pos, format string, args ...any) {
	report(pass, analysis.Diagnostic{Pos: pos, Message: fmt.Sprintf(format, args...)})
}
