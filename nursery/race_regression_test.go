package nursery_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// TestQueuedTaskNeverStartsAfterAKnownFailure pins a race: a sibling that
// returns f.Await of a failed future learns of the failure as soon as the
// future completes. If that could happen before the nursery has recorded
// the failure and been canceled, the sibling's worker would start a task
// queued behind the limit although the failure was known. Under Supervise
// only a panic cancels, and the sibling merely returns the *PanicError as
// an error, so the future's panic must be recorded first there too.
func TestQueuedTaskNeverStartsAfterAKnownFailure(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		boom := errors.New("boom")
		tests := []struct {
			name  string
			fail  func() (int, error)
			opts  []nursery.Option
			panic bool
		}{
			{name: "error", fail: func() (int, error) { return 0, boom }},
			{name: "panic", fail: func() (int, error) { panic(boom) }, panic: true},
			{name: "panic under Supervise", fail: func() (int, error) { panic(boom) }, panic: true,
				opts: []nursery.Option{nursery.Supervise()}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var ranAfterFailure atomic.Int64
				const rounds = 2000
				for range rounds {
					synctest.Test(t, func(t *testing.T) {
						defer func() {
							r := recover()
							if tt.panic != (r != nil) {
								t.Errorf("Run panicked with %v, want a panic: %v", r, tt.panic)
							}
						}()
						err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
							f := nursery.Spawn(n, func(ctx context.Context) (int, error) {
								time.Sleep(time.Millisecond)
								return tt.fail()
							})
							n.Go(func(ctx context.Context) error {
								_, err := f.Await(ctx)
								return err
							})
							n.Go(func(ctx context.Context) error { // queued behind the limit
								ranAfterFailure.Add(1)
								return nil
							})
							return nil
						}, append(tt.opts, nursery.Limit(2))...)
						if err != boom {
							t.Errorf("Run() = %v, want %v", err, boom)
						}
					})
				}
				if got := ranAfterFailure.Load(); got != 0 {
					t.Errorf("a task queued behind the limit started after the failure in %d of %d rounds, want 0", got, rounds)
				}
			})
		}
	})
}
