package durable_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoped-go/scoped/durable"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Map starts the activities of a function made by Activity from its own
// coroutine, with none per call. These tests hold that path to the rules
// that the coroutine per call keeps (the tests of Map with other
// functions).

type point struct{ X, Y int }

type label string

func Scale(_ context.Context, p point) ([]byte, error) { return []byte(fmt.Sprint(p.X * p.Y)), nil }

// TestActivityIsRecognized: every function Activity makes is recognized,
// whatever its types and however the activity is named; no other function
// is, and none is called to find out.
func TestActivityIsRecognized(t *testing.T) {
	mustRun(t, func(ctx workflow.Context) error {
		yes := map[string]bool{
			"string->int":        durable.IsActivity(ctx, durable.Activity[string, int](Fetch, noRetry)),
			"by name":            durable.IsActivity(ctx, durable.Activity[string, int]("Fetch", noRetry)),
			"struct->[]byte":     durable.IsActivity(ctx, durable.Activity[point, []byte](Scale, noRetry)),
			"named type->string": durable.IsActivity(ctx, durable.Activity[label, string]("Label", noRetry)),
			"pointer->any":       durable.IsActivity(ctx, durable.Activity[*point, any]("Any", noRetry)),
		}
		for name, ok := range yes {
			if !ok {
				t.Errorf("Activity's %s function is not recognized", name)
			}
		}
		act := durable.Activity[string, int](Fetch, noRetry)
		no := map[string]func(workflow.Context, string) (int, error){
			"a function": func(workflow.Context, string) (int, error) {
				t.Error("a plain function was called")
				return 0, nil
			},
			"a wrapper of an Activity function": func(ctx workflow.Context, s string) (int, error) {
				t.Error("a wrapper was called")
				return act(ctx, s)
			},
		}
		for name, fn := range no {
			if durable.IsActivity(ctx, fn) {
				t.Errorf("%s is recognized as made by Activity", name)
			}
		}
		return nil
	})
}

// gate holds each activity until limit run at once (or every call has
// started), and records the most that ran at once and which inputs ran.
type gate struct {
	limit, total int

	mu       sync.Mutex
	cond     *sync.Cond
	running  int
	started  int
	released int // bumped each time limit run at once: releases the waiters
	max      int
	inputs   []int
}

func newGate(limit, total int) *gate {
	g := &gate{limit: limit, total: total}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gate) Hold(_ context.Context, i int) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running++
	g.started++
	g.max = max(g.max, g.running)
	g.inputs = append(g.inputs, i)
	gen := g.released
	if g.running == g.limit || g.started == g.total {
		g.released++
		g.cond.Broadcast()
	}
	// The workflow starts another call whenever fewer than limit run, so
	// the count reaches limit again unless the inputs have run out.
	for g.released == gen && g.started < g.total {
		g.cond.Wait()
	}
	g.running--
	return i * 10, nil
}

// TestMapActivityLimitInFlight: with Limit(3), exactly three activities
// run at once, never more, and the results are in input order.
func TestMapActivityLimitInFlight(t *testing.T) {
	g := newGate(3, 10)
	in := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	var out []int
	err := execute(t, func(ctx workflow.Context) error {
		var err error
		out, err = durable.Map(ctx, in, durable.Activity[int, int](g.Hold, noRetry), durable.Limit(3))
		return err
	}, func(env *testsuite.TestWorkflowEnvironment) { env.RegisterActivity(g) })
	if err != nil || fmt.Sprint(out) != "[0 10 20 30 40 50 60 70 80 90]" {
		t.Errorf("Map = %v, %v; want [0 10 ... 90]", out, err)
	}
	if g.max != 3 || len(g.inputs) != 10 {
		t.Errorf("at most %d ran at once over %d calls, want 3 over 10", g.max, len(g.inputs))
	}
}

// Canceler is an activity: input fail fails once the others run; the
// others heartbeat until their context is canceled, and report it.
type Canceler struct {
	fail     int
	waiting  chan int // an input that heartbeats
	canceled chan int // an input whose context was canceled
	started  chan int // every input, as it starts
}

