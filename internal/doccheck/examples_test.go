package doccheck

import (
	"go/ast"
	"go/doc"
	"go/types"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// documented are the packages whose every exported identifier must have a
// doc comment and appear in a runnable Example of its package.
var documented = []string{
	module + "/cancel",
	module + "/timeout",
	module + "/nursery",
	module + "/nursery/inspect",
	module + "/taskgroup",
}

// lackingExamples lists the exported identifiers that no Example of their
// package shows yet, as "package/path.Name" or "package/path.Type.Method".
// The list may only shrink: the test fails for an identifier missing from
// it that has no Example, and also for one on it that has gained an Example
// or no longer exists, so that whoever adds the Example removes the entry.
// Each entry is for the package's owners to fix with an Example.
var lackingExamples = map[string]bool{}

// An ident is an exported identifier of a documented package.
type ident struct {
	key string // "Name" or "Type.Method"
	doc string // its doc comment
	pos string // file:line of its declaration, for the report
}

// exported lists the exported identifiers of the package in dir, with
// their doc comments, and the package's own doc comment.
func exported(t *testing.T, l *loader, path string) (pkgDoc string, ids []ident) {
	t.Helper()
	dir := filepath.Join(root, strings.TrimPrefix(path, module+"/"))
	files, err := l.parseDir(dir, func(name string) bool { return !strings.HasSuffix(name, "_test.go") })
	if err != nil {
		t.Fatal(err)
	}
	p, err := doc.NewFromFiles(l.fset, files, path)
	if err != nil {
		t.Fatal(err)
	}
	pos := func(n ast.Node) string {
		at := l.fset.Position(n.Pos())
		return filepath.Base(at.Filename) + ":" + strconv.Itoa(at.Line)
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, spec := range v.Decl.Specs {
				vspec := spec.(*ast.ValueSpec)
				d := v.Doc
				if vspec.Doc != nil {
					d = vspec.Doc.Text()
				}
				if vspec.Comment != nil && d == "" {
					d = vspec.Comment.Text()
				}
				for _, name := range vspec.Names {
					if name.IsExported() {
						ids = append(ids, ident{key: name.Name, doc: d, pos: pos(name)})
					}
				}
			}
		}
	}
	funcs := func(prefix string, fs []*doc.Func) {
		for _, f := range fs {
			ids = append(ids, ident{key: prefix + f.Name, doc: f.Doc, pos: pos(f.Decl)})
		}
	}
	values(p.Consts)
	values(p.Vars)
	funcs("", p.Funcs)
	for _, typ := range p.Types {
		ids = append(ids, ident{key: typ.Name, doc: typ.Doc, pos: pos(typ.Decl)})
		values(typ.Consts)
		values(typ.Vars)
		funcs("", typ.Funcs)
		funcs(typ.Name+".", typ.Methods)
	}
	return p.Doc, ids
}

// exampled returns the identifiers of the package path that its Examples
// show: those an Example is named for (ExampleName, ExampleType_Method,
// with or without a _suffix), and those an Example's body refers to.
func exampled(t *testing.T, l *loader, path string) map[string]bool {
	t.Helper()
	target := l.mustLoad(t, path)
	dir := filepath.Join(root, strings.TrimPrefix(path, module+"/"))
	files, err := l.parseDir(dir, func(name string) bool { return strings.HasSuffix(name, "_test.go") })
	if err != nil {
		t.Fatal(err)
	}
	// The Examples are in the external test package (package x_test), as
	// everywhere in this module; an internal test file has none to offer.
	var external []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f.Name.Name, "_test") {
			external = append(external, f)
		}
	}
	shown := map[string]bool{}
	if len(external) == 0 {
		return shown
	}
	_, info, err := l.check(path+"_test", external)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range external {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Example") {
				continue
			}
			if key := exampleFor(fn.Name.Name); key != "" {
				shown[key] = true
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				id, ok := n.(*ast.Ident)
				if !ok {
					return true
				}
				if key := keyOf(info.Uses[id], target); key != "" {
					shown[key] = true
				}
				return true
			})
		}
	}
	return shown
}

// keyOf returns the key of obj if it is an exported identifier of the
// package target: "Name" for a package-level name, "Type.Method" for a
// method, "" for anything else (fields included).
func keyOf(obj types.Object, target *types.Package) string {
	if obj == nil || obj.Pkg() != target || !obj.Exported() {
		return ""
	}
	switch obj := obj.(type) {
	case *types.Func:
		obj = obj.Origin()
		sig := obj.Type().(*types.Signature)
		if sig.Recv() == nil {
			return obj.Name()
		}
		recv := sig.Recv().Type()
		if ptr, ok := recv.(*types.Pointer); ok {
			recv = ptr.Elem()
		}
		if named, ok := recv.(*types.Named); ok {
			return named.Origin().Obj().Name() + "." + obj.Name()
		}
		return ""
	case *types.Var:
		if obj.IsField() {
			return ""
		}
	}
	if obj.Parent() != target.Scope() {
		return ""
	}
	return obj.Name()
}

// exampleFor returns the identifier an Example function is named for, as
// go doc associates them: ExampleF, ExampleT, ExampleT_M, each optionally
// followed by _suffix with a lower-case suffix. It returns "" for the
// package example (Example, Example_suffix).
func exampleFor(name string) string {
	parts := strings.Split(strings.TrimPrefix(name, "Example"), "_")
	if parts[0] == "" {
		return ""
	}
	if len(parts) > 1 && startsUpper(parts[1]) {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// TestEveryExportedNameIsDocumented: every documented package has a
// package comment, and each of its exported identifiers a doc comment.
func TestEveryExportedNameIsDocumented(t *testing.T) {
	l := newLoader()
	for _, path := range documented {
		pkgDoc, ids := exported(t, l, path)
		if strings.TrimSpace(pkgDoc) == "" {
			t.Errorf("package %s has no package doc comment", path)
		}
		for _, id := range ids {
			if strings.TrimSpace(id.doc) == "" {
				t.Errorf("%s.%s (%s) has no doc comment", path, id.key, id.pos)
			}
		}
	}
}

// TestEveryExportedNameHasAnExample: each exported identifier of a
// documented package is named by an Example of its package, or referred to
// in the body of one, unless lackingExamples lists it; and every entry of
// lackingExamples still names an identifier that lacks one.
func TestEveryExportedNameHasAnExample(t *testing.T) {
	l := newLoader()
	exists := map[string]bool{}
	var missing []string
	for _, path := range documented {
		_, ids := exported(t, l, path)
		shown := exampled(t, l, path)
		for _, id := range ids {
			full := path + "." + id.key
			exists[full] = true
			switch {
			case !shown[id.key] && !lackingExamples[full]:
				missing = append(missing, full+" ("+id.pos+")")
			case shown[id.key] && lackingExamples[full]:
				t.Errorf("%s now has an Example: remove it from lackingExamples", full)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d exported identifiers appear in no Example of their package "+
			"(add an Example that names or uses each; doccheck's lackingExamples "+
			"is for known gaps only, and may only shrink):\n\t%s",
			len(missing), strings.Join(missing, "\n\t"))
	}
	var stale []string
	for full := range lackingExamples {
		if !exists[full] {
			stale = append(stale, full)
		}
	}
	sort.Strings(stale)
	for _, full := range stale {
		t.Errorf("lackingExamples lists %s, which no longer exists: remove it", full)
	}
}
