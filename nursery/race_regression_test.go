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
// returns f.Await of a failed future gets the error as soon as the future
// completes, possibly before the future's own task has canceled the
// nursery. Its worker must not then start a task queued behind the limit:
// the failure is known, so the queued task is dropped.
func TestQueuedTaskNeverStartsAfterAKnownFailure(t *testing.T) {
	boom := errors.New("boom")
	var ranAfterFailure atomic.Int64
	const rounds = 3000
	for range rounds {
		synctest.Test(t, func(t *testing.T) {
			err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
				f := nursery.Spawn(n, func(ctx context.Context) (int, error) {
					time.Sleep(time.Millisecond)
					return 0, boom
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
			}, nursery.Limit(2))
			if err != boom {
				t.Errorf("Run() = %v, want %v", err, boom)
			}
		})
	}
	if got := ranAfterFailure.Load(); got != 0 {
		t.Errorf("a task queued behind the limit started after the failure in %d of %d rounds, want 0", got, rounds)
	}
}