func newCanceler(fail, n int) *Canceler {
	return &Canceler{fail: fail, waiting: make(chan int, n), canceled: make(chan int, n), started: make(chan int, n)}
}

func (c *Canceler) Run(ctx context.Context, i int) (int, error) {
	c.started <- i
	if i == c.fail {
		for range cap(c.waiting) - 1 {
			<-c.waiting // every other call is running
		}
		return 0, errBoom
	}
	c.waiting <- i
	for {
		activity.RecordHeartbeat(ctx)
		select {
		case <-ctx.Done():
			c.canceled <- i
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// heartbeating is noRetry with a heartbeat timeout, so that a canceled
// activity learns of it with its next heartbeat.
func heartbeating() workflow.ActivityOptions {
	opts := noRetry
	opts.HeartbeatTimeout = 100 * time.Millisecond
	return opts
}

// TestMapActivityFailureCancelsTheOthers: one activity's failure cancels
// the others' (they see it through their heartbeats); their
// CanceledErrors are echoes, so Map returns the failure alone.
func TestMapActivityFailureCancelsTheOthers(t *testing.T) {
	c := newCanceler(3, 4)
	var runErr error
	_ = execute(t, func(ctx workflow.Context) error {
		_, runErr = durable.Map(ctx, []int{0, 1, 2, 3}, durable.Activity[int, int](c.Run, heartbeating()))
		return nil
	}, func(env *testsuite.TestWorkflowEnvironment) { env.RegisterActivity(c) })
	if !isActivityFailure(runErr, "boom") {
		t.Errorf("Map's error = %v, want the failing activity's error alone", runErr)
	}
	if got := drain(t, c.canceled, 3); fmt.Sprint(got) != "[0 1 2]" {
		t.Errorf("canceled activities = %v, want [0 1 2]", got)
	}
}

// TestMapActivityStopsStartingWhenCanceled: with a limit, no activity
// starts after a failure.
func TestMapActivityStopsStartingWhenCanceled(t *testing.T) {
	c := newCanceler(1, 2)
	var runErr error
	_ = execute(t, func(ctx workflow.Context) error {
		_, runErr = durable.Map(ctx, []int{0, 1, 2, 3, 4, 5}, durable.Activity[int, int](c.Run, heartbeating()), durable.Limit(2))
		return nil
	}, func(env *testsuite.TestWorkflowEnvironment) { env.RegisterActivity(c) })
	if !isActivityFailure(runErr, "boom") {
		t.Errorf("Map's error = %v, want the failing activity's error alone", runErr)
	}
	drain(t, c.canceled, 1)
	close(c.started)
	var started []int
	for i := range c.started {
		started = append(started, i)
	}
	slices.Sort(started)
	if fmt.Sprint(started) != "[0 1]" {
		t.Errorf("started = %v, want [0 1]", started)
	}
}

// TestMapActivityWorkflowCanceled: when the workflow is canceled, its
// activities are canceled and Map returns the workflow's cancellation, a
// CanceledError.
func TestMapActivityWorkflowCanceled(t *testing.T) {
	c := newCanceler(-1, 3)
	var runErr error
	_ = execute(t, func(ctx workflow.Context) error {
		_, runErr = durable.Map(ctx, []int{0, 1, 2}, durable.Activity[int, int](c.Run, heartbeating()))
		return nil
	}, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterActivity(c)
		env.RegisterDelayedCallback(func() {
			for range 3 {
				<-c.waiting // all three run
			}
			env.CancelWorkflow()
		}, time.Second)
	})
	if !temporal.IsCanceledError(runErr) {
		t.Errorf("Map's error = %v, want a CanceledError", runErr)
	}
	drain(t, c.canceled, 3)
}

// TestMapActivitySupervised: under Supervise every activity runs and
// every failure is returned, joined, in input order.
func TestMapActivitySupervised(t *testing.T) {
	var runErr error
	var calls []string
	_ = execute(t, func(ctx workflow.Context) error {
		_, runErr = durable.Map(ctx, []string{"a", "bb", "ccc", "dddd"}, durable.Activity[string, int](Fetch, noRetry), durable.Supervise(), durable.Limit(2))
		return nil
	}, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterActivity(Fetch)
		var mu sync.Mutex
		call := func(s string, err error) func(context.Context, string) (int, error) {
			return func(context.Context, string) (int, error) {
				mu.Lock()
				calls = append(calls, s)
				mu.Unlock()
				return len(s), err
			}
		}
		env.OnActivity(Fetch, mockAny, "a").Return(call("a", errBoom)).Once()
		env.OnActivity(Fetch, mockAny, "bb").Return(call("bb", nil)).Once()
		env.OnActivity(Fetch, mockAny, "ccc").Return(call("ccc", errOther)).Once()
		env.OnActivity(Fetch, mockAny, "dddd").Return(call("dddd", nil)).Once()
	})
	// Joined in the order the activities ended, which the test
	// environment's goroutines decide.
	joined, ok := runErr.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) != 2 {
		t.Fatalf("Map's error = %v, want boom and other, joined", runErr)
	}
	a, b := joined.Unwrap()[0], joined.Unwrap()[1]
	if !(isActivityFailure(a, "boom") && isActivityFailure(b, "other")) && !(isActivityFailure(a, "other") && isActivityFailure(b, "boom")) {
		t.Errorf("Map's error = %v, want boom and other, joined", runErr)
	}
	if len(calls) != 4 {
		t.Errorf("calls = %v, want all four", calls)
	}
}

