package nursery_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/scoped-go/scoped/nursery"
)

// The tests below pin the happens-before edges that the blocking calls
// document. Each task writes plain, non-atomic variables and nothing else
// orders those writes with the reads after the call: if the call did not
// synchronize, the race detector (go test -race) would report the read.

func TestRunSynchronizesTasksWrites(t *testing.T) {
	tests := []struct {
		name string
		opts []nursery.Option
	}{
		{name: "unlimited"},
		{name: "limited", opts: []nursery.Option{nursery.Limit(2)}},
		{name: "supervised", opts: []nursery.Option{nursery.Supervise()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var goWrote, tryGoWrote, childWrote, bgWrote, startWrote, spawnWrote int
			err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				n.Go(func(context.Context) error {
					n.Go(func(context.Context) error { childWrote = 1; return nil })
					goWrote = 1
					return nil
				})
				if !n.TryGo(func(context.Context) error { tryGoWrote = 1; return nil }) {
					tryGoWrote = 1 // no room: nothing to synchronize
				}
				n.Background(func(ctx context.Context) error {
					<-ctx.Done()
					bgWrote = 1
					return nil
				})
				if err := n.Start(func(ctx context.Context, ready func()) error {
					ready()
					startWrote = 1 // after ready: only Run's end orders it
					return nil
				}); err != nil {
					return err
				}
				nursery.Spawn(n, func(context.Context) (int, error) { spawnWrote = 1; return 1, nil })
				return nil
			}, tt.opts...)
			if err != nil {
				t.Fatalf("Run = %v want nil", err)
			}
			if got := goWrote + tryGoWrote + childWrote + bgWrote + startWrote + spawnWrote; got != 6 {
				t.Errorf("after Run, %d of 6 tasks' writes seen", got)
			}
		})
	}
}

// The end of a task that fails, panics or exits synchronizes before Run
// returns or re-raises.
func TestRunSynchronizesFailingTasksWrites(t *testing.T) {
	tests := []struct {
		name string
		end  func() error
	}{
		{name: "error", end: func() error { return errA }},
		{name: "panic", end: func() error { panic("boom") }},
		{name: "Goexit", end: func() error { runtime.Goexit(); return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wrote, siblingWrote int
			o := capture(func() {
				defer func() {
					// Reached on return, panic or Goexit alike.
					if wrote+siblingWrote != 2 {
						t.Errorf("after Run, %d of 2 tasks' writes seen", wrote+siblingWrote)
					}
				}()
				_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(func(ctx context.Context) error {
						<-ctx.Done()
						siblingWrote = 1
						return ctx.Err()
					})
					n.Go(func(context.Context) error {
						wrote = 1
						return tt.end()
					})
					return nil
				})
			})
			if o.returned == (tt.name != "error") {
				t.Errorf("Run %v", o)
			}
		})
	}
}

func TestFutureSynchronizesTaskWrites(t *testing.T) {
	tests := []struct {
		name string
		wait func(f *nursery.Future[int])
	}{
		{name: "Await", wait: func(f *nursery.Future[int]) { _, _ = f.Await(context.Background()) }},
		{name: "Done", wait: func(f *nursery.Future[int]) { <-f.Done() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				var wrote int
				f := nursery.Spawn(n, func(context.Context) (int, error) {
					wrote = 1
					return 1, nil
				})
				tt.wait(f)
				if wrote != 1 {
					t.Errorf("after %s, the task's write not seen", tt.name)
				}
				return nil
			})
			if err != nil {
				t.Errorf("Run = %v want nil", err)
			}
		})
	}
}

func TestStartSynchronizesWritesBeforeReady(t *testing.T) {
	tests := []struct {
		name  string
		start func(n *nursery.Nursery, wrote *int) error
	}{
		{name: "Start ready", start: func(n *nursery.Nursery, wrote *int) error {
			return n.Start(func(ctx context.Context, ready func()) error {
				*wrote = 1
				ready()
				<-ctx.Done() // keeps running after ready
				return nil
			})
		}},
		{name: "Start returned before ready", start: func(n *nursery.Nursery, wrote *int) error {
			err := n.Start(func(ctx context.Context, ready func()) error {
				*wrote = 1
				return errA
			})
			if err != errA {
				return err
			}
			return nil
		}},
		{name: "StartValue ready", start: func(n *nursery.Nursery, wrote *int) error {
			v, err := nursery.StartValue(n, func(ctx context.Context, ready func(int)) error {
				*wrote = 1
				ready(1)
				<-ctx.Done()
				return nil
			})
			if v != 1 {
				*wrote = 0
			}
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				var wrote int
				if err := tt.start(n, &wrote); err != nil {
					return err
				}
				if wrote != 1 {
					t.Errorf("after %s, the task's write not seen", tt.name)
				}
				n.Cancel(nil) // lets the ready tasks end
				return nil
			})
			if err != nil {
				t.Errorf("Run = %v want nil", err)
			}
		})
	}
}
