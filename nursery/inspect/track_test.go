package inspect_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// trackedTest turns tracking on for the duration of a test.
func trackedTest(t *testing.T) {
	t.Helper()
	t.Cleanup(inspect.Track())
}

// treeOf renders scopes compactly: name[kind/task:state ...{child scopes}].
func treeOf(scopes []inspect.Scope) string {
	var parts []string
	for _, s := range scopes {
		var tasks []string
		for _, tk := range s.Tasks {
			d := tk.Kind
			if tk.Name != "" {
				d += "/" + tk.Name
			}
			d += ":" + tk.State
			if len(tk.Scopes) > 0 {
				d += "{" + treeOf(tk.Scopes) + "}"
			}
			tasks = append(tasks, d)
		}
		name := s.Name
		if name == "" {
			name = "-"
		}
		parts = append(parts, name+"["+strings.Join(tasks, " ")+"]")
	}
	return strings.Join(parts, " ")
}

func TestSnapshotKnownTree(t *testing.T) {
	trackedTest(t)
	synctest.Test(t, func(t *testing.T) {
		block := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		var before, after string
		var ages []time.Duration
		err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Background(nursery.Named("flusher", block))
			time.Sleep(time.Second)
			n.Go(nursery.Named("accept", block))
			n.Go(func(ctx context.Context) error {
				return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(nursery.Named("read", block))
					n.Go(block) // waits behind the limit
					return block(ctx)
				}, nursery.Name("conn"), nursery.Limit(1))
			})
			time.Sleep(2 * time.Second)
			synctest.Wait()
			snap := inspect.Snapshot()
			before = treeOf(snap)
			if len(snap) == 1 && len(snap[0].Tasks) > 0 {
				ages = []time.Duration{snap[0].Age, snap[0].Tasks[0].Age, snap[0].Tasks[1].Age}
			}
			n.Cancel(errors.New("shutting down"))
			synctest.Wait()
			after = treeOf(inspect.Snapshot())
			return nil
		}, nursery.Name("server"))
		if err != nil {
			t.Fatalf("Run() = %v, want nil", err)
		}
		wantBefore := "server[body:running background/flusher:running go/accept:running " +
			"go:running{conn[body:running go/read:running go:waiting]}]"
		if before != wantBefore {
			t.Errorf("tree while running =\n  %s\nwant\n  %s", before, wantBefore)
		}
		// After Cancel the tasks are canceled and have not all returned yet:
		// the body is still in the snapshot, the rest is gone or canceled.
		if !strings.HasPrefix(after, "server[body:canceled") {
			t.Errorf("tree after Cancel = %s, want the body canceled", after)
		}
		wantAges := []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}
		if fmt.Sprint(ages) != fmt.Sprint(wantAges) {
			t.Errorf("ages (scope, body, flusher) = %v, want %v", ages, wantAges)
		}
		if s := inspect.Snapshot(); len(s) != 0 {
			t.Errorf("Snapshot() after Run = %s, want empty", treeOf(s))
		}
	})
}

func TestSnapshotSitesAndCause(t *testing.T) {
	trackedTest(t)
	synctest.Test(t, func(t *testing.T) {
		var snap []inspect.Scope
		release := make(chan struct{})
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error { <-release; return nil })
			n.Cancel(errors.New("enough"))
			synctest.Wait()
			snap = inspect.Snapshot()
			close(release)
			return nil
		})
		if len(snap) != 1 || len(snap[0].Tasks) != 2 {
			t.Fatalf("Snapshot() = %s, want one scope with two tasks", treeOf(snap))
		}
		s := snap[0]
		if !s.Canceled || s.Cause != "enough" {
			t.Errorf("scope Canceled, Cause = %v, %q, want true, %q", s.Canceled, s.Cause, "enough")
		}
		for _, tk := range s.Tasks {
			if !strings.HasPrefix(tk.Site, "inspect/track_test.go:") {
				t.Errorf("%s task site = %q, want inspect/track_test.go:<line>", tk.Kind, tk.Site)
			}
		}
		if s.Site != s.Tasks[0].Site {
			t.Errorf("scope site %q != body site %q", s.Site, s.Tasks[0].Site)
		}
	})
}

func TestWriteTree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var off, on bytes.Buffer
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			return inspect.WriteTree(&off)
		})
		if !strings.Contains(off.String(), "tracking is off") {
			t.Errorf("WriteTree with tracking off = %q, want it to say tracking is off", off.String())
		}
		trackedTest(t)
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(nursery.Named("worker", func(ctx context.Context) error { <-ctx.Done(); return nil }))
			time.Sleep(90 * time.Second)
			synctest.Wait()
			err := inspect.WriteTree(&on)
			n.Cancel(nil)
			return err
		}, nursery.Name("jobs"))
		got := on.String()
		for _, want := range []string{
			`nursery "jobs"  inspect/track_test.go:`,
			"  body       -                running  1m30s  inspect/track_test.go:",
			"  go         worker           running  1m30s  inspect/track_test.go:",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("WriteTree lacks %q:\n%s", want, got)
			}
		}
	})
}

func TestTrackingOffRecordsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error { return nil })
			if s := inspect.Snapshot(); len(s) != 0 {
				t.Errorf("Snapshot() with tracking off = %s, want empty", treeOf(s))
			}
			return nil
		})
	})
}

func TestStallHook(t *testing.T) {
	tests := []struct {
		name    string
		ignore  time.Duration // how long the stubborn task ignores cancellation
		want    []string
		wantAt  time.Duration // virtual time of the report, from the cancellation
		wantRun time.Duration
	}{
		{name: "task ignores cancellation past the grace", ignore: 8 * time.Second,
			want: []string{"go/stubborn"}, wantAt: 5 * time.Second, wantRun: 8 * time.Second},
		{name: "tasks end within the grace", ignore: 4 * time.Second, wantRun: 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				var got []string
				var at time.Duration
				start := time.Now()
				stop := inspect.OnStall(5*time.Second, func(s inspect.Stall) {
					mu.Lock()
					defer mu.Unlock()
					got = append(got, s.Kind+"/"+s.Task)
					at = s.Since
					if s.Scope != "svc" || !strings.HasPrefix(s.Site, "inspect/track_test.go:") {
						t.Errorf("Stall = %+v, want scope svc and a site in track_test.go", s)
					}
				})
				defer stop()
				err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(nursery.Named("polite", func(ctx context.Context) error { <-ctx.Done(); return nil }))
					n.Go(nursery.Named("stubborn", func(ctx context.Context) error {
						<-ctx.Done()
						time.Sleep(tt.ignore) // ignores the cancellation
						return nil
					}))
					n.Cancel(nil)
					return nil
				}, nursery.Name("svc"))
				if err != nil {
					t.Errorf("Run() = %v, want nil", err)
				}
				if d := time.Since(start); d != tt.wantRun {
					t.Errorf("Run returned after %v, want %v", d, tt.wantRun)
				}
				mu.Lock()
				defer mu.Unlock()
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("stalls reported = %v, want %v", got, tt.want)
				}
				if at != tt.wantAt {
					t.Errorf("Stall.Since = %v, want %v", at, tt.wantAt)
				}
			})
		})
	}
}

// TestTrackStop checks that tracking stays on while any Track or OnStall
// is not stopped, and that stop may be called again.
func TestTrackStop(t *testing.T) {
	seen := func() int {
		n := 0
		_ = nursery.Run(context.Background(), func(ctx context.Context, _ *nursery.Nursery) error {
			n = len(inspect.Snapshot())
			return nil
		})
		return n
	}
	stop1 := inspect.Track()
	stop2 := inspect.OnStall(time.Second, func(inspect.Stall) {})
	stop1()
	stop1() // no effect the second time
	if n := seen(); n != 1 {
		t.Errorf("scopes seen with OnStall on = %d, want 1", n)
	}
	stop2()
	stop2()
	if n := seen(); n != 0 {
		t.Errorf("scopes seen after every stop = %d, want 0", n)
	}
}

// TestOnStallStop checks that a stopped OnStall reports nothing, even for
// a scope canceled while it was on.
func TestOnStallStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		heard := 0
		stop := inspect.OnStall(time.Second, func(inspect.Stall) { heard++ })
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(context.Context) error { time.Sleep(5 * time.Second); return nil })
			n.Cancel(nil)
			stop()
			return nil
		})
		if heard != 0 {
			t.Errorf("a stopped OnStall heard %d stalls, want 0", heard)
		}
	})
}

// TestOnStallMisuse checks OnStall's panics.
func TestOnStallMisuse(t *testing.T) {
	for _, tt := range []struct {
		name  string
		grace time.Duration
		hook  func(inspect.Stall)
	}{
		{"zero grace", 0, func(inspect.Stall) {}},
		{"nil hook", time.Second, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "inspect: OnStall") {
					t.Errorf("OnStall panicked with %v, want an inspect: message", r)
				}
			}()
			inspect.OnStall(tt.grace, tt.hook)
		})
	}
}

// A task leaves the snapshot as it ends, and the tasks left keep the
// order they were started in, whichever ended.
func TestSnapshotAfterEnds(t *testing.T) {
	trackedTest(t)
	synctest.Test(t, func(t *testing.T) {
		var got string
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			release := make([]chan struct{}, 6)
			for i := range release {
				c := make(chan struct{})
				release[i] = c
				n.Go(nursery.Named(fmt.Sprint(i), func(context.Context) error { <-c; return nil }))
			}
			for _, i := range []int{4, 1, 0} {
				close(release[i])
			}
			synctest.Wait()
			got = treeOf(inspect.Snapshot())
			for _, i := range []int{2, 3, 5} {
				close(release[i])
			}
			return nil
		})
		if want := "-[body:running go/2:running go/3:running go/5:running]"; got != want {
			t.Errorf("tree = %s, want %s", got, want)
		}
	})
}
