package nursery_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// Guarantee 7: misuse is loud and early.

// wantPanic calls f and checks that it panics at once with a message that
// starts with "nursery:" and contains want.
func wantPanic(t *testing.T, call, want string, f func()) {
	t.Helper()
	o := capture(f)
	msg, _ := o.value.(string)
	if err, ok := o.value.(error); ok {
		msg = err.Error()
	}
	if !o.panicked || !strings.HasPrefix(msg, "nursery:") || !strings.Contains(msg, want) {
		t.Errorf("%s %v, want a panic starting %q and mentioning %q", call, o, "nursery:", want)
	}
}

func noop(context.Context) error { return nil }

func noBody(context.Context, *nursery.Nursery) error { return nil }

func TestMisusePanics(t *testing.T) {
	// escaped returns the nursery of a Run that has returned.
	escaped := func(opts ...nursery.Option) *nursery.Nursery {
		var kept *nursery.Nursery
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			kept = n //scoped:allow nurseryescape: the test checks misuse after Run returned
			return nil
		}, opts...)
		return kept
	}
	// panicked returns the nursery of a Run that has panicked.
	panicked := func() *nursery.Nursery {
		var kept *nursery.Nursery
		capture(func() {
			_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				kept = n //scoped:allow nurseryescape: the test checks misuse after Run panicked
				n.Go(panickingTask)
				return nil
			})
		})
		return kept
	}
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{
			name: "Run with a nil context",
			//lint:ignore SA1012 passing nil is the misuse under test
			call: func() { _ = nursery.Run(nil, noBody) },
			want: "nil context",
		},
		{name: "Run with a nil body", call: func() { _ = nursery.Run(context.Background(), nil) }, want: "nil body"},
		{name: "Run with a nil Option", call: func() { _ = nursery.Run(context.Background(), noBody, nil) }, want: "nil Option"},
		{
			name: "Run with a nil Option after a valid one",
			call: func() { _ = nursery.Run(context.Background(), noBody, nursery.Limit(1), nil) },
			want: "nil Option",
		},
		{name: "Limit(0)", call: func() { nursery.Limit(0) }, want: "Limit(0)"},
		{name: "Limit(-1)", call: func() { nursery.Limit(-1) }, want: "Limit(-1)"},
		{name: "Queue(-1)", call: func() { nursery.Queue(-1) }, want: "Queue(-1)"},
		{name: "Run with Queue and no Limit", call: func() { _ = nursery.Run(context.Background(), noBody, nursery.Queue(4)) }, want: "no Limit"},
		{name: "Run with Queue(0) and no Limit", call: func() { _ = nursery.Run(context.Background(), noBody, nursery.Queue(0)) }, want: "no Limit"},
		{name: "Grace(0)", call: func() { nursery.Grace(0) }, want: "Grace(0s)"},
		{name: "Grace(-1s)", call: func() { nursery.Grace(-time.Second) }, want: "Grace(-1s)"},
		{name: "Go after Run returned", call: func() { escaped().Go(noop) }, want: "after Run returned"},
		{name: "TryGo after Run returned", call: func() { escaped().TryGo(noop) }, want: "after Run returned"},
		{
			name: "Go after a limited Run returned",
			call: func() { escaped(nursery.Limit(1)).Go(noop) },
			want: "after Run returned",
		},
		{
			name: "TryGo after a limited Run returned",
			call: func() { escaped(nursery.Limit(1)).TryGo(noop) },
			want: "after Run returned",
		},
		{name: "Go after Run panicked", call: func() { panicked().Go(noop) }, want: "after Run returned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantPanic(t, tc.name, tc.want, tc.call)
		})
	}
}

// A nil task panics in the call that passed it, not later in a task's
// goroutine; the nursery is unharmed.
func TestNilTaskPanicsAtTheCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []nursery.Option
	}{
		{name: "unlimited"},
		{name: "Limit", opts: []nursery.Option{nursery.Limit(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				wantPanic(t, "Go(nil)", "nil task", func() { n.Go(nil) })
				wantPanic(t, "TryGo(nil)", "nil task", func() { n.TryGo(nil) })
				n.Go(noop)
				return nil
			}, tc.opts...)
			if err != nil {
				t.Errorf("Run() = %v, want nil", err)
			}
		})
	}
}

// A start that panicked after Run returned leaves nothing behind: the task
// never runs.
func TestGoAfterRunReturnedDoesNotRun(t *testing.T) {
	var kept *nursery.Nursery
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		kept = n //scoped:allow nurseryescape: the test checks misuse after Run returned
		return nil
	})
	ran := make(chan struct{}, 1)
	capture(func() {
		kept.Go(func(context.Context) error { ran <- struct{}{}; return nil })
	})
	select {
	case <-ran:
		t.Errorf("a task started after Run returned ran, want it refused")
	default:
	}
}
