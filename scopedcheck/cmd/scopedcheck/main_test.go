package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// leak is a module with one finding (barego's send leak) and its fix.
const leak = `package leak

import "context"

func Get(ctx context.Context) int {
	ch := make(chan int)
	go func() { ch <- 1 }()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}
`

// setup builds the command and writes the leak module; it returns both
// paths.
func setup(t *testing.T) (bin, dir string) {
	t.Helper()
	tmp := t.TempDir()
	bin = filepath.Join(tmp, "scopedcheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir = filepath.Join(tmp, "leak")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.mod"), "module example.com/leak\n\ngo 1.26\n")
	write(t, filepath.Join(dir, "leak.go"), leak)
	return bin, dir
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

const want = "goroutine sends on unbuffered channel ch (made at line 6)"

func TestCommand(t *testing.T) {
	bin, dir := setup(t)

	// The command alone reports and fails.
	out, err := run(t, dir, bin, "./...")
	if err == nil || !strings.Contains(out, "leak.go:7:2: "+want) {
		t.Errorf("scopedcheck ./... = %v\n%s\nwant a failure with %q", err, out, want)
	}

	// As go vet's tool.
	out, err = run(t, dir, "go", "vet", "-vettool="+bin, "./...")
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("go vet -vettool = %v\n%s\nwant a failure with %q", err, out, want)
	}

	// -json: the finding under its package and analyzer.
	out, err = run(t, dir, bin, "-json", "./...")
	if err != nil {
		t.Fatalf("scopedcheck -json = %v\n%s", err, out)
	}
	var res map[string]map[string][]struct{ Posn, Message string }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("-json output does not parse: %v\n%s", err, out)
	}
	if ds := res["example.com/leak"]["barego"]; len(ds) != 1 || !strings.HasPrefix(ds[0].Message, want) {
		t.Errorf("-json barego findings = %+v want one, %q", ds, want)
	}

	// -fix gives the channel a buffer, and then all is quiet.
	if out, err := run(t, dir, bin, "-fix", "./..."); err != nil {
		t.Errorf("scopedcheck -fix = %v\n%s", err, out)
	}
	src, err := os.ReadFile(filepath.Join(dir, "leak.go"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(src); got != strings.Replace(leak, "make(chan int)", "make(chan int, 1)", 1) {
		t.Errorf("after -fix, leak.go =\n%s", got)
	}
	if out, err := run(t, dir, bin, "./..."); err != nil || out != "" {
		t.Errorf("scopedcheck ./... after -fix = %v\n%s\nwant no finding", err, out)
	}
}
