package scopedotel

import (
	"context"
	"errors"
	"testing"
	"unsafe"

	"github.com/scoped-go/scoped/nursery"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The key under which package trace keeps a span is found, so that a
// task's context is the task itself.
func TestSpanKeyFound(t *testing.T) {
	if spanKey == nil {
		t.Fatal("the span key of package trace was not found: every task's context costs an allocation")
	}
}

type ctxKey struct{}

// A task's context carries the task's span and is derived from the context
// nursery gives the task: its values, its cancellation and cause. So it
// is when the context is the task itself, and when it is made with
// trace.ContextWithSpan, as it is if the span key is not found.
func TestTaskContext(t *testing.T) {
	for _, found := range []bool{true, false} {
		if !found {
			saved := spanKey
			spanKey = nil
			defer func() { spanKey = saved }()
		}
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		remove := nursery.AddInstrument(New(WithTracerProvider(tp)))
		cause := errors.New("stop")
		var (
			inTask              trace.SpanContext
			value               any
			isTask, done        bool
			gotCause, gotCause2 error
		)
		parent := context.WithValue(context.Background(), ctxKey{}, "v")
		_ = nursery.Run(parent, func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error {
				_, isTask = ctx.(*task)
				inTask = trace.SpanContextFromContext(ctx)
				value = ctx.Value(ctxKey{})
				n.Cancel(cause)
				<-ctx.Done()
				done = true
				gotCause = context.Cause(ctx)
				c, cancel := context.WithCancel(ctx) // a child sees the cause too
				defer cancel()
				gotCause2 = context.Cause(c)
				return nil
			})
			return nil
		})
		remove()
		var want trace.SpanContext
		for _, s := range rec.Ended() {
			if s.Name() == "go" {
				want = s.SpanContext()
			}
		}
		if !want.IsValid() || !inTask.Equal(want) {
			t.Errorf("found=%v: the task's context carries span %v, want the task's %v", found, inTask.SpanID(), want.SpanID())
		}
		if isTask != found {
			t.Errorf("found=%v: the task's context is the task: %v", found, isTask)
		}
		if value != "v" || !done || gotCause != cause || gotCause2 != cause {
			t.Errorf("found=%v: value %v, done %v, cause %v, child's cause %v; want v, true, %v, %v", found, value, done, gotCause, gotCause2, cause, cause)
		}
		_ = tp.Shutdown(context.Background())
	}
}

// knownKind finds each of knownKinds at its index.
func TestKnownKinds(t *testing.T) {
	for i, k := range knownKinds {
		if got := knownKind(k); got != i {
			t.Errorf("knownKind(%q) = %d, want %d", k, got, i)
		}
	}
	if got := knownKind("other"); got != -1 {
		t.Errorf("knownKind(%q) = %d, want -1", "other", got)
	}
}

// A task's value is small: it is allocated for every task.
func TestTaskSize(t *testing.T) {
	if size := unsafe.Sizeof(task{}); size > 80 {
		t.Errorf("a task takes %d bytes, want at most 80", size)
	}
}
