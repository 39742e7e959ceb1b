package scopedcheck

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// GroupCtx reports a task that uses the context its group was derived
// from instead of the group's own, so that a failure in the group cannot
// cancel it:
//
//	g, gctx := errgroup.WithContext(ctx)
//	g.Go(func() error { return fetch(ctx, url) }) // ctx: should be gctx
//
// The same holds for taskgroup.WithContext, for a nursery (a task or the
// body of nursery.Run using the context Run was given instead of its own
// ctx parameter) and for the functions of taskgroup.Map, ForEach, Stream,
// All, Any and Settled. A use inside a local closure the task calls counts
// as the task's. It also reports a derived context discarded with _ while
// the tasks use the outer one. The one deliberate use of the outer
// context, as the argument of context.WithoutCancel, is not reported.
//
// Where the group's context is in scope at the use under its own name, the
// report carries a fix that writes that name; for a discarded context the
// fix names it gctx and uses it in the tasks.
var GroupCtx = &analysis.Analyzer{
	Name: "groupctx",
	Doc:  "report group tasks that use the outer context instead of the group's derived one",
	URL:  "https://pkg.go.dev/github.com/scoped-go/scoped/scopedcheck#GroupCtx",
	Run:  runGroupCtx,
}

// A ctxTask is a function that runs as a task of a scope whose context
// is derived from outer.
type ctxTask struct {
	fn      ast.Node // *ast.FuncLit, or the *ast.Ident of a local closure
	lit     *ast.FuncLit
	outer   *types.Var // the context the scope was derived from
	derived *types.Var // the context the task should use, or nil
	what    string     // "task of g", "body of nursery.Run", ...
	def     *groupDef  // the group, for errgroup and taskgroup
	at      token.Pos  // where the scope was made
}

