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
		{
			name: "Spawn after a limited Run returned",
			call: func() { nursery.Spawn(escaped(nursery.Limit(1)), func(context.Context) (int, error) { return 0, nil }) },
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
// never runs, whether the nursery is limited or not (a limited nursery
// counts its Go, TryGo and Spawn tasks in its limiter, apart from the
// others, and Run seals that count), observed or not, and no instrument
// hears of it.
func TestGoAfterRunReturnedDoesNotRun(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			observed bool
			opts     []nursery.Option
		}{
			{name: "unlimited"},
			{name: "unlimited observed", observed: true},
			{name: "Limit(1)", opts: []nursery.Option{nursery.Limit(1)}},
			{name: "Limit(1) observed", observed: true, opts: []nursery.Option{nursery.Limit(1)}},
			{name: "Limit(1) Queue(2) observed", observed: true, opts: []nursery.Option{nursery.Limit(1), nursery.Queue(2)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var r *recorder
				if tc.observed {
					r = newRecorder(t)
				}
				var kept *nursery.Nursery
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					kept = n //scoped:allow nurseryescape: the test checks misuse after Run returned
					return nil
				}, tc.opts...)
				var before []string
				if r != nil {
					before = r.all()
				}
				ran := make(chan string, 3)
				for what, start := range map[string]func(){
					"Go":    func() { kept.Go(func(context.Context) error { ran <- "Go"; return nil }) },
					"TryGo": func() { kept.TryGo(func(context.Context) error { ran <- "TryGo"; return nil }) },
					"Spawn": func() {
						nursery.Spawn(kept, func(context.Context) (int, error) { ran <- "Spawn"; return 0, nil })
					},
				} {
					wantPanic(t, what+" after Run returned", "after Run returned", start)
				}
				select {
				case what := <-ran:
					t.Errorf("a task started by %s after Run returned ran, want it refused", what)
				default:
				}
				if r != nil {
					if after := r.all(); len(after) != len(before) {
						t.Errorf("instrument events after Run returned: %q, want none", after[len(before):])
					}
				}
			})
		}
	})
}
