package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pending are guides that other work in progress adds. The guides may link
// to them before they land; once they exist, their links and anchors are
// checked like any others.
var pending = map[string]bool{
	"docs/performance.md": true,
	"docs/reliability.md": true,
}

// testName matches the text of a link that names a test, a benchmark or an
// example: such a link must point to the _test.go file that declares it.
var testName = regexp.MustCompile("^`?((?:Test|Benchmark|Example)[A-Za-z0-9_]*)`?$")

// declares reports whether the Go file at path (relative to root) declares
// a top-level func named name.
func declares(t *testing.T, path, name string) bool {
	t.Helper()
	if !strings.HasSuffix(path, "_test.go") {
		return false
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, path), nil, parser.SkipObjectResolution)
	if err != nil {
		t.Errorf("parsing %s: %v", path, err)
		return false
	}
	for _, decl := range f.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
			return true
		}
	}
	return false
}

// TestLinksResolve: every relative link in README.md and docs/*.md names a
// file or directory of the repository, every #anchor a heading of the
// Markdown file it points into, and every link named for a test (TestX,
// BenchmarkX, ExampleX) a _test.go file that declares it.
func TestLinksResolve(t *testing.T) {
	docs := map[string]*document{}
	load := func(p string) *document {
		if d, ok := docs[p]; ok {
			return d
		}
		d := readDocument(t, p)
		docs[p] = d
		return d
	}
	for _, p := range guides(t) {
		d := load(p)
		for _, l := range d.links() {
			u, err := url.Parse(l.target)
			if err != nil {
				t.Errorf("%s:%d: link %q: %v", p, l.line, l.target, err)
				continue
			}
			if u.Scheme != "" || u.Host != "" || l.target == "" {
				continue // an absolute URL: not ours to check
			}
			target := p
			if u.Path != "" {
				target = path.Clean(path.Join(path.Dir(p), u.Path))
				if target == ".." || strings.HasPrefix(target, "../") {
					t.Errorf("%s:%d: link %q leaves the repository", p, l.line, l.target)
					continue
				}
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(target))); err != nil {
					if pending[target] {
						t.Logf("%s:%d: link %q: %s is not written yet", p, l.line, l.target, target)
						continue
					}
					t.Errorf("%s:%d: link %q: no file %s in the repository", p, l.line, l.target, target)
					continue
				}
			}
			if m := testName.FindStringSubmatch(l.text); m != nil {
				if !declares(t, target, m[1]) {
					t.Errorf("%s:%d: link %q: %s declares no func %s", p, l.line, l.text, target, m[1])
				}
			}
			if u.Fragment == "" {
				continue
			}
			if !strings.HasSuffix(target, ".md") {
				t.Errorf("%s:%d: link %q: an anchor into a file that is not Markdown", p, l.line, l.target)
				continue
			}
			if !load(target).anchors()[u.Fragment] {
				t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", p, l.line, l.target, target, u.Fragment)
			}
		}
	}
}
