package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// The cancellation workload: k siblings block on the group's context; one
// more task waits until all k are blocked, then fails. A run is over when
// the group's Wait (or Run) has returned the failure. Besides the time per
// task of the whole run, it reports the time from the failure (just before
// the failing task returns its error) to Wait's return: how long the
// cancellation takes to reach k blocked siblings and for all of them to
// be awaited.

var cancelSizes = []int{1_000, 10_000}

var errFail = errors.New("bench: the failing task")

// cancelRun is what a run observed: how many siblings saw the
// cancellation, the error Wait returned, and when the failure happened.
type cancelRun struct {
	seen   int64
	err    error
	failed time.Time
}

// A cancelProbe holds one run's tasks and what they observed.
type cancelProbe struct {
	k       int
	blocked atomic.Int64
	seen    atomic.Int64
	failed  atomic.Pointer[time.Time]
}

// sibling blocks on ctx.
func (p *cancelProbe) sibling(ctx context.Context) error {
	p.blocked.Add(1)
	<-ctx.Done()
	p.seen.Add(1)
	return ctx.Err()
}

// fail waits for every sibling to be blocked, then fails.
func (p *cancelProbe) fail() error {
	for p.blocked.Load() < int64(p.k) {
		runtime.Gosched()
	}
	now := time.Now()
	p.failed.Store(&now)
	return errFail
}

// result is the run's outcome, given what Wait returned.
func (p *cancelProbe) result(err error) cancelRun {
	return cancelRun{seen: p.seen.Load(), err: err, failed: *p.failed.Load()}
}

func cancelImpls(k int) []impl[cancelRun] {
	parent := context.Background()
	return []impl[cancelRun]{
		plain("go", func() cancelRun {
			pr := &cancelProbe{k: k}
			ctx, cancel := context.WithCancelCause(parent)
			var wg sync.WaitGroup
			var first error
			for range k {
				wg.Add(1)
				go func() { defer wg.Done(); _ = pr.sibling(ctx) }()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				first = pr.fail()
				cancel(first)
			}()
			wg.Wait()
			cancel(nil)
			return pr.result(first)
		}),
		plain("errgroup", func() cancelRun {
			pr := &cancelProbe{k: k}
			g, ctx := errgroup.WithContext(parent)
			for range k {
				g.Go(func() error { return pr.sibling(ctx) })
			}
			g.Go(pr.fail)
			return pr.result(g.Wait())
		}),
		plain("conc.pool", func() cancelRun {
			pr := &cancelProbe{k: k}
			p := pool.New().WithContext(parent).WithCancelOnError().WithFirstError()
			for range k {
				p.Go(pr.sibling)
			}
			p.Go(func(context.Context) error { return pr.fail() })
			return pr.result(p.Wait())
		}),
		{"ants", func() (func() cancelRun, func()) {
			p, err := ants.NewPool(0)
			if err != nil {
				panic(err)
			}
			return func() cancelRun {
				pr := &cancelProbe{k: k}
				ctx, cancel := context.WithCancelCause(parent)
				var wg sync.WaitGroup
				var first error
				submit := func(f func()) {
					wg.Add(1)
					if err := p.Submit(func() { defer wg.Done(); f() }); err != nil {
						panic(err)
					}
				}
				for range k {
					submit(func() { _ = pr.sibling(ctx) })
				}
				submit(func() { first = pr.fail(); cancel(first) })
				wg.Wait()
				cancel(nil)
				return pr.result(first)
			}, p.Release
		}},
		{"pond", func() (func() cancelRun, func()) {
			p := pond.NewPool(0)
			return func() cancelRun {
				pr := &cancelProbe{k: k}
				g := p.NewGroupContext(parent)
				ctx := g.Context()
				for range k {
					g.SubmitErr(func() error { return pr.sibling(ctx) })
				}
				g.SubmitErr(pr.fail)
				return pr.result(g.Wait())
			}, p.StopAndWait
		}},
		plain("nursery", func() cancelRun {
			pr := &cancelProbe{k: k}
			err := nursery.Run(parent, func(_ context.Context, n *nursery.Nursery) error {
				for range k {
					n.Go(pr.sibling)
				}
				n.Go(func(context.Context) error { return pr.fail() })
				return nil
			})
			return pr.result(err)
		}),
		plain("taskgroup.Group", func() cancelRun {
			pr := &cancelProbe{k: k}
			g, ctx := taskgroup.WithContext(parent)
			for range k {
				g.Go(func() error { return pr.sibling(ctx) })
			}
			g.Go(pr.fail)
			return pr.result(g.Wait())
		}),
	}
}

func TestCancelSameResult(t *testing.T) {
	for _, k := range cancelSizes {
		for _, im := range cancelImpls(k) {
			run, stop := im.start()
			r := run()
			stop()
			if r.seen != int64(k) || !errors.Is(r.err, errFail) {
				t.Errorf("k=%d/impl=%s: %d siblings saw the cancellation, Wait returned %v; want %d and %v",
					k, im.name, r.seen, r.err, k, errFail)
			}
		}
	}
}

func BenchmarkCancel(b *testing.B) {
	for _, k := range cancelSizes {
		for _, im := range cancelImpls(k) {
			b.Run(fmt.Sprintf("k=%d/impl=%s", k, im.name), func(b *testing.B) {
				base := runtime.NumGoroutine()
				run, stop := im.start()
				defer stop()
				var afterFail time.Duration
				reportPer(b, "task", k+1, base, func() {
					r := run()
					afterFail += time.Since(r.failed)
				})
				// reportPer ran one more, untimed, run.
				b.ReportMetric(float64(afterFail.Nanoseconds())/float64(b.N+1), "ns-fail-to-return/op")
			})
		}
	}
}
