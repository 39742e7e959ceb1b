package nursery_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// recorder is an Instrument that records every event as a line of text,
// in the order the events happened, with the scope's or task's label:
// "scope:NAME" or "KIND/NAME".
type recorder struct {
	mu     sync.Mutex
	events []string
	sites  map[string]uintptr // task or scope label -> site
	ctxKey any                // if set, TaskStarted adds it to the task's context
}

type recScope struct{ label string }

type recTask struct {
	scope *recScope
	label string
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{sites: map[string]uintptr{}}
	t.Cleanup(nursery.AddInstrument(r))
	return r
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}

// outcome describes an outcome as the instruments hear it.
func outcomeText(err error, echo bool) string {
	var pe *nursery.PanicError
	switch {
	case err == nil:
		return "nil"
	case errors.As(err, &pe) && err == error(pe):
		return fmt.Sprintf("panic(%v)", pe.Value)
	case err == nursery.ErrGoexit:
		return "goexit"
	case echo:
		return "echo(" + err.Error() + ")"
	}
	return "error(" + err.Error() + ")"
}

func (r *recorder) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	s := &recScope{label: "scope:" + name}
	r.mu.Lock()
	r.sites[s.label] = site
	r.mu.Unlock()
	r.add("open %s", s.label)
	return ctx, s
}

func (r *recorder) ScopeCanceled(scope any, cause error) {
	r.add("cancel %s %v", scope.(*recScope).label, cause)
}

func (r *recorder) ScopeClosed(scope any, err error) {
	r.add("close %s %s", scope.(*recScope).label, outcomeText(err, false))
}

func (r *recorder) TaskSubmitted(scope any, kind, name string, site uintptr) any {
	t := &recTask{scope: scope.(*recScope), label: kind + "/" + name}
	r.mu.Lock()
	r.sites[t.label] = site
	r.mu.Unlock()
	r.add("submit %s", t.label)
	return t
}

func (r *recorder) TaskWaiting(task any) { r.add("wait %s", task.(*recTask).label) }

func (r *recorder) TaskStarted(ctx context.Context, task any) context.Context {
	r.add("start %s", task.(*recTask).label)
	if r.ctxKey != nil {
		return context.WithValue(ctx, r.ctxKey, task.(*recTask).label)
	}
	return ctx
}

func (r *recorder) TaskEnded(task any, err error, echo bool) {
	r.add("end %s %s", task.(*recTask).label, outcomeText(err, echo))
}

func (r *recorder) TaskDropped(task any, cause error) {
	r.add("drop %s %v", task.(*recTask).label, cause)
}

