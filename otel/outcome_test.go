package scopedotel_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/scoped-go/scoped/nursery"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

var (
	errDisk   = errors.New("disk full")
	errCancel = errors.New("shutting down")
)

// panicky panics with "boom"; the tests look for its name in the stack.
func panicky(ctx context.Context) error { panic("boom") }

// events returns the names of s's events, in order.
func events(s sdktrace.ReadOnlySpan) []string {
	var es []string
	for _, ev := range s.Events() {
		es = append(es, ev.Name)
	}
	return es
}

// eventAttr returns the attribute key of the event of s named name.
func eventAttr(t *testing.T, s sdktrace.ReadOnlySpan, name, key string) string {
	t.Helper()
	for _, ev := range s.Events() {
		if ev.Name != name {
			continue
		}
		for _, kv := range ev.Attributes {
			if string(kv.Key) == key {
				return kv.Value.String()
			}
		}
		t.Errorf("span %q: event %s has no %s", s.Name(), name, key)
		return ""
	}
	t.Errorf("span %q has no event %s (events: %v)", s.Name(), name, events(s))
	return ""
}

// Each way a task ends sets its span's status, outcome and events, and
// Run's outcome those of the scope's span; the caller still gets the
// panic or the Goexit.
func TestOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name string
		// task is the task "t"; the body starts it, and with it a task
		// that fails with errDisk if fails.
		task  func(ctx context.Context) error
		fails bool

		wantStatus  codes.Code
		wantDesc    string // a prefix of the status description
		wantOutcome string
		wantEvents  []string
		wantMessage string // the exception event's message

		wantRun          outcome // how Run ended
		wantScopeOutcome string
	}{
		{
			name:             "ok",
			task:             func(ctx context.Context) error { return nil },
			wantStatus:       codes.Unset,
			wantOutcome:      "ok",
			wantScopeOutcome: "ok",
		},
		{
			name:             "error",
			task:             func(ctx context.Context) error { return errDisk },
			wantStatus:       codes.Error,
			wantDesc:         "disk full",
			wantOutcome:      "error",
			wantEvents:       []string{"exception"},
			wantMessage:      "disk full",
			wantScopeOutcome: "error",
		},
		{
			name:             "echo",
			task:             func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) },
			fails:            true,
			wantStatus:       codes.Unset,
			wantOutcome:      "echo",
			wantScopeOutcome: "error",
		},
		{
			name:             "canceled from a context of its own",
			task:             func(ctx context.Context) error { return context.Canceled },
			wantStatus:       codes.Error,
			wantDesc:         "context canceled",
			wantOutcome:      "error",
			wantEvents:       []string{"exception"},
			wantMessage:      "context canceled",
			wantScopeOutcome: "error",
		},
		{
			name:             "panic",
			task:             panicky,
			wantStatus:       codes.Error,
			wantDesc:         "nursery: task panicked: boom",
			wantOutcome:      "panic",
			wantEvents:       []string{"exception"},
			wantMessage:      "boom",
			wantRun:          outcome{panicked: true},
			wantScopeOutcome: "panic",
		},
		{
			name:             "goexit",
			task:             func(ctx context.Context) error { runtime.Goexit(); return nil },
			wantStatus:       codes.Error,
			wantDesc:         nursery.ErrGoexit.Error(),
			wantOutcome:      "goexit",
			wantEvents:       []string{"exception"},
			wantMessage:      nursery.ErrGoexit.Error(),
			wantRun:          outcome{goexit: true},
			wantScopeOutcome: "goexit",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			got := catch(func() {
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(nursery.Named("t", tc.task))
					if tc.fails {
						n.Go(nursery.Named("failing", func(ctx context.Context) error { return errDisk }))
					}
					return nil
				})
			})
			if got.panicked != tc.wantRun.panicked || got.goexit != tc.wantRun.goexit {
				t.Errorf("Run: %+v, want %+v", got, tc.wantRun)
			}
			if got.panicked {
				pe, ok := got.value.(*nursery.PanicError)
				if !ok || pe.Value != "boom" {
					t.Errorf("Run panicked with %v, want a *nursery.PanicError of boom", got.value)
				}
			}
			spans := e.spans(t)
			s := span(t, spans, "t")
			if s.Status().Code != tc.wantStatus || !strings.HasPrefix(s.Status().Description, tc.wantDesc) {
				t.Errorf("status %v %q, want %v %q…", s.Status().Code, s.Status().Description, tc.wantStatus, tc.wantDesc)
			}
			if tc.wantStatus == codes.Error && strings.Contains(s.Status().Description, "\n") {
				t.Errorf("status description %q spans several lines, want one", s.Status().Description)
			}
			wantAttr(t, s, "scoped.task.outcome", tc.wantOutcome)
			if got := events(s); !equal(got, tc.wantEvents) {
				t.Errorf("events %v, want %v", got, tc.wantEvents)
			}
			if tc.wantMessage != "" {
				if got := eventAttr(t, s, "exception", "exception.message"); got != tc.wantMessage {
					t.Errorf("exception.message = %q, want %q", got, tc.wantMessage)
				}
			}
			if tc.wantOutcome == "panic" {
				stack := eventAttr(t, s, "exception", "exception.stacktrace")
				if !strings.Contains(stack, "otel_test.panicky") {
					t.Errorf("exception.stacktrace does not show panicky:\n%s", stack)
				}
			}
			scope := span(t, spans, "nursery")
			wantAttr(t, scope, "scoped.scope.outcome", tc.wantScopeOutcome)
			wantScopeCode := codes.Error
			if tc.wantScopeOutcome == "ok" {
				wantScopeCode = codes.Unset
			}
			if got := scope.Status().Code; got != wantScopeCode {
				t.Errorf("scope status %v, want %v", got, wantScopeCode)
			}
			if tc.wantOutcome == "panic" && len(scope.Events()) != 1 {
				// The cancellation; the stack is on the task's span only.
				t.Errorf("scope events %v, want the cancellation alone", events(scope))
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A scope's cancellation is an event on its span, with the cause; a panic
// in the body itself is an exception event on the scope's span, after it.
func TestScopeEvents(t *testing.T) {
	for _, tc := range []struct {
		name       string
		run        func() // opens the nursery
		wantEvents []string
		wantCause  string
		wantStatus string // a prefix of the status description
	}{
		{
			name: "task failure",
			run: func() {
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(func(ctx context.Context) error { return errDisk })
					return nil
				})
			},
			wantEvents: []string{"scoped.scope.canceled"},
			wantCause:  "disk full",
			wantStatus: "disk full",
		},
		{
			name: "Cancel",
			run: func() {
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Cancel(errCancel)
					return nil
				})
			},
			wantEvents: []string{"scoped.scope.canceled"},
			wantCause:  "shutting down",
		},
		{
			name: "parent",
			run: func() {
				ctx, cancel := context.WithCancelCause(context.Background())
				_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
					cancel(errCancel)
					return nil
				})
			},
			wantEvents: []string{"scoped.scope.canceled"},
			wantCause:  "shutting down",
			wantStatus: "shutting down",
		},
		{
			name: "task panic",
			run: func() {
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(panicky)
					return nil
				})
			},
			wantEvents: []string{"scoped.scope.canceled"},
			wantCause:  "nursery: task panicked: boom",
			wantStatus: "nursery: task panicked: boom",
		},
		{
			name: "body panic after Cancel",
			run: func() {
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Cancel(errCancel)
					panic("boom")
				})
			},
			wantEvents: []string{"scoped.scope.canceled", "exception"},
			wantCause:  "shutting down",
			wantStatus: "nursery: task panicked: boom",
		},
		{
			name: "none",
			run: func() {
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error { return nil })
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			catch(tc.run)
			s := span(t, e.spans(t), "nursery")
			if got := events(s); !equal(got, tc.wantEvents) {
				t.Fatalf("events %v, want %v", got, tc.wantEvents)
			}
			if tc.wantCause != "" {
				if got := eventAttr(t, s, "scoped.scope.canceled", "scoped.cause"); got != tc.wantCause {
					t.Errorf("scoped.cause = %q, want %q", got, tc.wantCause)
				}
			}
			if slicesContains(tc.wantEvents, "exception") {
				if got := eventAttr(t, s, "exception", "exception.stacktrace"); !strings.Contains(got, "TestScopeEvents") {
					t.Errorf("exception.stacktrace does not show the body:\n%s", got)
				}
			}
			if got := s.Status().Description; !strings.HasPrefix(got, tc.wantStatus) || (tc.wantStatus == "") != (got == "") {
				t.Errorf("status description %q, want %q…", got, tc.wantStatus)
			}
		})
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A task that waits behind the limit has events for its wait and its
// start. Tasks dropped behind a canceled limit end their spans with the
// outcome dropped, and the scope's span counts them.
func TestLimitEvents(t *testing.T) {
	e := setup(t)
	synctest.Test(t, func(t *testing.T) {
		ran := 0
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			release := make(chan struct{})
			n.Go(nursery.Named("first", func(ctx context.Context) error { <-release; return nil }))
			// Go may queue the task or block until there is room: in a
			// goroutine of its own either way.
			go n.Go(nursery.Named("second", func(ctx context.Context) error { <-ctx.Done(); return nil }))
			synctest.Wait() // second waits behind first
			close(release)
			synctest.Wait() // second runs
			for range 3 {
				go n.Go(nursery.Named("dropped", func(ctx context.Context) error { ran++; return nil }))
			}
			synctest.Wait()
			n.Cancel(errCancel)
			return nil
		}, nursery.Limit(1))
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if ran != 0 {
			t.Errorf("%d dropped tasks ran, want none", ran)
		}
	})
	spans := e.spans(t)
	if got, want := names(spans), []string{"dropped", "dropped", "dropped", "first", "nursery", "second"}; !equal(got, want) {
		t.Errorf("spans %v, want %v", got, want)
	}
	scope := span(t, spans, "nursery")
	wantAttr(t, scope, "scoped.scope.dropped", int64(3))
	if got, want := events(span(t, spans, "first")), []string(nil); !equal(got, want) {
		t.Errorf("first: events %v, want %v", got, want)
	}
	if got, want := events(span(t, spans, "second")), []string{"scoped.task.waiting", "scoped.task.started"}; !equal(got, want) {
		t.Errorf("second: events %v, want %v", got, want)
	}
	for _, s := range spans {
		if s.Name() != "dropped" {
			continue
		}
		wantParent(t, s, scope)
		wantAttr(t, s, "scoped.task.outcome", "dropped")
		if got, want := events(s), []string{"scoped.task.waiting"}; !equal(got, want) {
			t.Errorf("dropped: events %v, want %v", got, want)
		}
		if s.Status().Code != codes.Unset {
			t.Errorf("dropped: status %v, want Unset", s.Status())
		}
	}
}

// A scope that dropped nothing has no dropped attribute.
func TestNoDroppedAttribute(t *testing.T) {
	e := setup(t)
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(func(ctx context.Context) error { return nil })
		return nil
	}, nursery.Limit(1))
	noAttr(t, span(t, e.spans(t), "nursery"), "scoped.scope.dropped")
}
