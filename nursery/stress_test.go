package nursery_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// The stress tests run at reduced sizes by default, so that go test -race
// ./... stays fast, and at full size with SCOPED_STRESS=full (see
// scripts/stress). Each logs its figures: wall time, peak goroutines and
// peak heap.

// stressSize returns full when SCOPED_STRESS=full, and reduced otherwise.
func stressSize(full, reduced int) int {
	if os.Getenv("SCOPED_STRESS") == "full" {
		return full
	}
	return reduced
}

// A peaks samples the goroutine count and the heap from the goroutine that
// calls sample, and remembers the highest of each.
type peaks struct {
	mu         sync.Mutex
	goroutines int
	heap       uint64 // HeapInuse
	baseG      int
	baseHeap   uint64
}

func newPeaks() *peaks {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p := &peaks{baseG: runtime.NumGoroutine(), baseHeap: ms.HeapInuse}
	p.goroutines, p.heap = p.baseG, p.baseHeap
	return p
}

// sample records the goroutine count, and the heap too if withHeap (a
// ReadMemStats stops the world: call it sparingly).
func (p *peaks) sample(withHeap bool) {
	g := runtime.NumGoroutine()
	var h uint64
	if withHeap {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h = ms.HeapInuse
	}
	p.mu.Lock()
	p.goroutines = max(p.goroutines, g)
	p.heap = max(p.heap, h)
	p.mu.Unlock()
}

func (p *peaks) log(t *testing.T, what string, d interface{ String() string }) {
	t.Helper()
	t.Logf("STRESS %s: %v, peak goroutines %d (+%d), peak heap in use %.1f MiB (+%.1f MiB)",
		what, d, p.goroutines, p.goroutines-p.baseG,
		float64(p.heap)/(1<<20), float64(p.heap-min(p.heap, p.baseHeap))/(1<<20))
}

// TestStressManyTasks starts a million tasks (reduced: 20,000) in one
// nursery, without and with Limit(64). With the limit, the goroutine count
// never exceeds the limit plus a few, and the heap stays small: the body
// blocks in Go instead of queueing without bound.
func TestStressManyTasks(t *testing.T) {
	n := stressSize(1_000_000, 20_000)
	for _, limit := range []int{0, 64} {
		name := "no limit"
		if limit > 0 {
			name = "Limit(64)"
		}
		t.Run(name, func(t *testing.T) {
			p := newPeaks()
			var opts []nursery.Option
			if limit > 0 {
				opts = append(opts, nursery.Limit(limit))
			}
			var ran atomic.Int64
			start := time.Now()
			err := nursery.Run(context.Background(), func(ctx context.Context, nn *nursery.Nursery) error {
				for i := range n {
					nn.Go(func(context.Context) error {
						ran.Add(1)
						return nil
					})
					if i%256 == 0 {
						p.sample(i%(n/16+1) == 0)
					}
				}
				return nil
			}, opts...)
			elapsed := time.Since(start)
			p.sample(true)
			if err != nil {
				t.Fatalf("Run() = %v, want nil", err)
			}
			if got := ran.Load(); got != int64(n) {
				t.Fatalf("%d tasks ran, want %d", got, n)
			}
			p.log(t, name+": "+strconv.Itoa(n)+" tasks", elapsed)
			if limit > 0 {
				// The body's goroutine and the test's are in the base; the
				// constant allows for the runtime's and goleak's own.
				if extra := p.goroutines - p.baseG; extra > limit+4 {
					t.Errorf("peak goroutines %d above the base %d, want at most Limit(%d) + 4", extra, p.baseG, limit)
				}
				if grew := p.heap - min(p.heap, p.baseHeap); grew > 16<<20 {
					t.Errorf("the heap grew by %d bytes under Limit(%d), want under 16 MiB", grew, limit)
				}
			}
		})
	}
}

// TestStressNestedScopes nests 10,000 nurseries (reduced: 1,000), each
// run by a task of the one above. The innermost task fails; every level
// returns that same error, as it is, and no level returns before the
// levels below it.
func TestStressNestedScopes(t *testing.T) {
	depth := stressSize(10_000, 1_000)
	errDeep := errors.New("the innermost task failed")
	p := newPeaks()
	var ended []int // the levels, in the order their Run returned
	var mu sync.Mutex
	var nest func(ctx context.Context, level int) error
	nest = func(ctx context.Context, level int) error {
		err := nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(func(ctx context.Context) error {
				if level == depth-1 {
					p.sample(true)
					return errDeep
				}
				return nest(ctx, level+1)
			})
			return nil
		})
		mu.Lock()
		ended = append(ended, level)
		mu.Unlock()
		return err
	}
	start := time.Now()
	err := nest(context.Background(), 0)
	elapsed := time.Since(start)
	if err != errDeep {
		t.Fatalf("Run() = %v, want the innermost error as it is", err)
	}
	for i, level := range ended {
		if level != depth-1-i {
			t.Fatalf("level %d returned %d-th, want the levels to return innermost first", level, i)
		}
	}
	p.log(t, strconv.Itoa(depth)+" nested scopes", elapsed)
}

// TestStressCancelBlocked blocks 100,000 tasks (reduced: 10,000) on their
// context, then fails one more: all of them return, and Run returns only
// the failure, their echoes dropped.
func TestStressCancelBlocked(t *testing.T) {
	n := stressSize(100_000, 10_000)
	errFail := errors.New("the last task failed")
	p := newPeaks()
	var blocked sync.WaitGroup
	blocked.Add(n)
	var echoed atomic.Int64
	start := time.Now()
	err := nursery.Run(context.Background(), func(ctx context.Context, nn *nursery.Nursery) error {
		for range n {
			nn.Go(func(ctx context.Context) error {
				blocked.Done()
				<-ctx.Done()
				echoed.Add(1)
				return ctx.Err()
			})
		}
		nn.Go(func(context.Context) error {
			blocked.Wait() // every other task is running and about to block
			p.sample(true)
			return errFail
		})
		return nil
	})
	elapsed := time.Since(start)
	if err != errFail {
		t.Fatalf("Run() = %v, want only the failure", err)
	}
	if got := echoed.Load(); got != int64(n) {
		t.Fatalf("%d tasks returned after the cancellation, want %d", got, n)
	}
	p.log(t, "cancel "+strconv.Itoa(n)+" blocked tasks", elapsed)
}
