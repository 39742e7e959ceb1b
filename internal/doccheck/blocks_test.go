package doccheck

import (
	"go/ast"
	"go/parser"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// imports maps the package names the guides' code blocks use to their
// import paths, so that a block can show the code that matters and leave
// its import list out.
var imports = map[string]string{
	"atomic":    "sync/atomic",
	"bufio":     "bufio",
	"bytes":     "bytes",
	"cancel":    module + "/cancel",
	"context":   "context",
	"errgroup":  "golang.org/x/sync/errgroup",
	"errors":    "errors",
	"fmt":       "fmt",
	"goleak":    "go.uber.org/goleak",
	"http":      "net/http",
	"httptest":  "net/http/httptest",
	"io":        "io",
	"iter":      "iter",
	"json":      "encoding/json",
	"log":       "log",
	"maps":      "maps",
	"net":       "net",
	"nursery":   module + "/nursery",
	"inspect":   module + "/nursery/inspect",
	"os":        "os",
	"rand":      "math/rand/v2",
	"runtime":   "runtime",
	"signal":    "os/signal",
	"slices":    "slices",
	"slog":      "log/slog",
	"sort":      "sort",
	"strconv":   "strconv",
	"strings":   "strings",
	"sync":      "sync",
	"synctest":  "testing/synctest",
	"syscall":   "syscall",
	"taskgroup": module + "/taskgroup",
	"testing":   "testing",
	"time":      "time",
	"timeout":   module + "/timeout",
}

var qualifier = regexp.MustCompile(`\b([a-z][a-z0-9]*)\.[A-Z]`)

// tolerated are the type errors a fragment may have without being wrong:
// the imports the test adds that a block does not use, and the variables a
// fragment declares to show a result it then leaves alone.
var tolerated = []string{"not used", "missing return"}

// TestCodeBlocksTypeCheck: every ```go block of README.md and docs/*.md
// type-checks against this tree's API. A block that is a whole file
// (starting with package) is checked as it is. Any other block is checked
// as the body of a file of its own, with the imports its qualified names
// call for and the declarations of the document's <!-- doccheck prelude
// --> comments (stand-ins for the application code a recipe calls); if it
// is not a list of declarations, as a function body. A block preceded by
// <!-- doccheck: skip reason --> is not checked: code against a library
// this module does not depend on (conc, oklog/run, pond).
func TestCodeBlocksTypeCheck(t *testing.T) {
	l := newLoader()
	checked := 0
	for _, p := range guides(t) {
		d := readDocument(t, p)
		for i, b := range d.blocks {
			if b.lang != "go" {
				continue
			}
			if b.skip != "" {
				t.Logf("%s:%d: not checked: %s", p, b.line, b.skip)
				continue
			}
			checked++
			name := p + ":" + strconv.Itoa(b.line)
			src := assemble(d, b)
			// The file's own name has no directory: a relative //line name
			// is taken relative to it.
			f, err := parser.ParseFile(l.fset, "block.go", src, parser.ParseComments)
			if err != nil && !strings.HasPrefix(strings.TrimSpace(b.code), "package ") {
				// Not declarations: statements, checked as a function body.
				wrapped := block{code: "func _() error {\n" + b.code + "}\n", line: b.line - 1}
				f, err = parser.ParseFile(l.fset, "block.go", assemble(d, wrapped), parser.ParseComments)
			}
			if err != nil {
				t.Errorf("%s: code block does not parse: %v", name, err)
				continue
			}
			files := []*ast.File{f}
			for j, pre := range d.preludes {
				if strings.HasPrefix(strings.TrimSpace(b.code), "package ") {
					break
				}
				pf, err := parser.ParseFile(l.fset, "prelude"+strconv.Itoa(j)+".go", "package snippet\n"+importsFor(pre+b.code)+pre, 0)
				if err != nil {
					t.Fatalf("%s: prelude %d does not parse: %v", p, j, err)
				}
				files = append(files, pf)
			}
			if _, _, err := l.check("snippet"+strconv.Itoa(i), files); err != nil {
				var real []string
				for _, line := range strings.Split(err.Error(), "\n\t")[1:] {
					if !toleratedError(line) {
						real = append(real, line)
					}
				}
				if len(real) > 0 {
					t.Errorf("%s: code block does not type-check:\n\t%s", name, strings.Join(real, "\n\t"))
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no ```go block found: is the scanner broken?")
	}
}

func toleratedError(msg string) bool {
	for _, s := range tolerated {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// assemble returns the source of a file for block b of d: b's code as it
// is when it is a whole file, or else a package clause, the imports it
// needs and the code, with a //line directive so that errors point into
// the Markdown.
func assemble(d *document, b block) string {
	if strings.HasPrefix(strings.TrimSpace(b.code), "package ") {
		return "//line " + d.path + ":" + strconv.Itoa(b.line) + "\n" + b.code
	}
	return "package snippet\n" + importsFor(b.code) + "//line " + d.path + ":" + strconv.Itoa(b.line) + "\n" + b.code
}

// importsFor returns an import declaration for the known packages that code
// qualifies names with.
func importsFor(code string) string {
	seen := map[string]bool{}
	for _, m := range qualifier.FindAllStringSubmatch(code, -1) {
		if _, ok := imports[m[1]]; ok {
			seen[m[1]] = true
		}
	}
	if len(seen) == 0 {
		return ""
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("import (\n")
	for _, name := range names {
		b.WriteString("\t" + name + " " + strconv.Quote(imports[name]) + "\n")
	}
	b.WriteString(")\n")
	return b.String()
}
