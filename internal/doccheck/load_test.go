package doccheck

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// module is the main module's path; root is its directory, seen from here.
const (
	module = "github.com/scoped-go/scoped"
	root   = "../.."
)

// A loader type-checks the module's packages from source and everything
// else from the compiler's export data, so that the Examples and the guides'
// code blocks are checked against the API as it is in this tree.
type loader struct {
	fset *token.FileSet
	gc   types.Importer // everything but the module's own packages

	mu   sync.Mutex
	pkgs map[string]*types.Package
}

func newLoader() *loader {
	fset := token.NewFileSet()
	return &loader{
		fset: fset,
		gc:   importer.ForCompiler(fset, "gc", exportData),
		pkgs: map[string]*types.Package{},
	}
}

// Import implements types.Importer.
func (l *loader) Import(path string) (*types.Package, error) {
	if path != module && !strings.HasPrefix(path, module+"/") {
		return l.gc.Import(path)
	}
	l.mu.Lock()
	p, ok := l.pkgs[path]
	l.mu.Unlock()
	if ok {
		return p, nil
	}
	dir := filepath.Join(root, strings.TrimPrefix(strings.TrimPrefix(path, module), "/"))
	// A package's export_test.go, by Go's convention, exports to its
	// external tests what they need of its internals: it is part of the
	// package its Examples are checked against (exported, which lists
	// the API, reads the package's own files alone).
	files, err := l.parseDir(dir, func(name string) bool {
		return !strings.HasSuffix(name, "_test.go") || name == "export_test.go"
	})
	if err != nil {
		return nil, err
	}
	p, _, err = l.check(path, files)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.pkgs[path] = p
	l.mu.Unlock()
	return p, nil
}

// exportFiles maps import paths to the files that hold their export
// data: the packages the module and its tests depend on, and those the
// guides' code blocks import. One importer reads them all, so that every
// package sees the same context.Context.
var exportFiles = sync.OnceValues(func() (map[string]string, error) {
	// The paths: what the guides' blocks may import, and what the
	// documented packages and their tests import.
	want := map[string]bool{}
	for _, path := range imports {
		want[path] = true
	}
	for _, pkg := range documented {
		dir := filepath.Join(root, strings.TrimPrefix(pkg, module+"/"))
		names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range names {
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
			if err != nil {
				return nil, err
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				want[path] = true
			}
		}
	}
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}
	for path := range want {
		if path != module && !strings.HasPrefix(path, module+"/") {
			args = append(args, path)
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export: %v", err)
	}
	files := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if path, file, ok := strings.Cut(line, "\t"); ok && file != "" {
			files[path] = file
		}
	}
	return files, nil
})

// exportData opens the compiler's export data for a package outside the
// module, as go list -export found (and if need be built) it.
func exportData(path string) (io.ReadCloser, error) {
	files, err := exportFiles()
	if err != nil {
		return nil, err
	}
	file, ok := files[path]
	if !ok {
		return nil, fmt.Errorf("no export data for %s: add it to doccheck's imports", path)
	}
	return os.Open(file)
}

// parseDir parses the .go files of dir whose names keep accepts, with
// comments, in name order.
func (l *loader) parseDir(dir string, keep func(name string) bool) ([]*ast.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || !keep(e.Name()) {
			continue
		}
		// Only the files the build takes on this machine: a package may
		// have a file per architecture.
		if ok, err := build.Default.MatchFile(dir, e.Name()); err != nil {
			return nil, err
		} else if ok {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(l.fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// check type-checks files as the package path and returns the package
// with the uses of identifiers recorded.
func (l *loader) check(path string, files []*ast.File) (*types.Package, *types.Info, error) {
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	var errs []string
	conf := types.Config{
		Importer: l,
		Error:    func(err error) { errs = append(errs, err.Error()) },
	}
	p, _ := conf.Check(path, l.fset, files, info)
	if len(errs) > 0 {
		return p, info, fmt.Errorf("type-checking %s:\n\t%s", path, strings.Join(errs, "\n\t"))
	}
	return p, info, nil
}

// mustLoad is Import for a test.
func (l *loader) mustLoad(t *testing.T, path string) *types.Package {
	t.Helper()
	p, err := l.Import(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