// of returns the recorded events that mention label, in order.
func (r *recorder) of(label string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if strings.HasSuffix(e, " "+label) || strings.Contains(e, " "+label+" ") {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// siteOf returns the file:line of label's site.
func (r *recorder) siteOf(label string) string {
	r.mu.Lock()
	pc := r.sites[label]
	r.mu.Unlock()
	return fileLine(pc)
}

// fileLine returns the file:line of the call site pc.
func fileLine(pc uintptr) string {
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)
}

// nextLine returns the file:line of the line after its caller's.
func nextLine() string {
	_, file, l, _ := runtime.Caller(1)
	return fmt.Sprintf("%s:%d", filepath.Base(file), l+1)
}

var errTask = errors.New("task failed")

// TestInstrumentEventsPerKind checks, for every kind of task and every way
// it can end, the events its task reports, in order, and its call site.
func TestInstrumentEventsPerKind(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		ends := []struct {
			name string
			run  func(ctx context.Context) error
			want string // the outcome TaskEnded hears
		}{
			{"nil", func(context.Context) error { return nil }, "nil"},
			{"error", func(context.Context) error { return errTask }, "error(task failed)"},
			{"panic", func(context.Context) error { panic("boom") }, "panic(boom)"},
			{"goexit", func(context.Context) error { runtime.Goexit(); return nil }, "goexit"},
		}
		kinds := []struct {
			kind string
			// start starts run in n as a task of this kind named "t" where it
			// can be, and returns the line that started it.
			start func(n *nursery.Nursery, run func(context.Context) error) string
		}{
			{"go", func(n *nursery.Nursery, run func(context.Context) error) string {
				at := nextLine()
				n.Go(nursery.Named("t", run))
				return at
			}},
			{"trygo", func(n *nursery.Nursery, run func(context.Context) error) string {
				at := nextLine()
				n.TryGo(nursery.Named("t", run))
				return at
			}},
			{"background", func(n *nursery.Nursery, run func(context.Context) error) string {
				at := nextLine()
				n.Background(nursery.Named("t", run))
				return at
			}},
			{"spawn", func(n *nursery.Nursery, run func(context.Context) error) string {
				at := nextLine()
				nursery.Spawn(n, func(ctx context.Context) (int, error) { return 0, run(ctx) })
				return at
			}},
			{"start", func(n *nursery.Nursery, run func(context.Context) error) string {
				at := nextLine()
				_ = n.Start(func(ctx context.Context, ready func()) error { ready(); return run(ctx) })
				return at
			}},
		}
		for _, k := range kinds {
			for _, e := range ends {
				for _, limited := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/%s/limited=%v", k.kind, e.name, limited), func(t *testing.T) {
						r := newRecorder(t)
						var opts []nursery.Option
						if limited {
							opts = append(opts, nursery.Limit(1))
						}
						var at string
						capture(func() {
							_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
								at = k.start(n, e.run)
								return nil
							}, opts...)
						})
						label := k.kind + "/t"
						if k.kind == "spawn" || k.kind == "start" {
							label = k.kind + "/"
						}
						got := r.of(label)
						want := []string{"submit " + label, "start " + label, "end " + label + " " + e.want}
						if !slices.Equal(got, want) {
							t.Errorf("events of %s = %q, want %q", label, got, want)
						}
						if s := r.siteOf(label); s != at {
							t.Errorf("site of %s = %s, want %s", label, s, at)
						}
						checkOrder(t, r.all())
					})
				}
			}
		}
	})
}

// checkOrder checks the order of a run's events: each task is submitted,
// then started, then ended, or submitted, waiting, then dropped; a scope
// opens first and closes last, once, after every task of its own has
// ended.
func checkOrder(t *testing.T, events []string) {
	t.Helper()
	state := map[string]string{}
	open := 0
	for i, e := range events {
		what, rest, _ := strings.Cut(e, " ")
		label, _, _ := strings.Cut(rest, " ")
		prev := state[label]
		ok := true
		switch what {
		case "open":
			ok = prev == ""
			open++
		case "close":
			ok = prev == "open" || prev == "cancel"
			open--
		case "cancel":
			ok = prev == "open"
		case "submit":
			ok = prev == "" || prev == "end" || prev == "drop" // labels repeat across tasks
		case "wait":
			ok = prev == "submit"
		case "start":
			ok = prev == "submit" || prev == "wait"
		case "end":
			ok = prev == "start"
		case "drop":
			ok = prev == "wait"
		}
		if !ok {
			t.Errorf("event %d %q follows %q for %s; events:\n%s", i, e, prev, label, strings.Join(events, "\n"))
			return
		}
		state[label] = what
	}
	for label, s := range state {
		if strings.HasPrefix(label, "scope:") && s != "close" {
			t.Errorf("%s never closed; events:\n%s", label, strings.Join(events, "\n"))
		}
		if !strings.HasPrefix(label, "scope:") && s != "end" && s != "drop" {
			t.Errorf("task %s left in state %s; events:\n%s", label, s, strings.Join(events, "\n"))
		}
	}
	if len(events) > 0 && !strings.HasPrefix(events[len(events)-1], "close ") {
		t.Errorf("last event %q, want the scope's close", events[len(events)-1])
	}
}

