package scopedcheck_test

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"sort"

	"github.com/scoped-go/scoped/scopedcheck"
	"golang.org/x/tools/go/analysis"
)

// A driver runs every analyzer of the package by passing Analyzers whole,
// as the scopedcheck command does with multichecker.Main.
func ExampleAnalyzers() {
	for _, a := range scopedcheck.Analyzers {
		fmt.Println(a.Name)
	}
	// Output:
	// groupctx
	// goafterwait
	// lostwait
	// nurseryescape
	// barego
	// migrate
}

// The errgroup package, reduced to the names the examples use.
const errgroupSrc = `package errgroup

import "context"

type Group struct{}

func WithContext(ctx context.Context) (*Group, context.Context) { return &Group{}, ctx }

func (g *Group) Go(f func() error) {}
func (g *Group) Wait() error      { return nil }
`

// run type-checks src, which may import context and errgroup, runs the
// analyzer a (one without prerequisites) on it, and prints each report
// with the text of its first fix.
func run(a *analysis.Analyzer, src string) {
	fset := token.NewFileSet()
	std := importer.ForCompiler(fset, "source", nil)
	eg := check(fset, "golang.org/x/sync/errgroup", errgroupSrc, std)
	imp := importerFunc(func(path string) (*types.Package, error) {
		if path == eg.Path() {
			return eg, nil
		}
		return std.Import(path)
	})
	f, err := parser.ParseFile(fset, "example.go", src, parser.ParseComments)
	if err != nil {
		panic(err)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
	}
	pkg, err := (&types.Config{Importer: imp}).Check("example", fset, []*ast.File{f}, info)
	if err != nil {
		panic(err)
	}
	var diags []analysis.Diagnostic
	pass := &analysis.Pass{
		Analyzer: a, Fset: fset, Files: []*ast.File{f}, Pkg: pkg, TypesInfo: info,
		TypesSizes: types.SizesFor("gc", "amd64"),
		Report:     func(d analysis.Diagnostic) { diags = append(diags, d) },
		ResultOf:   map[*analysis.Analyzer]any{},
	}
	if _, err := a.Run(pass); err != nil {
		panic(err)
	}
	sort.Slice(diags, func(i, j int) bool { return diags[i].Pos < diags[j].Pos })
	for _, d := range diags {
		p := fset.Position(d.Pos)
		fmt.Printf("%d:%d: %s\n", p.Line, p.Column, d.Message)
		for _, fix := range d.SuggestedFixes {
			for _, e := range fix.TextEdits {
				fmt.Printf("\tfix at %d:%d: %s\n", fset.Position(e.Pos).Line, fset.Position(e.Pos).Column, e.NewText)
			}
		}
	}
}

func check(fset *token.FileSet, path, src string, imp types.Importer) *types.Package {
	f, err := parser.ParseFile(fset, path+".go", src, 0)
	if err != nil {
		panic(err)
	}
	pkg, err := (&types.Config{Importer: imp}).Check(path, fset, []*ast.File{f}, nil)
	if err != nil {
		panic(err)
	}
	return pkg
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// GroupCtx finds the task that uses the outer ctx, and offers the group's.
func ExampleGroupCtx() {
	run(scopedcheck.GroupCtx, `package example

import (
	"context"

	"golang.org/x/sync/errgroup"
)

func save(ctx context.Context, v int) error { return nil }

func saveAll(ctx context.Context, vs []int) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, v := range vs {
		g.Go(func() error { return save(ctx, v) })
	}
	_ = gctx
	return g.Wait()
}
`)
	// Output:
	// 14:35: a task of g uses ctx, the outer context of the scope made at line 12, so a failure cannot cancel it: use gctx
	// 	fix at 14:35: gctx
}

// Migrate offers taskgroup for errgroup, renaming the uses.
func ExampleMigrate() {
	run(scopedcheck.Migrate, `package example

import "golang.org/x/sync/errgroup"

func run() error {
	var g errgroup.Group
	return g.Wait()
}
`)
	// Output:
	// 3:8: errgroup can be replaced by github.com/scoped-go/scoped/taskgroup: same API, and a panic in a task comes out of Wait with its stack instead of crashing the program
	// 	fix at 3:8: "github.com/scoped-go/scoped/taskgroup"
	// 	fix at 6:8: taskgroup
}

// The analyzers that answer questions about paths need the control-flow
// graphs of ctrlflow, so they run under a driver: the scopedcheck command,
// go vet -vettool, golangci-lint, or analysistest in tests.
func ExampleGoAfterWait() {
	fmt.Println(scopedcheck.GoAfterWait.Name, "needs", names(scopedcheck.GoAfterWait.Requires))
	// Output: goafterwait needs inspect ctrlflow
}

func ExampleLostWait() {
	fmt.Println(scopedcheck.LostWait.Name, "needs", names(scopedcheck.LostWait.Requires))
	// Output: lostwait needs inspect ctrlflow
}

func ExampleNurseryEscape() {
	fmt.Println(scopedcheck.NurseryEscape.Name, "needs", names(scopedcheck.NurseryEscape.Requires))
	// Output: nurseryescape needs inspect
}

func ExampleBareGo() {
	fmt.Println(scopedcheck.BareGo.Name, "needs", names(scopedcheck.BareGo.Requires))
	// Output: barego needs inspect ctrlflow
}

func names(as []*analysis.Analyzer) string {
	s := ""
	for i, a := range as {
		if i > 0 {
			s += " "
		}
		s += a.Name
	}
	return s
}
