package scopedotel_test

import (
	"context"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Nested scopes make a tree of spans: a scope's span is a child of the span
// in Run's context, a task's span a child of its scope's, and a scope
// opened in a task a child of the task's span. Every span carries its
// names, kind and call site.
func TestSpanTree(t *testing.T) {
	e := setup(t)
	ctx, root := e.tp.Tracer("test").Start(context.Background(), "request")
	var outerLine, fetchLine, innerLine, goLine, spawnLine, startLine, bgLine, tryLine int
	var outerFunc, innerFunc string
	outerLine = here() + 1
	err := nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		outerFunc = funcName()
		fetchLine = here() + 1
		n.Go(nursery.Named("fetch", func(ctx context.Context) error {
			innerFunc = funcName()
			innerLine = here() + 1
			return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				goLine = here() + 1
				n.Go(func(ctx context.Context) error { return nil })
				spawnLine = here() + 1
				_, err := nursery.Spawn(n, func(ctx context.Context) (int, error) { return 1, nil }).Await(ctx)
				return err
			})
		}))
		startLine = here() + 1
		if err := n.Start(func(ctx context.Context, ready func()) error { ready(); return nil }); err != nil {
			return err
		}
		bgLine = here() + 1
		n.Background(func(ctx context.Context) error { <-ctx.Done(); return nil })
		tryLine = here() + 1
		n.TryGo(nursery.Named("try", func(ctx context.Context) error { return nil }))
		return nil
	}, nursery.Name("outer"))
	root.End()
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}

	spans := e.spans(t)
	if got, want := len(spans), 9; got != want {
		t.Errorf("%d spans, want %d: %v", got, want, names(spans))
	}
	request := span(t, spans, "request")
	outer := span(t, spans, "outer")
	fetch := span(t, spans, "fetch")
	inner := span(t, spans, "nursery")
	wantParent(t, outer, request)
	wantParent(t, fetch, outer)
	wantParent(t, inner, fetch)
	wantParent(t, span(t, spans, "go"), inner)
	wantParent(t, span(t, spans, "spawn"), inner)
	wantParent(t, span(t, spans, "start"), outer)
	wantParent(t, span(t, spans, "background"), outer)
	wantParent(t, span(t, spans, "try"), outer)

	wantAttr(t, outer, "scoped.scope.name", "outer")
	wantAttr(t, outer, "scoped.scope.outcome", "ok")
	wantSite(t, outer, funcName(), outerLine)
	noAttr(t, inner, "scoped.scope.name")
	wantSite(t, inner, innerFunc, innerLine)

	for _, tc := range []struct {
		span, kind, name, scope, function string
		line                              int
	}{
		{"fetch", "go", "fetch", "outer", outerFunc, fetchLine},
		{"go", "go", "", "", innerFunc + ".1", goLine},
		{"spawn", "spawn", "", "", innerFunc + ".1", spawnLine},
		{"start", "start", "", "outer", outerFunc, startLine},
		{"background", "background", "", "outer", outerFunc, bgLine},
		{"try", "trygo", "try", "outer", outerFunc, tryLine},
	} {
		s := span(t, spans, tc.span)
		wantAttr(t, s, "scoped.task.kind", tc.kind)
		if tc.name != "" {
			wantAttr(t, s, "scoped.task.name", tc.name)
		} else {
			noAttr(t, s, "scoped.task.name")
		}
		if tc.scope != "" {
			wantAttr(t, s, "scoped.scope.name", tc.scope)
		} else {
			noAttr(t, s, "scoped.scope.name")
		}
		wantAttr(t, s, "scoped.task.outcome", "ok")
		wantSite(t, s, tc.function, tc.line)
		if s.Status().Code != codes.Unset {
			t.Errorf("span %q: status %v, want Unset", s.Name(), s.Status())
		}
	}
}

// The tasks of a taskgroup function report the call of that function as
// their site, as its scope does.
func TestTaskgroupSite(t *testing.T) {
	e := setup(t)
	line := here() + 1
	_, err := taskgroup.Map(context.Background(), []int{1, 2}, func(ctx context.Context, i int) (int, error) { return i, nil }, taskgroup.Limit(2)) // two tasks whatever GOMAXPROCS
	if err != nil {
		t.Fatal(err)
	}
	spans := e.spans(t)
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3 (a scope and two tasks): %v", len(spans), names(spans))
	}
	for _, s := range spans {
		wantSite(t, s, funcName(), line)
	}
}

// A taskgroup.Group is a scope from its first Go to its Wait: its span is a
// child of the span in WithContext's context, and its tasks' spans are
// children of it.
func TestGroupSpans(t *testing.T) {
	e := setup(t)
	ctx, root := e.tp.Tracer("test").Start(context.Background(), "request")
	g, _ := taskgroup.WithContext(ctx)
	g.Go(func() error { return nil })
	g.Go(func() error { return errDisk })
	if err := g.Wait(); err != errDisk {
		t.Errorf("Wait = %v, want %v", err, errDisk)
	}
	root.End()
	spans := e.spans(t)
	if len(spans) != 4 {
		t.Fatalf("%d spans, want 4 (request, the group, two tasks): %v", len(spans), names(spans))
	}
	request := span(t, spans, "request")
	var scope sdktrace.ReadOnlySpan
	for _, s := range spans {
		if _, ok := attr(s, "scoped.scope.outcome"); ok {
			scope = s
		}
	}
	if scope == nil {
		t.Fatalf("no scope span among %v", names(spans))
	}
	wantParent(t, scope, request)
	wantAttr(t, scope, "scoped.scope.outcome", "error")
	outcomes := map[string]int{}
	for _, s := range spans {
		if v, ok := attr(s, "scoped.task.outcome"); ok {
			wantParent(t, s, scope)
			outcomes[v.AsString()]++
		}
	}
	if outcomes["ok"] != 1 || outcomes["error"] != 1 || len(outcomes) != 2 {
		t.Errorf("task outcomes %v, want one ok and one error", outcomes)
	}
}