// panicky panics decoding the payload "undecodable": a data converter's
// bug.
type panicky struct{ converter.DataConverter }

func (p panicky) FromPayload(payload *commonpb.Payload, valuePtr any) error {
	if string(payload.GetData()) == `"undecodable"` {
		panic("cannot decode")
	}
	return p.DataConverter.FromPayload(payload, valuePtr)
}

func (p panicky) FromPayloads(payloads *commonpb.Payloads, valuePtrs ...any) error {
	for i, pl := range payloads.GetPayloads() {
		if i < len(valuePtrs) {
			if err := p.FromPayload(pl, valuePtrs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Echo returns its input, or "undecodable" for "panic".
func Echo(_ context.Context, s string) (string, error) {
	if s == "panic" {
		return "undecodable", nil
	}
	return s, nil
}

// TestMapActivityDecodePanic: a panic reading a result (in the data
// converter) is raised by Map as a PanicError, not lost. (That Map waits
// for the other activities first, the test environment cannot show: it
// resolves a canceled activity at once. The server test shows Map waiting
// for canceled activities.)
func TestMapActivityDecodePanic(t *testing.T) {
	var p any
	var out []string
	err := execute(t, func(ctx workflow.Context) error {
		defer func() { p = recover() }()
		var err error
		out, err = durable.Map(ctx, []string{"a", "panic", "b"}, durable.Activity[string, string](Echo, noRetry))
		return err
	}, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterActivity(Echo)
		env.SetDataConverter(panicky{converter.GetDefaultDataConverter()})
	})
	if err != nil {
		t.Fatal(err)
	}
	pe, ok := p.(*durable.PanicError)
	if !ok || pe.Value != "cannot decode" {
		t.Fatalf("Map panicked with %v (%T), want a *durable.PanicError of the converter's panic", p, p)
	}
	// The call's panic, as a task's, not the body's: the activities in
	// flight are still read and the panic raised after them.
	if !strings.HasPrefix(pe.Error(), "durable: task panicked: cannot decode") {
		t.Errorf("PanicError = %q..., want a task's panic", strings.SplitN(pe.Error(), "\n", 2)[0])
	}
	if out != nil {
		t.Errorf("Map returned %v", out)
	}
}

// drain receives n values from ch, sorted, or fails the test when the
// activities take longer than the test may.
func drain(t *testing.T, ch chan int, n int) []int {
	t.Helper()
	timeout := time.After(time.Until(deadline(t)))
	var got []int
	for range n {
		select {
		case i := <-ch:
			got = append(got, i)
		case <-timeout:
			t.Fatalf("got %v of %d activities", got, n)
		}
	}
	slices.Sort(got)
	return got
}