// TestInstrumentScopeEvents checks a scope's own events: its site, its
// body as a task, one cancellation with its cause, and its close with
// Run's outcome, after every task ended.
func TestInstrumentScopeEvents(t *testing.T) {
	for _, tt := range []struct {
		name   string
		body   func(ctx context.Context, n *nursery.Nursery) error
		cancel string // the cancel event, "" for none
		close  string
	}{
		{"nil", func(ctx context.Context, n *nursery.Nursery) error { return nil }, "", "nil"},
		{"body error", func(ctx context.Context, n *nursery.Nursery) error { return errTask }, "cancel scope:s task failed", "error(task failed)"},
		{"task error", func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(nursery.Named("a", func(context.Context) error { return errTask }))
			n.Go(nursery.Named("b", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }))
			return nil
		}, "cancel scope:s task failed", "error(task failed)"},
		{"Cancel", func(ctx context.Context, n *nursery.Nursery) error {
			n.Cancel(errors.New("enough"))
			return nil
		}, "cancel scope:s enough", "nil"},
		{"body panic", func(ctx context.Context, n *nursery.Nursery) error { panic("body boom") }, "", "panic(body boom)"},
		{"task goexit", func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(context.Context) error { runtime.Goexit(); return nil })
			return nil
		}, "cancel scope:s nursery: task called runtime.Goexit", "goexit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder(t)
			var at string
			capture(func() {
				at = nextLine()
				_ = nursery.Run(context.Background(), tt.body, nursery.Name("s"))
			})
			events := r.all()
			checkOrder(t, events)
			if events[0] != "open scope:s" || events[1] != "submit body/" || events[2] != "start body/" {
				t.Errorf("first events = %q, want open, then the body submitted and started", events[:3])
			}
			if s := r.siteOf("scope:s"); s != at {
				t.Errorf("scope site = %s, want %s", s, at)
			}
			if s := r.siteOf("body/"); s != at {
				t.Errorf("body site = %s, want %s", s, at)
			}
			var cancels []string
			for _, e := range events {
				if strings.HasPrefix(e, "cancel ") {
					cancels = append(cancels, e)
				}
			}
			if tt.cancel == "" && tt.name != "body panic" && len(cancels) != 0 {
				t.Errorf("cancel events = %q, want none", cancels)
			}
			if tt.cancel != "" && (len(cancels) != 1 || cancels[0] != tt.cancel) {
				t.Errorf("cancel events = %q, want [%q]", cancels, tt.cancel)
			}
			if got, want := events[len(events)-1], "close scope:s "+tt.close; got != want {
				t.Errorf("last event = %q, want %q", got, want)
			}
		})
	}
}

// TestInstrumentDropped checks the events of tasks queued behind a limit
// and dropped when the nursery is canceled.
func TestInstrumentDropped(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRecorder(t)
			_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(nursery.Named("first", func(ctx context.Context) error {
					time.Sleep(time.Second)
					return errTask
				}))
				n.Go(nursery.Named("queued", func(context.Context) error { return nil })) // waits, then is dropped
				return nil
			}, nursery.Limit(1), nursery.Name("s"))
			checkOrder(t, r.all())
			got := r.of("go/queued")
			want := []string{"submit go/queued", "wait go/queued", "drop go/queued task failed"}
			if !slices.Equal(got, want) {
				t.Errorf("events of the queued task = %q, want %q", got, want)
			}
		})
	})
}

// TestInstrumentTryGoRefused checks that a TryGo that finds no room
// reports nothing.
func TestInstrumentTryGoRefused(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		r := newRecorder(t)
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			release := make(chan struct{})
			n.Go(func(context.Context) error { <-release; return nil })
			if n.TryGo(nursery.Named("refused", func(context.Context) error { return nil })) {
				t.Error("TryGo() = true with the limit reached, want false")
			}
			close(release)
			return nil
		}, nursery.Limit(1))
		if got := r.of("trygo/refused"); len(got) != 0 {
			t.Errorf("events of a refused TryGo = %q, want none", got)
		}
	})
}

// TestInstrumentNested checks that a scope opened in a task reports its
// events inside the task's: opened after the task started, closed before
// it ended, and that the task's context carries what TaskStarted added.
func TestInstrumentNested(t *testing.T) {
	type key struct{}
	r := newRecorder(t)
	r.ctxKey = key{}
	var seen any
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("outer", func(ctx context.Context) error {
			seen = ctx.Value(key{})
			return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(nursery.Named("inner", func(context.Context) error { return nil }))
				return nil
			}, nursery.Name("child"))
		}))
		return nil
	}, nursery.Name("parent"))
	if seen != "go/outer" {
		t.Errorf("the task's context carries %v, want what TaskStarted added", seen)
	}
	ev := r.all()
	idx := func(e string) int { return slices.Index(ev, e) }
	if !(idx("start go/outer") < idx("open scope:child") &&
		idx("open scope:child") < idx("end go/inner nil") &&
		idx("end go/inner nil") < idx("close scope:child nil") &&
		idx("close scope:child nil") < idx("end go/outer nil") &&
		idx("end go/outer nil") < idx("close scope:parent nil")) || idx("start go/outer") < 0 {
		t.Errorf("nested events out of order:\n%s", strings.Join(ev, "\n"))
	}
}

