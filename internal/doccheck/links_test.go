package doccheck

import (
	"net/url"
	"os"
	"path"
	"path/filepath"
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

// TestLinksResolve: every relative link in README.md and docs/*.md names a
// file or directory of the repository, and every #anchor a heading of the
// Markdown file it points into.
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