func runGroupCtx(pass *analysis.Pass) (any, error) {
	info := pass.TypesInfo
	defs := withContextDefs(pass)
	closures := localFuncs(pass)

	// The nurseries the body of a nursery.Run call is handed, with the
	// context Run was given and the body's own ctx parameter.
	type nurseryScope struct {
		outer, bodyCtx *types.Var
		at             token.Pos
	}
	nurseries := make(map[*types.Var]nurseryScope)

	var tasks []ctxTask
	taskOf := func(e ast.Expr) (*ast.FuncLit, ast.Node) {
		switch e := ast.Unparen(e).(type) {
		case *ast.FuncLit:
			return e, e
		case *ast.Ident:
			if v, ok := info.Uses[e].(*types.Var); ok && closures[v] != nil {
				return closures[v], e
			}
		}
		return nil, nil
	}
	firstCtxParam := func(lit *ast.FuncLit) *types.Var {
		if lit.Type.Params == nil || len(lit.Type.Params.List) == 0 {
			return nil
		}
		p := lit.Type.Params.List[0]
		if len(p.Names) == 0 {
			return nil
		}
		v := identVar(info, p.Names[0])
		if v == nil || !isContext(v.Type()) {
			return nil
		}
		return v
	}

	// First the scopes, in source order, so that a nursery's body is known
	// before the calls on its nursery are seen.
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn := callee(info, call)
			if fn != nil && fn.Pkg() != nil && fn.Signature().Recv() == nil && len(call.Args) > 0 {
				outer := localVar(info, call.Args[0])
				if outer == nil || !isContext(outer.Type()) {
					outer = nil
				}
				switch path, name := fn.Pkg().Path(), fn.Name(); {
				case path == nurseryPath && name == "Run" && len(call.Args) >= 2:
					if lit, node := taskOf(call.Args[1]); lit != nil && outer != nil {
						body := firstCtxParam(lit)
						tasks = append(tasks, ctxTask{fn: node, lit: lit, outer: outer, derived: body, what: "the body of nursery.Run", at: call.Pos()})
						if ps := lit.Type.Params.List; len(ps) == 2 && len(ps[1].Names) == 1 {
							if nv := identVar(info, ps[1].Names[0]); nv != nil {
								nurseries[nv] = nurseryScope{outer: outer, bodyCtx: body, at: call.Pos()}
							}
						} else if len(ps) == 1 && len(ps[0].Names) == 2 {
							if nv := identVar(info, ps[0].Names[1]); nv != nil {
								nurseries[nv] = nurseryScope{outer: outer, bodyCtx: body, at: call.Pos()}
							}
						}
					}
				case path == taskgroupPath && (name == "Map" || name == "ForEach" || name == "Stream") && len(call.Args) >= 3:
					if lit, node := taskOf(call.Args[2]); lit != nil && outer != nil {
						tasks = append(tasks, ctxTask{fn: node, lit: lit, outer: outer, derived: firstCtxParam(lit), what: "the function of taskgroup." + name, at: call.Pos()})
					}
				case path == taskgroupPath && (name == "All" || name == "Any" || name == "Settled"):
					for _, a := range call.Args[1:] {
						if lit, node := taskOf(a); lit != nil && outer != nil {
							tasks = append(tasks, ctxTask{fn: node, lit: lit, outer: outer, derived: firstCtxParam(lit), what: "a task of taskgroup." + name, at: call.Pos()})
						}
					}
				case path == nurseryPath && (name == "Spawn" || name == "StartValue") && len(call.Args) == 2:
					// Seen below with the methods.
				}
			}
			return true
		})
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var recv, task ast.Expr
			method := ""
			if r, kind, m := methodCall(info, call); kind != "" && len(call.Args) == 1 {
				recv, task, method = r, call.Args[0], m
			} else if fn := callee(info, call); fn != nil && (isFunc(fn, nurseryPath, "Spawn") || isFunc(fn, nurseryPath, "StartValue")) && len(call.Args) == 2 {
				recv, task, method = call.Args[0], call.Args[1], fn.Name()
			}
			if recv == nil {
				return true
			}
			v := localVar(info, recv)
			if v == nil {
				return true
			}
			lit, node := taskOf(task)
			if lit == nil {
				return true
			}
			if d := defs[v]; d != nil && (method == "Go" || method == "TryGo") {
				tasks = append(tasks, ctxTask{fn: node, lit: lit, outer: d.outer, derived: d.ctx, what: "a task of " + v.Name(), def: d, at: d.call.Pos()})
			}
			if ns, ok := nurseries[v]; ok {
				switch method {
				case "Go", "TryGo", "Background", "Start", "Spawn", "StartValue":
					derived := firstCtxParam(lit)
					if derived == nil {
						derived = ns.bodyCtx
					}
					tasks = append(tasks, ctxTask{fn: node, lit: lit, outer: ns.outer, derived: derived, what: "a task of " + v.Name(), at: ns.at})
				}
			}
			return true
		})
	}

	// A use inside a task nested in another (a task in a nursery's body)
	// is the inner task's: look at the smaller literals first.
	sort.SliceStable(tasks, func(i, j int) bool {
		return tasks[i].lit.End()-tasks[i].lit.Pos() < tasks[j].lit.End()-tasks[j].lit.Pos()
	})
	// Discarded contexts are reported once per group, with every use.
	discarded := make(map[*groupDef][]*ast.Ident)
	seen := make(map[token.Pos]bool)
	for _, t := range tasks {
		if t.outer == nil || t.outer == t.derived {
			continue // g, ctx := errgroup.WithContext(ctx) in ctx's own scope: no outer left
		}
		if t.def == nil && t.derived != nil && t.derived.Name() == "_" {
			continue // func(_ context.Context, ...): the task declines its context on purpose
		}
		uses, helpers := outerUses(info, t.lit, t.outer, closures)
		if t.def != nil && t.def.ctx == nil {
			discarded[t.def] = append(discarded[t.def], uses...)
			for _, h := range helpers {
				reportHelper(pass, t, h, seen)
			}
			continue
		}
		for _, id := range uses {
			if seen[id.Pos()] {
				continue
			}
			seen[id.Pos()] = true
			d := analysis.Diagnostic{Pos: id.Pos(), End: id.End()}
			if t.derived != nil && t.derived.Name() != "_" {
				d.Message = fmt.Sprintf("%s uses %s, the outer context of the scope made at line %d, so a failure cannot cancel it: use %s",
					t.what, id.Name, line(pass, t.at), t.derived.Name())
				if f := fileOf(pass, id.Pos()); f != nil && inScopeAs(pass, f, id.Pos(), t.derived) {
					d.SuggestedFixes = []analysis.SuggestedFix{{
						Message:   "use " + t.derived.Name(),
						TextEdits: []analysis.TextEdit{{Pos: id.Pos(), End: id.End(), NewText: []byte(t.derived.Name())}},
					}}
				}
			} else {
				d.Message = fmt.Sprintf("%s uses %s, the outer context of the scope made at line %d, so a failure cannot cancel it: name the task's ctx parameter and use it",
					t.what, id.Name, line(pass, t.at))
			}
			report(pass, d)
		}
		for _, h := range helpers {
			reportHelper(pass, t, h, seen)
		}
	}
	for d, uses := range discarded {
		if len(uses) == 0 {
			continue
		}
		sort.Slice(uses, func(i, j int) bool { return uses[i].Pos() < uses[j].Pos() })
		var lines []string
		for _, u := range uses {
			lines = append(lines, fmt.Sprint(line(pass, u.Pos())))
		}
		diag := analysis.Diagnostic{
			Pos: d.ctxIdent.Pos(), End: d.ctxIdent.End(),
			Message: fmt.Sprintf("the context of %s is discarded while its tasks use %s (line %s), which a failure cannot cancel: name it (%s, gctx := %s(...)) and use it in the tasks",
				d.group.Name(), uses[0].Name, strings.Join(lines, ", "), d.group.Name(), d.ctor),
		}
		if fix, ok := discardFix(pass, d, uses); ok {
			diag.SuggestedFixes = []analysis.SuggestedFix{fix}
		}
		report(pass, diag)
	}
	return nil, nil
}

