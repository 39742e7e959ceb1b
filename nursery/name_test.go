package nursery_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// Name: the scope's name labels its tasks' goroutines and its PanicErrors,
// and changes no error.

// labeledTask blocks until its context is done, so that a goroutine
// profile taken meanwhile shows it.
func labeledTask(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// goroutineRecord returns the record of the goroutine profile, at debug=1,
// whose stack shows fn, or "" if none does.
func goroutineRecord(t *testing.T, fn string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatalf("WriteTo() = %v, want nil", err)
	}
	// Records are separated by blank lines: "N @ pcs", "# labels: {...}",
	// then one "#\t0x... func+0x..." line per frame.
	for rec := range strings.SplitSeq(buf.String(), "\n\n") {
		if strings.Contains(rec, fn+"+") {
			return rec
		}
	}
	return ""
}

func TestNameLabelsTaskGoroutines(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []nursery.Option
		wantLabel string // "" for none
	}{
		{name: "named", opts: []nursery.Option{nursery.Name("crawler")}, wantLabel: `# labels: {"scope":"crawler"}`},
		{name: "named with Limit", opts: []nursery.Option{nursery.Name("crawler"), nursery.Limit(2)}, wantLabel: `# labels: {"scope":"crawler"}`},
		{name: "unnamed"},
		{name: "empty name", opts: []nursery.Option{nursery.Name("")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec string
			err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				started := make(chan struct{})
				n.Go(func(ctx context.Context) error {
					close(started)
					return labeledTask(ctx)
				})
				<-started
				rec = goroutineRecord(t, "nursery_test.labeledTask")
				n.Cancel(nil)
				return nil
			}, tc.opts...)
			if err != nil {
				t.Errorf("Run() = %v, want nil", err)
			}
			switch {
			case rec == "":
				t.Errorf("the goroutine profile shows no task goroutine")
			case tc.wantLabel != "" && !strings.Contains(rec, tc.wantLabel):
				t.Errorf("the task's goroutine record is\n%s\nwant the label %s", rec, tc.wantLabel)
			case tc.wantLabel == "" && strings.Contains(rec, `"scope"`):
				t.Errorf("the task's goroutine record is\n%s\nwant no scope label", rec)
			}
		})
	}
}

func TestNameInPanicError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := capture(func() {
			_ = nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(panickingTask)
				return nil
			}, nursery.Name("crawler"))
		})
		pe := asPanicError(t, o)
		if msg := pe.Error(); !strings.Contains(msg, `"crawler"`) || !strings.Contains(msg, "task boom") {
			t.Errorf("PanicError.Error() = %q, want the scope name %q and the value", msg, "crawler")
		}
	})
}

// The name never wraps the errors Run returns.
func TestNameKeepsErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(context.Context) error { return errA })
			return nil
		}, nursery.Name("crawler"))
		checkErrors(t, err, errA)
	})
}

func TestNamedLabels(t *testing.T) {
	for _, tracked := range []bool{false, true} {
		t.Run(fmt.Sprintf("tracked=%v", tracked), func(t *testing.T) {
			if tracked {
				defer inspect.Track()()
			}
			ready := make(chan struct{})
			var buf bytes.Buffer
			err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(nursery.Named("indexer", func(ctx context.Context) error {
					close(ready)
					<-ctx.Done()
					return nil
				}))
				<-ready
				err := pprof.Lookup("goroutine").WriteTo(&buf, 1)
				n.Cancel(nil)
				return err
			}, nursery.Name("search"))
			if err != nil {
				t.Fatalf("Run() = %v", err)
			}
			if want := `# labels: {"scope":"search", "task":"indexer"}`; !strings.Contains(buf.String(), want) {
				t.Errorf("goroutine profile lacks %s", want)
			}
		})
	}
}

func TestNamedKeepsResult(t *testing.T) {
	boom := errors.New("boom")
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("failer", func(ctx context.Context) error { return boom }))
		return nil
	})
	if err != boom {
		t.Errorf("Run() = %v, want %v", err, boom)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "nursery: Named called with a nil task") {
			t.Errorf("Named(nil) panicked with %v, want a nursery: message", r)
		}
	}()
	nursery.Named("x", nil)
}
