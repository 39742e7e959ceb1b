package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// guides returns the Markdown files whose links and code the tests check:
// README.md and docs/*.md, relative to root.
func guides(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, d := range docs {
		rel, _ := filepath.Rel(root, d)
		files = append(files, filepath.ToSlash(rel))
	}
	sort.Strings(files[1:])
	return files
}

// A block is a fenced code block of a Markdown file.
type block struct {
	lang string
	line int    // the line of the first line of code, 1-based
	code string // the lines between the fences
	skip string // the reason given by a <!-- doccheck: skip ... --> just before it
}

// A document is a Markdown file split into prose and code.
type document struct {
	path     string   // relative to root, with slashes
	prose    []string // lines outside fences; lines inside are ""
	blocks   []block
	preludes []string // the bodies of <!-- doccheck prelude ... --> comments
}

func readDocument(t *testing.T, path string) *document {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	d := &document{path: path}
	lines := strings.Split(string(data), "\n")
	var fence string // the fence of the open code block, if any
	var cur *block
	var skip string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			d.prose = append(d.prose, "")
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				fence = ""
				d.blocks = append(d.blocks, *cur)
				cur = nil
				continue
			}
			cur.code += line + "\n"
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			n := len(trimmed) - len(strings.TrimLeft(trimmed, trimmed[:1]))
			fence = trimmed[:n]
			cur = &block{lang: strings.TrimSpace(trimmed[n:]), line: i + 2, skip: skip}
			skip = ""
			d.prose = append(d.prose, "")
			continue
		}
		if rest, ok := strings.CutPrefix(trimmed, "<!-- doccheck prelude"); ok {
			var body []string
			body = append(body, "//line "+path+":"+strconv.Itoa(i+2))
			if rest = strings.TrimSpace(rest); rest != "" && rest != "-->" {
				body = append(body, rest)
			}
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "-->"); i++ {
				body = append(body, lines[i])
				d.prose = append(d.prose, "")
			}
			d.prose = append(d.prose, "", "")
			d.preludes = append(d.preludes, strings.Join(body, "\n")+"\n")
			continue
		}
		if rest, ok := strings.CutPrefix(trimmed, "<!-- doccheck: skip"); ok {
			skip = strings.TrimSpace(strings.TrimSuffix(rest, "-->"))
			if skip == "" {
				skip = "skipped"
			}
		} else if trimmed != "" {
			skip = ""
		}
		d.prose = append(d.prose, line)
	}
	if fence != "" {
		t.Errorf("%s:%d: code block never closed", path, cur.line-1)
	}
	return d
}

var (
	atxHeading  = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	inlineLink  = regexp.MustCompile(`!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	refLinkDef  = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
	htmlComment = regexp.MustCompile(`<!--.*?-->`)
)

// anchors returns the anchors GitHub makes for the document's headings:
// the heading's text, without its Markdown, lower-cased, with every
// character that is not a letter, digit, space, hyphen or underscore
// removed, and spaces turned into hyphens; a repeated anchor gets -1, -2,
// and so on.
func (d *document) anchors() map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, line := range d.prose {
		m := atxHeading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		text := inlineLink.ReplaceAllString(m[2], "$1")
		text = strings.NewReplacer("`", "", "*", "", "~~", "").Replace(text)
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out[a+"-"+strconv.Itoa(n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// A link is a link target found in a document's prose.
type link struct {
	text   string
	target string
	line   int
}

func (d *document) links() []link {
	var out []link
	for i, line := range d.prose {
		line = htmlComment.ReplaceAllString(line, "")
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			out = append(out, link{text: m[1], target: m[2], line: i + 1})
		}
		if m := refLinkDef.FindStringSubmatch(line); m != nil {
			out = append(out, link{target: m[1], line: i + 1})
		}
	}
	return out
}
