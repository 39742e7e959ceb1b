package tracecheck

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime/trace"
	"slices"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
	"go.uber.org/goleak"
	xtrace "golang.org/x/exp/trace"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRuntimeTraceNames records a trace of nested scopes with
// inspect.RuntimeTrace added, reads it back, and checks that every scope
// is a trace task (a child of its parent's), every task a region of its
// scope's trace task, by name, and the cancellation a log on the task.
func TestRuntimeTraceNames(t *testing.T) {
	defer nursery.AddInstrument(inspect.RuntimeTrace())()
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skipf("a trace is already being recorded: %v", err) // go test -trace
	}
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("fetch", func(ctx context.Context) error {
			return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(nursery.Named("parse", func(context.Context) error { return nil }))
				return nil
			}, nursery.Name("page"))
		}))
		n.Go(func(context.Context) error { return nil }) // unnamed: its region is named after its kind
		return nil
	}, nursery.Name("crawl"))
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Cancel(errors.New("enough"))
		return nil
	}) // unnamed: "nursery"
	trace.Stop()

	r, err := xtrace.NewReader(&buf)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	tasks := map[xtrace.TaskID]xtrace.Task{}
	byName := map[string]xtrace.TaskID{}
	var regions, logs []string
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("ReadEvent: %v", err)
		}
		switch ev.Kind() {
		case xtrace.EventTaskBegin:
			tk := ev.Task()
			tasks[tk.ID] = tk
			byName[tk.Type] = tk.ID
		case xtrace.EventRegionBegin:
			rg := ev.Region()
			regions = append(regions, tasks[rg.Task].Type+"/"+rg.Type)
		case xtrace.EventLog:
			lg := ev.Log()
			logs = append(logs, tasks[lg.Task].Type+"/"+lg.Category+"="+lg.Message)
		}
	}
	for _, name := range []string{"crawl", "page", "nursery"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("no trace task %q; tasks: %v", name, byName)
		}
	}
	if p := tasks[byName["page"]].Parent; p != byName["crawl"] {
		t.Errorf("trace task page has parent %v, want crawl's %v", p, byName["crawl"])
	}
	slices.Sort(regions)
	want := []string{"crawl/body", "crawl/fetch", "crawl/go", "nursery/body", "page/body", "page/parse"}
	if !slices.Equal(regions, want) {
		t.Errorf("regions = %q, want %q", regions, want)
	}
	if !slices.Contains(logs, "nursery/nursery.canceled=enough") {
		t.Errorf("logs = %q, want the cancellation of the unnamed scope", logs)
	}
}
