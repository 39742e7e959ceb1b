package durable_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/workflow"
)

// The cost of durable.Map against the fan-out a workflow author writes by
// hand with a selector: the same activities, the same limit, the same
// first-failure cancellation, in the SDK's test environment (each
// iteration a new environment running the workflow to its end). Run with
//
//	go test -run '^$' -bench FanOut -count 6 | benchstat -col /impl -
//
// Both sub-benchmarks run in every round, so that their ratio is measured
// in one run.
func BenchmarkFanOut(b *testing.B) {
	const items, limit = 100, 10
	in := make([]string, items)
	for i := range in {
		in[i] = "item"
	}
	impls := []struct {
		name string
		wf   func(ctx workflow.Context) ([]int, error)
	}{
		{"durable.Map", func(ctx workflow.Context) ([]int, error) {
			return durable.Map(ctx, in, durable.Activity[string, int](Fetch, noRetry), durable.Limit(limit))
		}},
		{"selector", func(ctx workflow.Context) ([]int, error) {
			return selectorFanOut(ctx, in, limit)
		}},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				env := newEnv(nil)
				env.RegisterActivity(Fetch)
				env.RegisterWorkflowWithOptions(impl.wf, workflow.RegisterOptions{Name: "fanout"})
				env.ExecuteWorkflow("fanout")
				var out []int
				if err := env.GetWorkflowResult(&out); err != nil || len(out) != items || out[items-1] != 4 {
					b.Fatalf("%s = %v, %v", impl.name, out, err)
				}
			}
			// CPU time is less at the mercy of other processes on a
			// shared machine than the wall time of ns/op.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// selectorFanOut is the hand-written fan-out: at most limit activities in
// flight, a selector to wait for the next to finish, the first failure
// canceling the others and waiting for them.
func selectorFanOut(ctx workflow.Context, in []string, limit int) ([]int, error) {
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	actx := workflow.WithActivityOptions(ctx, noRetry)
	out := make([]int, len(in))
	sel := workflow.NewSelector(ctx)
	var firstErr error
	next, inFlight := 0, 0
	for {
		for firstErr == nil && next < len(in) && inFlight < limit {
			i := next
			next++
			inFlight++
			sel.AddFuture(workflow.ExecuteActivity(actx, Fetch, in[i]), func(f workflow.Future) {
				inFlight--
				if err := f.Get(ctx, &out[i]); err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
			})
		}
		if inFlight == 0 {
			break
		}
		sel.Select(ctx)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// cpuTime is the CPU time the process has used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