// TestInstrumentRemove checks that a removed instrument hears no new
// scope, and that remove may be called again.
func TestInstrumentRemove(t *testing.T) {
	r := &recorder{sites: map[string]uintptr{}}
	remove := nursery.AddInstrument(r)
	remove()
	remove()
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error { return nil })
	if ev := r.all(); len(ev) != 0 {
		t.Errorf("a removed instrument heard %q", ev)
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "nursery: AddInstrument") {
			t.Errorf("AddInstrument(nil) panicked with %v, want a nursery: message", r)
		}
	}()
	nursery.AddInstrument(nil)
}

// panicky is an instrument that panics in the event named by at.
type panicky struct {
	nopInstrument
	at string
}

func (p panicky) ScopeOpened(ctx context.Context, name string, site uintptr) (context.Context, any) {
	if p.at == "ScopeOpened" {
		panic("instrument boom")
	}
	return ctx, nil
}

func (p panicky) TaskEnded(task any, err error, echo bool) {
	var pe *nursery.PanicError
	if p.at == "TaskEnded" && errors.As(err, &pe) { // told of the task's panic
		panic("instrument boom")
	}
}

func (p panicky) ScopeClosed(scope any, err error) {
	if p.at == "ScopeClosed" {
		panic("instrument boom")
	}
}

// TestInstrumentPanicNotSwallowed checks that a panic in an instrument
// called in Run's goroutine reaches Run's caller.
func TestInstrumentPanicNotSwallowed(t *testing.T) {
	for _, at := range []string{"ScopeOpened", "ScopeClosed"} {
		t.Run(at, func(t *testing.T) {
			remove := nursery.AddInstrument(panicky{at: at})
			o := capture(func() {
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(func(context.Context) error { return nil })
					return nil
				})
			})
			remove()
			if !o.panicked || o.value != "instrument boom" {
				t.Errorf("Run() %v, want the instrument's panic", o)
			}
		})
	}
}

const instrumentPanicEnv = "NURSERY_INSTRUMENT_PANIC"

// TestInstrumentPanicDoesNotMask checks, in a child process, that a
// panic in an instrument told of a task's panic crashes the program with
// both panics in view: the task's outcome is not masked.
func TestInstrumentPanicDoesNotMask(t *testing.T) {
	if at := os.Getenv(instrumentPanicEnv); at != "" {
		defer nursery.AddInstrument(panicky{at: at})()
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(context.Context) error { panic("task boom") })
			return nil
		})
		return
	}
	for _, at := range []string{"TaskEnded", "ScopeClosed"} {
		t.Run(at, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestInstrumentPanicDoesNotMask$")
			cmd.Env = append(os.Environ(), instrumentPanicEnv+"="+at)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("child passed, want a crash:\n%s", out)
			}
			for _, want := range []string{"task boom", "instrument boom"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("crash output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestInstrumentNames checks that a task's name is known when it is
// submitted, for a task made by Named, and that finding it out never runs
// a task: each task runs exactly once.
func TestInstrumentNames(t *testing.T) {
	r := newRecorder(t)
	var plain, named, wrapped atomic.Int32
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(func(context.Context) error { plain.Add(1); return nil })
		n.Go(nursery.Named("named", func(context.Context) error { named.Add(1); return nil }))
		inner := nursery.Named("inner", func(context.Context) error { wrapped.Add(1); return nil })
		n.Go(func(ctx context.Context) error { return inner(ctx) }) // not Named itself: no name
		return nil
	})
	if plain.Load() != 1 || named.Load() != 1 || wrapped.Load() != 1 {
		t.Errorf("tasks ran %d, %d, %d times, want once each", plain.Load(), named.Load(), wrapped.Load())
	}
	if got := r.of("go/named"); len(got) == 0 || got[0] != "submit go/named" {
		t.Errorf("events of the named task = %q, want it submitted with its name", got)
	}
	if got := r.of("go/"); len(got) != 6 {
		t.Errorf("events of the unnamed tasks = %q, want two submitted, started and ended", got)
	}
}
