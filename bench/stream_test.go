package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/scoped-go/scoped/taskgroup"
	"github.com/sourcegraph/conc/stream"
)

// The stream workload: 100,000 items pulled one by one from an input
// sequence, each mapped by a light function, at most 8 calls at once, the
// results handed to the caller's loop as they become ready: in input order
// (ordered), or in completion order (unordered). The loop appends them to
// a slice. The floor is a hand-written channel pipeline: a feeder, 8
// workers, and the caller collecting, with a reorder window when ordered.

const (
	streamN     = 100_000
	streamLimit = 8
)

func streamWork(x int) int { return int(tiny(x)) }

var streamInput = func() []int {
	in := make([]int, streamN)
	for i := range in {
		in[i] = i
	}
	return in
}()

func streamImpls(in []int, ordered bool) []impl[[]int] {
	impls := []impl[[]int]{
		plain("go.pipeline", func() []int { return pipeline(in, ordered) }),
		plain("taskgroup.Stream", func() []int {
			opts := []taskgroup.Option{taskgroup.Limit(streamLimit)}
			if !ordered {
				opts = append(opts, taskgroup.Unordered())
			}
			out := make([]int, 0, len(in))
			fn := func(_ context.Context, x int) (int, error) { return streamWork(x), nil }
			for v, err := range taskgroup.Stream(context.Background(), slices.Values(in), fn, opts...) {
				if err != nil {
					panic(err)
				}
				out = append(out, v)
			}
			return out
		}),
	}
	if ordered {
		// conc's stream runs its callbacks in submission order only.
		impls = append(impls, plain("conc.stream", func() []int {
			out := make([]int, 0, len(in))
			s := stream.New().WithMaxGoroutines(streamLimit)
			for _, x := range in {
				s.Go(func() stream.Callback {
					v := streamWork(x)
					return func() { out = append(out, v) }
				})
			}
			s.Wait()
			return out
		}))
	}
	return impls
}

// pipeline is the hand-written floor: a feeder goroutine sends the items
// with their sequence numbers to streamLimit workers, which send back the
// results; the caller collects them, in order through a ring of
// 2*streamLimit slots whose tokens bound how far the feeder runs ahead.
func pipeline(in []int, ordered bool) []int {
	type item struct{ seq, v int }
	const window = 2 * streamLimit
	jobs := make(chan item)
	results := make(chan item, streamLimit)
	tokens := make(chan struct{}, window) // a token per item between the feeder and the caller
	go func() {
		defer close(jobs)
		for i, x := range in {
			tokens <- struct{}{}
			jobs <- item{i, x}
		}
	}()
	var wg sync.WaitGroup
	for range streamLimit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- item{j.seq, streamWork(j.v)}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	out := make([]int, 0, len(in))
	var ring [window]struct {
		v  int
		ok bool
	}
	for r := range results {
		if !ordered {
			out = append(out, r.v)
			<-tokens
			continue
		}
		ring[r.seq%window].v, ring[r.seq%window].ok = r.v, true
		for head := &ring[len(out)%window]; head.ok; head = &ring[len(out)%window] {
			out = append(out, head.v)
			head.ok = false
			<-tokens
		}
	}
	return out
}

func TestStreamSameResult(t *testing.T) {
	want := make([]int, streamN)
	for i, x := range streamInput {
		want[i] = streamWork(x)
	}
	sameResult(t, "order=ordered", streamImpls(streamInput, true), want, slices.Equal)
	sorted := slices.Sorted(slices.Values(want))
	sameSet := func(got, want []int) bool { return slices.Equal(slices.Sorted(slices.Values(got)), want) }
	sameResult(t, "order=unordered", streamImpls(streamInput, false), sorted, sameSet)
}

func BenchmarkStream(b *testing.B) {
	for _, ordered := range []bool{true, false} {
		order := "ordered"
		if !ordered {
			order = "unordered"
		}
		benchImpls(b, fmt.Sprintf("order=%s/n=%d/limit=%d", order, streamN, streamLimit), "item", streamN, streamImpls(streamInput, ordered))
	}
}
