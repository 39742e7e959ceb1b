package doccheck

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
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
	std  types.Importer // the standard library
	deps types.Importer // the module's dependencies, such as goleak

	mu   sync.Mutex
	pkgs map[string]*types.Package
}

func newLoader() *loader {
	fset := token.NewFileSet()
	return &loader{
		fset: fset,
		std:  importer.ForCompiler(fset, "gc", nil),
		deps: importer.ForCompiler(fset, "gc", exportData),
		pkgs: map[string]*types.Package{},
	}
}

// Import implements types.Importer.
func (l *loader) Import(path string) (*types.Package, error) {
	if path != module && !strings.HasPrefix(path, module+"/") {
		if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
			return l.deps.Import(path)
		}
		return l.std.Import(path)
	}
	l.mu.Lock()
	p, ok := l.pkgs[path]
	l.mu.Unlock()
	if ok {
		return p, nil
	}
	dir := filepath.Join(root, strings.TrimPrefix(strings.TrimPrefix(path, module), "/"))
	files, err := l.parseDir(dir, func(name string) bool { return !strings.HasSuffix(name, "_test.go") })
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

// exportData opens the compiler's export data for a dependency of the
// module, as go list -export finds (and if need be builds) it.
func exportData(path string) (io.ReadCloser, error) {
	cmd := exec.Command("go", "list", "-export", "-f", "{{.Export}}", path)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export %s: %v", path, err)
	}
	return os.Open(strings.TrimSpace(string(out)))
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
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && keep(e.Name()) {
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
