package proptest

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

var (
	seedFlag  = flag.Uint64("seed", 0, "run only the tree of this seed (0: run -trees trees)")
	treesFlag = flag.Int("trees", 400, "how many random trees TestTrees checks")
	firstFlag = flag.Uint64("first", 1, "the seed of TestTrees's first tree")
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// realTimeShare: one tree in this many runs outside synctest, in real time,
// where only the invariants are checked.
const realTimeShare = 20

// treeFor returns the tree of seed. A tree the model rejects for a tie is
// drawn again from the same seed, so that the seed alone reproduces it.
func treeFor(seed uint64, cfg genConfig) (*tree, []result, int) {
	cfg.realTime = seed%realTimeShare == realTimeShare-1
	for attempt := 0; ; attempt++ {
		t := genTree(seed+uint64(attempt)<<40, cfg)
		if t.realTime {
			return t, nil, attempt
		}
		want, err := runModel(t)
		if err == nil {
			return t, want, attempt
		}
	}
}

// checkTree runs t and returns what went wrong, if anything: in a synctest
// bubble, compared with the model's results want, or, if t is a real-time
// tree, in real time against the invariants alone.
func checkTree(t *testing.T, tr *tree, want []result) []string {
	x := newRunner(tr)
	if tr.realTime {
		x.runRoot(context.Background())
		return x.checkInvariants()
	}
	var bad []string
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := time.AfterFunc(tr.parentCancel, func() { cancel(errParent) })
		x.runRoot(ctx)
		stop.Stop()
		cancel(nil)
		bad = append(x.checkModel(want), x.checkInvariants()...)
	})
	return bad
}

// report fails t with the tree of seed, what differs, and how to
// reproduce it.
func report(t *testing.T, seed uint64, tr *tree, want []result, bad []string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: the tree\n%s\n", seed, tr)
	if want != nil {
		fmt.Fprintf(&b, "model: the root %v\n", want[0])
	}
	for _, s := range bad {
		b.WriteString("  " + s + "\n")
	}
	fmt.Fprintf(&b, "reproduce: go test ./internal/proptest -run 'TestTrees$' -seed=%d", seed)
	t.Fatal(b.String())
}

// TestTrees checks -trees random trees of nested nurseries and taskgroup
// calls, or with -seed the one tree of that seed.
func TestTrees(t *testing.T) {
	first, count := *firstFlag, uint64(*treesFlag)
	if *seedFlag != 0 {
		first, count = *seedFlag, 1
	}
	start := time.Now()
	var nodes, rejected, real int
	for seed := first; seed < first+count; seed++ {
		tr, want, attempts := treeFor(seed, defaultGen)
		nodes += len(tr.nodes)
		rejected += attempts
		if tr.realTime {
			real++
		}
		if bad := checkTree(t, tr, want); len(bad) > 0 {
			report(t, seed, tr, want, bad)
		}
		if *seedFlag != 0 && testing.Verbose() {
			t.Logf("seed %d:\n%s\nmodel: the root %v", seed, tr, want)
		}
	}
	t.Logf("%d trees (%d in real time), seeds %d to %d, %d nodes, %d drawn again for ties, in %v",
		count, real, first, first+count-1, nodes, rejected, time.Since(start).Round(time.Millisecond))
}

// FuzzTrees drives the generator from the fuzzer's input: a seed and the
// bounds of the tree's shape.
func FuzzTrees(f *testing.F) {
	// More inputs are in testdata/fuzz/FuzzTrees.
	f.Add(uint64(1), uint8(5), uint8(20), uint8(120))
	f.Fuzz(func(t *testing.T, seed uint64, depth, fanout, nodes uint8) {
		cfg := genConfig{
			maxDepth:  int(depth % 6),
			maxFanout: int(fanout % 21),
			maxNodes:  1 + int(nodes%160),
		}
		tr, want, _ := treeFor(seed, cfg)
		if bad := checkTree(t, tr, want); len(bad) > 0 {
			report(t, seed, tr, want, bad)
		}
	})
}