// reportHelper reports a task that calls a local closure using the outer
// context.
func reportHelper(pass *analysis.Pass, t ctxTask, h helperUse, seen map[token.Pos]bool) {
	if seen[h.call.Pos()] {
		return
	}
	seen[h.call.Pos()] = true
	want := "the group's context"
	if t.derived != nil && t.derived.Name() != "_" {
		want = t.derived.Name()
	}
	reportf(pass, h.call.Pos(), "%s calls %s, which uses %s (line %d), the context the task's scope was derived from (line %d), so a failure cannot cancel it: pass %s to %s instead",
		t.what, h.name, h.use.Name, line(pass, h.use.Pos()), line(pass, t.at), want, h.name)
}

// A helperUse is a call, in a task, of a local closure that uses the
// outer context.
type helperUse struct {
	call *ast.CallExpr
	name string
	use  *ast.Ident
}

// outerUses returns the uses of outer in lit (nested literals included),
// but for the argument of context.WithoutCancel, and the calls of local
// closures that use it.
func outerUses(info *types.Info, lit *ast.FuncLit, outer *types.Var, closures map[*types.Var]*ast.FuncLit) (uses []*ast.Ident, helpers []helperUse) {
	exempt := make(map[*ast.Ident]bool)
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if fn := callee(info, n); isFunc(fn, "context", "WithoutCancel") && len(n.Args) == 1 {
				if id, ok := ast.Unparen(n.Args[0]).(*ast.Ident); ok {
					exempt[id] = true
				}
			}
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if v, ok := info.Uses[id].(*types.Var); ok {
					if cl := closures[v]; cl != nil && cl != lit {
						if u := closureUse(info, cl, outer, closures, map[*ast.FuncLit]bool{lit: true}); u != nil {
							helpers = append(helpers, helperUse{call: n, name: id.Name, use: u})
						}
					}
				}
			}
		case *ast.Ident:
			if info.Uses[n] == outer && !exempt[n] {
				uses = append(uses, n)
			}
		}
		return true
	})
	return uses, helpers
}

// closureUse returns the first use of outer in a closure, following the
// closures it calls, or nil. A closure defined inside the task is part of
// the task and is not followed here.
func closureUse(info *types.Info, cl *ast.FuncLit, outer *types.Var, closures map[*types.Var]*ast.FuncLit, visited map[*ast.FuncLit]bool) *ast.Ident {
	if visited[cl] {
		return nil
	}
	visited[cl] = true
	uses, helpers := outerUses(info, cl, outer, closures)
	if len(uses) > 0 {
		return uses[0]
	}
	for _, h := range helpers {
		return h.use
	}
	return nil
}

// discardFix names a discarded group context gctx and uses it in the
// tasks, if the statement defines its variables and gctx is a free name.
func discardFix(pass *analysis.Pass, d *groupDef, uses []*ast.Ident) (analysis.SuggestedFix, bool) {
	const name = "gctx"
	if !d.define {
		return analysis.SuggestedFix{}, false
	}
	f := fileOf(pass, d.ctxIdent.Pos())
	if f == nil {
		return analysis.SuggestedFix{}, false
	}
	// gctx must be unused in the enclosing declaration, so that it shadows
	// nothing and clashes with nothing.
	var decl ast.Node = f
	for _, dcl := range f.Decls {
		if dcl.Pos() <= d.ctxIdent.Pos() && d.ctxIdent.Pos() < dcl.End() {
			decl = dcl
		}
	}
	free := true
	ast.Inspect(decl, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			free = false
		}
		return free
	})
	if !free {
		return analysis.SuggestedFix{}, false
	}
	edits := []analysis.TextEdit{{Pos: d.ctxIdent.Pos(), End: d.ctxIdent.End(), NewText: []byte(name)}}
	for _, u := range uses {
		// The new name is declared in the group's scope: every task use
		// must lie in that scope.
		s := pass.TypesInfo.Scopes[f].Innermost(d.ctxIdent.Pos())
		if s == nil || !s.Contains(u.Pos()) {
			return analysis.SuggestedFix{}, false
		}
		edits = append(edits, analysis.TextEdit{Pos: u.Pos(), End: u.End(), NewText: []byte(name)})
	}
	return analysis.SuggestedFix{Message: "name the group's context " + name + " and use it in the tasks", TextEdits: edits}, true
}
