package scopedcheck

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Migrate reports an import of golang.org/x/sync/errgroup with a fix that
// imports github.com/scoped-go/scoped/taskgroup instead: taskgroup.Group
// has errgroup's API and semantics, and adds that a panic in a task comes
// out of Wait with the task's stack. The fix renames errgroup.X to
// taskgroup.X, or keeps the import's name (errgroup "…/taskgroup") where
// taskgroup is taken in the file. It also hints, without a fix, at
// imports of github.com/sourcegraph/conc, whose pools map onto nursery.Run
// and taskgroup.
//
// With the flag -migrate.waitgroup it also hints at sync.WaitGroup
// fan-outs: a WaitGroup declared in a function whose goroutines are
// started in a loop and waited for in the same function, which
// taskgroup.ForEach or a nursery says with errors and panics returned.
//
// //scoped:allow errgroup: <reason> (or conc:, or waitgroup: on the
// WaitGroup's declaration) on the line keeps a deliberate use quiet.
var Migrate = &analysis.Analyzer{
	Name: "migrate",
	Doc:  "suggest taskgroup for errgroup imports (with a fix), and nursery or taskgroup for conc and WaitGroup fan-outs",
	URL:  "https://pkg.go.dev/github.com/scoped-go/scoped/scopedcheck#Migrate",
	Run:  runMigrate,
}

var migrateWaitGroup bool

func init() {
	Migrate.Flags.BoolVar(&migrateWaitGroup, "waitgroup", false, "also hint at sync.WaitGroup fan-outs that taskgroup.ForEach or a nursery would replace")
}

func runMigrate(pass *analysis.Pass) (any, error) {
	for _, f := range pass.Files {
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				continue
			}
			switch {
			case path == errgroupPath:
				if present, _ := allowed(pass, f, spec.Pos(), "errgroup"); present {
					continue
				}
				migrateErrgroup(pass, f, spec)
			case path == "github.com/sourcegraph/conc" || strings.HasPrefix(path, "github.com/sourcegraph/conc/"):
				if present, _ := allowed(pass, f, spec.Pos(), "conc"); present {
					continue
				}
				pass.Reportf(spec.Pos(), "%s: conc's WaitGroup and pools map onto nursery.Run and taskgroup (Map, ForEach, Group), which also return every error and re-raise panics in the caller", path)
			}
		}
		if migrateWaitGroup {
			waitGroupFanOuts(pass, f)
		}
	}
	return nil, nil
}

// migrateErrgroup reports an errgroup import with its fix.
func migrateErrgroup(pass *analysis.Pass, f *ast.File, spec *ast.ImportSpec) {
	const name = "taskgroup"
	pathEdit := analysis.TextEdit{Pos: spec.Path.Pos(), End: spec.Path.End(), NewText: []byte(strconv.Quote(taskgroupPath))}
	diag := analysis.Diagnostic{
		Pos: spec.Pos(), End: spec.End(),
		Message: "errgroup can be replaced by github.com/scoped-go/scoped/taskgroup: same API, and a panic in a task comes out of Wait with its stack instead of crashing the program",
	}
	for _, other := range f.Imports {
		if p, _ := strconv.Unquote(other.Path.Value); p == taskgroupPath {
			pass.Report(diag) // both imported: merging them is left to the reader
			return
		}
	}
	fix := analysis.SuggestedFix{Message: "import taskgroup instead of errgroup"}
	if spec.Name != nil {
		fix.TextEdits = []analysis.TextEdit{pathEdit}
	} else if nameTaken(pass, f, name) {
		fix.TextEdits = []analysis.TextEdit{{Pos: spec.Path.Pos(), End: spec.Path.End(), NewText: []byte("errgroup " + strconv.Quote(taskgroupPath))}}
	} else {
		fix.TextEdits = []analysis.TextEdit{pathEdit}
		pkgName, _ := pass.TypesInfo.Implicits[spec].(*types.PkgName)
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && pkgName != nil && pass.TypesInfo.Uses[id] == pkgName {
				fix.TextEdits = append(fix.TextEdits, analysis.TextEdit{Pos: id.Pos(), End: id.End(), NewText: []byte(name)})
			}
			return true
		})
	}
	diag.SuggestedFixes = []analysis.SuggestedFix{fix}
	pass.Report(diag)
}

// nameTaken reports whether name is declared or used anywhere in f.
func nameTaken(pass *analysis.Pass, f *ast.File, name string) bool {
	taken := false
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			taken = true
		}
		return !taken
	})
	if !taken {
		if obj := pass.Pkg.Scope().Lookup(name); obj != nil {
			taken = true
		}
	}
	return taken
}

// waitGroupFanOuts hints at each WaitGroup of f that fans out goroutines
// in a loop and is waited for in the same function.
func waitGroupFanOuts(pass *analysis.Pass, f *ast.File) {
	info := pass.TypesInfo
	reported := make(map[token.Pos]bool) // a nested body is walked twice
	ast.Inspect(f, func(n ast.Node) bool {
		var body *ast.BlockStmt
		switch n := n.(type) {
		case *ast.FuncDecl:
			body = n.Body
		case *ast.FuncLit:
			body = n.Body
		}
		if body == nil {
			return true
		}
		// WaitGroups declared in this body, with their loop starts and Wait.
		type fanOut struct {
			decl token.Pos
			loop token.Pos
			wait bool
		}
		wgs := make(map[*types.Var]*fanOut)
		var order []*types.Var
		loops := 0
		var walk func(n ast.Node) bool
		walk = func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.FuncLit:
				if m.Body != body {
					// A goroutine's body: a Done or Go there belongs to the loop around it.
					return true
				}
			case *ast.ValueSpec:
				for _, id := range m.Names {
					if v, ok := info.Defs[id].(*types.Var); ok && namedIs(v.Type(), "sync", "WaitGroup") {
						if _, ptr := types.Unalias(v.Type()).(*types.Pointer); !ptr {
							wgs[v] = &fanOut{decl: id.Pos()}
							order = append(order, v)
						}
					}
				}
			case *ast.ForStmt, *ast.RangeStmt:
				loops++
				ast.Inspect(m, func(k ast.Node) bool {
					if k == m {
						return true
					}
					return walk(k)
				})
				loops--
				return false
			case *ast.CallExpr:
				recv, kind, method := methodCall(info, m)
				if kind != "sync.WaitGroup" {
					break
				}
				v := localVar(info, recv)
				fo := wgs[v]
				if fo == nil {
					break
				}
				switch {
				case method == "Wait":
					fo.wait = true
				case (method == "Add" || method == "Go") && loops > 0 && fo.loop == token.NoPos:
					fo.loop = m.Pos()
				}
			}
			return true
		}
		ast.Inspect(body, walk)
		for _, v := range order {
			fo := wgs[v]
			if !fo.wait || fo.loop == token.NoPos || reported[fo.decl] {
				continue
			}
			reported[fo.decl] = true
			if present, _ := allowed(pass, f, fo.decl, "waitgroup"); present {
				continue
			}
			pass.Reportf(fo.decl, "%s fans out goroutines in a loop (line %d) and waits for them: taskgroup.ForEach, or nursery.Run with n.Go, does the same and returns the errors and panics to the caller", v.Name(), line(pass, fo.loop))
		}
		return true
	})
}
