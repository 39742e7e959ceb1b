package nursery_test

import (
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
	"go.uber.org/goleak"
)

// TestMain runs the tests, and with SCOPED_TRACK=1 in the environment runs
// them all with an inspect tracker added: the tracked mode, in which every
// nursery reports to an instrument and every guarantee must still hold.
// SCOPED_LIMIT_MODE=ring or =handoff makes every limited nursery hand its
// tasks to its workers in that mode, whatever its limit (see limitModes).
func TestMain(m *testing.M) {
	if v := os.Getenv("SCOPED_TRACK"); v != "" && v != "0" {
		inspect.Track()
	}
	if v := os.Getenv("SCOPED_LIMIT_MODE"); v != "" {
		max, ok := limitModes[v]
		if !ok {
			fmt.Fprintf(os.Stderr, "SCOPED_LIMIT_MODE=%q: want ring or handoff\n", v)
			os.Exit(2)
		}
		nursery.SetHandoffMax(max)
	}
	handoffMaxAtStart = nursery.HandoffMax()
	goleak.VerifyTestMain(m)
}

// handoffMaxAtStart is the limit mode that every test not run by
// inBothLimitModes runs in: see TestLimitModeIsAsConfigured.
var handoffMaxAtStart int64

// limitModes maps the two ways a limited nursery hands its tasks to its
// workers to the largest limit that uses handoff mode: with no Queue, a
// limit up to it hands over on a channel, and one above it goes through
// the ring. Their contract is the same.
var limitModes = map[string]int64{"ring": 0, "handoff": math.MaxInt64}

// inBothLimitModes runs f as two subtests, in which every limited nursery
// that Run starts uses the ring and handoff mode.
func inBothLimitModes(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, mode := range []string{"ring", "handoff"} {
		t.Run(mode, func(t *testing.T) {
			defer nursery.SetHandoffMax(limitModes[mode])()
			f(t)
		})
	}
}
