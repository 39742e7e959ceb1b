package inspect_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// recordingHandler is a slog.Handler that keeps every record, at every
// level.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// logged is a record reduced to what the tests check.
type logged struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (h *recordingHandler) all() []logged {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logged
	for _, r := range h.records {
		l := logged{level: r.Level, msg: r.Message, attrs: map[string]string{}}
		r.Attrs(func(a slog.Attr) bool {
			l.attrs[a.Key] = a.Value.String()
			return true
		})
		out = append(out, l)
	}
	return out
}

func logPanicky(context.Context) error { panic("log boom") }

// TestLogger checks the records Logger writes: one for a failure, a panic
// (with its stack) and a Goexit, each with scope, task, kind, site and
// duration; a Debug record, not an Error, for an echo; none for a task
// that returned nil.
func TestLogger(t *testing.T) {
	for _, tt := range []struct {
		name  string
		task  func(context.Context) error
		level slog.Level
		msg   string
		extra map[string]string // attributes beyond the common ones; "" checks presence only
	}{
		{"failure", func(context.Context) error { time.Sleep(3 * time.Second); return errors.New("disk full") },
			slog.LevelError, "nursery: task failed", map[string]string{"err": "disk full"}},
		{"panic", func(ctx context.Context) error { time.Sleep(3 * time.Second); return logPanicky(ctx) },
			slog.LevelError, "nursery: task panicked", map[string]string{"panic": "log boom", "stack": "inspect_test.logPanicky"}},
		{"goexit", func(context.Context) error { time.Sleep(3 * time.Second); runtime.Goexit(); return nil },
			slog.LevelError, "nursery: task called runtime.Goexit", nil},
		{"echo", func(ctx context.Context) error { time.Sleep(3 * time.Second); return context.Canceled },
			slog.LevelDebug, "nursery: task ended with an echo of the cancellation", map[string]string{"err": "context canceled"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &recordingHandler{}
			defer nursery.AddInstrument(inspect.Logger(slog.New(h)))()
			synctest.Test(t, func(t *testing.T) {
				done := make(chan struct{})
				go func() {
					defer close(done)
					defer func() { _ = recover() }()
					_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
						if tt.name == "echo" {
							n.Cancel(nil)
						}
						n.Go(nursery.Named("worker", tt.task))
						return nil
					}, nursery.Name("jobs"))
				}()
				<-done
			})
			recs := h.all()
			if len(recs) != 1 {
				t.Fatalf("got %d records, want 1: %+v", len(recs), recs)
			}
			r := recs[0]
			if r.level != tt.level || r.msg != tt.msg {
				t.Errorf("record = %v %q, want %v %q", r.level, r.msg, tt.level, tt.msg)
			}
			want := map[string]string{"scope": "jobs", "task": "worker", "kind": "go", "duration": "3s"}
			for k, v := range tt.extra {
				want[k] = v
			}
			for k, v := range want {
				if got, ok := r.attrs[k]; !ok || !strings.Contains(got, v) {
					t.Errorf("attribute %s = %q, want %q", k, got, v)
				}
			}
			if !strings.HasPrefix(r.attrs["site"], "inspect/logger_test.go:") {
				t.Errorf("site = %q, want a line of logger_test.go", r.attrs["site"])
			}
		})
	}
}

// TestLoggerQuiet checks that tasks that return nil write nothing.
func TestLoggerQuiet(t *testing.T) {
	h := &recordingHandler{}
	defer nursery.AddInstrument(inspect.Logger(slog.New(h)))()
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(func(context.Context) error { return nil })
		return nil
	})
	if recs := h.all(); len(recs) != 0 {
		t.Errorf("got records %+v, want none", recs)
	}
}

// TestLoggerStall checks the record of a task still running
// nursery.DefaultGrace after its scope was canceled.
func TestLoggerStall(t *testing.T) {
	h := &recordingHandler{}
	defer nursery.AddInstrument(inspect.Logger(slog.New(h)))()
	synctest.Test(t, func(t *testing.T) {
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(nursery.Named("stubborn", func(context.Context) error {
				time.Sleep(nursery.DefaultGrace + time.Second) // ignores its context
				return nil
			}))
			n.Go(nursery.Named("polite", func(ctx context.Context) error { <-ctx.Done(); return nil }))
			n.Cancel(errors.New("shutdown"))
			return nil
		}, nursery.Name("svc"))
	})
	recs := h.all()
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1: %+v", len(recs), recs)
	}
	r := recs[0]
	if r.level != slog.LevelWarn || r.msg != "nursery: task ignores cancellation" ||
		r.attrs["task"] != "stubborn" || r.attrs["scope"] != "svc" || r.attrs["duration"] != nursery.DefaultGrace.String() {
		t.Errorf("record = %+v, want a Warn about the stubborn task of svc, %v after the cancellation", r, nursery.DefaultGrace)
	}
}

func TestLoggerNil(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "inspect: Logger") {
			t.Errorf("Logger(nil) panicked with %v, want an inspect: message", r)
		}
	}()
	inspect.Logger(nil)
}
