package timeout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/cancel"
	"github.com/scoped-go/scoped/timeout"
)

var (
	errA = errors.New("a failed")
	errB = errors.New("b canceled it")
)

// parents, by name, each made inside a bubble at time 0.
var parents = map[string]func() (context.Context, func()){
	"none": func() (context.Context, func()) { return context.Background(), func() {} },
	"deadline 1s": func() (context.Context, func()) {
		return context.WithTimeout(context.Background(), time.Second)
	},
	"deadline 1s with cause errB": func() (context.Context, func()) {
		return context.WithTimeoutCause(context.Background(), time.Second, errB)
	},
	"canceled at 1s with cause errB": func() (context.Context, func()) {
		ctx, cancelCtx := context.WithCancelCause(context.Background())
		time.AfterFunc(time.Second, func() { cancelCtx(errB) })
		return ctx, func() { cancelCtx(nil) }
	},
	"canceled before with cause errB": func() (context.Context, func()) {
		ctx, cancelCtx := context.WithCancelCause(context.Background())
		cancelCtx(errB)
		return ctx, func() {}
	},
}

// work returns a fn that works for w, ignoring ctx, then returns ret(ctx).
func work(w time.Duration, ret func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		time.Sleep(w)
		return ret(ctx)
	}
}

// untilDone returns a fn that waits for ctx to end, then returns ret(ctx).
func untilDone(ret func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		<-ctx.Done()
		return ret(ctx)
	}
}

func fixed(err error) func(context.Context) error {
	return func(context.Context) error { return err }
}

func ctxErr(ctx context.Context) error   { return ctx.Err() }
func ctxCause(ctx context.Context) error { return context.Cause(ctx) }
func wrappedErr(ctx context.Context) error {
	return fmt.Errorf("query: %w", ctx.Err())
}
func wrappedCause(ctx context.Context) error {
	return fmt.Errorf("query: %w", context.Cause(ctx))
}

// What a call must return.
type outcome int

const (
	isNil         outcome = iota
	isFnErr               // exactly the error fn returned
	isParentCause         // exactly context.Cause(parent)
	isTimeout             // matches ErrTimeout and DeadlineExceeded and wraps fn's error
)

func (o outcome) String() string {
	return [...]string{"nil", "fn's error", "the parent's cause", "a timeout error"}[o]
}

var mappingTests = []struct {
	name    string
	parent  string
	d       time.Duration
	fn      func(context.Context) error
	run     outcome // for Run and Value
	runMsg  string  // err.Error() from Run, when run is isTimeout
	expired bool    // from MoveOn
	moveOn  outcome // MoveOn's err
}{
	{
		name: "fn succeeds in time", parent: "none", d: 2 * time.Second,
		fn:  work(time.Second, fixed(nil)),
		run: isNil, expired: false, moveOn: isNil,
	},
	{
		name: "fn fails in time", parent: "none", d: 2 * time.Second,
		fn:  work(time.Second, fixed(errA)),
		run: isFnErr, expired: false, moveOn: isFnErr,
	},
	{
		name: "own deadline, fn echoes ctx.Err()", parent: "none", d: 2 * time.Second,
		fn:  untilDone(ctxErr),
		run: isTimeout, runMsg: "timeout: exceeded 2s",
		expired: true, moveOn: isNil,
	},
	{
		name: "own deadline, fn echoes the cause", parent: "none", d: 2 * time.Second,
		fn:  untilDone(ctxCause),
		run: isFnErr, expired: true, moveOn: isNil,
	},
	{
		name: "own deadline, fn wraps ctx.Err()", parent: "none", d: 2 * time.Second,
		fn:  untilDone(wrappedErr),
		run: isTimeout, runMsg: "timeout: exceeded 2s: query: context deadline exceeded",
		expired: true, moveOn: isNil,
	},
	{
		name: "own deadline, fn wraps the cause", parent: "none", d: 2 * time.Second,
		fn:  untilDone(wrappedCause),
		run: isFnErr, expired: true, moveOn: isNil,
	},
	{
		name: "fn fails after its deadline", parent: "none", d: 2 * time.Second,
		fn:  work(3*time.Second, fixed(errA)),
		run: isTimeout, runMsg: "timeout: exceeded 2s: a failed",
		expired: true, moveOn: isFnErr,
	},
	{
		name: "fn returns nil after its deadline", parent: "none", d: 2 * time.Second,
		fn:  work(3*time.Second, fixed(nil)),
		run: isNil, expired: true, moveOn: isNil,
	},
	{
		name: "own deadline under a later parent deadline", parent: "deadline 1s", d: 500 * time.Millisecond,
		fn:  untilDone(ctxErr),
		run: isTimeout, runMsg: "timeout: exceeded 500ms",
		expired: true, moveOn: isNil,
	},
	{
		name: "parent deadline, fn echoes ctx.Err()", parent: "deadline 1s", d: 2 * time.Second,
		fn:  untilDone(ctxErr),
		run: isParentCause, expired: false, moveOn: isParentCause,
	},
	{
		name: "parent deadline with a cause, fn echoes ctx.Err()", parent: "deadline 1s with cause errB", d: 2 * time.Second,
		fn:  untilDone(ctxErr),
		run: isParentCause, expired: false, moveOn: isParentCause,
	},
	{
		name: "parent deadline, fn fails after it", parent: "deadline 1s", d: 2 * time.Second,
		fn:  work(3*time.Second, fixed(errA)),
		run: isFnErr, expired: false, moveOn: isFnErr,
	},
	{
		name: "parent cancel with a cause, fn echoes ctx.Err()", parent: "canceled at 1s with cause errB", d: 2 * time.Second,
		fn:  untilDone(ctxErr),
		run: isParentCause, expired: false, moveOn: isParentCause,
	},
	{
		name: "parent cancel with a cause, fn echoes the cause", parent: "canceled at 1s with cause errB", d: 2 * time.Second,
		fn:  untilDone(ctxCause),
		run: isParentCause, expired: false, moveOn: isParentCause,
	},
	{
		name: "parent cancel with a cause, fn wraps ctx.Err()", parent: "canceled at 1s with cause errB", d: 2 * time.Second,
		fn:  untilDone(wrappedErr),
		run: isParentCause, expired: false, moveOn: isParentCause,
	},
	{
		name: "parent cancel with a cause, fn fails on its own", parent: "canceled at 1s with cause errB", d: 2 * time.Second,
		fn:  untilDone(fixed(errA)),
		run: isFnErr, expired: false, moveOn: isFnErr,
	},
	{
		name: "parent cancel with a cause, fn returns nil", parent: "canceled at 1s with cause errB", d: 2 * time.Second,
		fn:  untilDone(fixed(nil)),
		run: isNil, expired: false, moveOn: isNil,
	},
	{
		name: "parent done before the call", parent: "canceled before with cause errB", d: 0,
		fn:  ctxErr,
		run: isParentCause, expired: false, moveOn: isParentCause,
	},
	{
		name: "d zero, fn echoes ctx.Err()", parent: "none", d: 0,
		fn:  ctxErr,
		run: isTimeout, runMsg: "timeout: exceeded 0s",
		expired: true, moveOn: isNil,
	},
	{
		name: "d negative, fn fails", parent: "none", d: -time.Second,
		fn:  fixed(errA),
		run: isTimeout, runMsg: "timeout: exceeded -1s: a failed",
		expired: true, moveOn: isFnErr,
	},
	{
		name: "d zero, fn returns nil", parent: "none", d: 0,
		fn:  fixed(nil),
		run: isNil, expired: true, moveOn: isNil,
	},
	{
		name: "a nested timeout's error passes through", parent: "none", d: 2 * time.Second,
		fn: func(ctx context.Context) error {
			return timeout.Run(ctx, time.Second, untilDone(ctxErr))
		},
		run: isFnErr, expired: false, moveOn: isFnErr,
	},
}

// checkOutcome checks err, what call returned, against want.
func checkOutcome(t *testing.T, call string, err error, want outcome, msg string, fnErr, parentCause error) {
	t.Helper()
	switch want {
	case isNil:
		if err != nil {
			t.Errorf("%s = %v, want nil", call, err)
		}
	case isFnErr:
		if err != fnErr {
			t.Errorf("%s = %v, want fn's error %v", call, err, fnErr)
		}
	case isParentCause:
		if err != parentCause {
			t.Errorf("%s = %v, want the parent's cause %v", call, err, parentCause)
		}
	case isTimeout:
		if err == nil {
			t.Fatalf("%s = nil, want %s", call, want)
		}
		if got := err.Error(); got != msg {
			t.Errorf("%s = %q, want %q", call, got, msg)
		}
		for _, target := range []error{timeout.ErrTimeout, context.DeadlineExceeded, fnErr} {
			if !errors.Is(err, target) {
				t.Errorf("errors.Is(%s, %v) = false, want true", call, target)
			}
		}
		var te *timeout.Error
		if !errors.As(err, &te) {
			t.Errorf("errors.As(%s, *timeout.Error) = false, want true", call)
		}
	}
	if want != isTimeout && want != isFnErr && errors.Is(err, timeout.ErrTimeout) {
		t.Errorf("errors.Is(%s, ErrTimeout) = true for %v, want false", call, err)
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tt := range mappingTests {
		t.Run(tt.name, func(t *testing.T) {
			// Each entry point runs in its own bubble, from time 0.
			type result struct {
				expired bool
				err     error
				fnErr   error
			}
			call := func(entry func(context.Context, func(context.Context) error) (bool, error)) (result, error) {
				var r result
				var parentCause error
				synctest.Test(t, func(t *testing.T) {
					parent, stop := parents[tt.parent]()
					defer stop()
					r.expired, r.err = entry(parent, func(ctx context.Context) error {
						r.fnErr = tt.fn(ctx)
						return r.fnErr
					})
					parentCause = context.Cause(parent)
				})
				return r, parentCause
			}

			r, pc := call(func(ctx context.Context, fn func(context.Context) error) (bool, error) {
				return false, timeout.Run(ctx, tt.d, fn)
			})
			checkOutcome(t, "Run", r.err, tt.run, tt.runMsg, r.fnErr, pc)

			r, pc = call(func(ctx context.Context, fn func(context.Context) error) (bool, error) {
				v, err := timeout.Value(ctx, tt.d, func(ctx context.Context) (string, error) {
					return "result", fn(ctx)
				})
				if v != "result" {
					t.Errorf("Value returned %q, want fn's result %q", v, "result")
				}
				return false, err
			})
			checkOutcome(t, "Value", r.err, tt.run, tt.runMsg, r.fnErr, pc)

			r, pc = call(func(ctx context.Context, fn func(context.Context) error) (bool, error) {
				return timeout.MoveOn(ctx, tt.d, fn)
			})
			if r.expired != tt.expired {
				t.Errorf("MoveOn expired = %v, want %v", r.expired, tt.expired)
			}
			checkOutcome(t, "MoveOn err", r.err, tt.moveOn, "", r.fnErr, pc)

			r, pc = call(func(ctx context.Context, fn func(context.Context) error) (bool, error) {
				return false, timeout.Wrap(tt.d, fn)(ctx)
			})
			checkOutcome(t, "Wrap(d, fn)(ctx)", r.err, tt.run, tt.runMsg, r.fnErr, pc)
		})
	}
}

func TestOwnDeadlineCauseIsErrTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 3 * time.Second
		start := time.Now()
		timeout.Run(context.Background(), d, func(ctx context.Context) error {
			if dl, ok := ctx.Deadline(); !ok || !dl.Equal(start.Add(d)) {
				t.Errorf("ctx.Deadline() = %v, %v, want %v, true", dl, ok, start.Add(d))
			}
			<-ctx.Done()
			if got := time.Since(start); got != d {
				t.Errorf("fn's context ended after %v, want %v", got, d)
			}
			if got, want := ctx.Err(), context.DeadlineExceeded; got != want {
				t.Errorf("ctx.Err() = %v, want %v", got, want)
			}
			cause := context.Cause(ctx)
			if !errors.Is(cause, timeout.ErrTimeout) {
				t.Errorf("errors.Is(Cause(ctx), ErrTimeout) = false for %v, want true", cause)
			}
			if !cancel.IsCancellation(cause) {
				t.Errorf("IsCancellation(Cause(ctx)) = false for %v, want true", cause)
			}
			var te *timeout.Error
			if !errors.As(cause, &te) || te.Limit != d {
				t.Errorf("Cause(ctx) = %#v, want a *timeout.Error with Limit %v", cause, d)
			}
			return nil
		})
	})
}

func TestParentDeadlineIsNotErrTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithTimeout(context.Background(), time.Second)
		defer cancelParent()
		timeout.Run(parent, time.Hour, func(ctx context.Context) error {
			<-ctx.Done()
			if cause := context.Cause(ctx); errors.Is(cause, timeout.ErrTimeout) {
				t.Errorf("errors.Is(Cause(ctx), ErrTimeout) = true for %v, want false", cause)
			}
			return nil
		})
	})
}

// goid returns the current goroutine's id.
func goid() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := bytes.Cut(bytes.TrimPrefix(buf, []byte("goroutine ")), []byte(" "))
	return string(id)
}

func TestFnRunsInTheCallersGoroutine(t *testing.T) {
	caller := goid()
	calls := map[string]func(fn func(context.Context) error){
		"Run":    func(fn func(context.Context) error) { timeout.Run(context.Background(), time.Hour, fn) },
		"MoveOn": func(fn func(context.Context) error) { timeout.MoveOn(context.Background(), time.Hour, fn) },
		"Wrap":   func(fn func(context.Context) error) { timeout.Wrap(time.Hour, fn)(context.Background()) },
		"Value": func(fn func(context.Context) error) {
			timeout.Value(context.Background(), time.Hour, func(ctx context.Context) (int, error) { return 0, fn(ctx) })
		},
	}
	for name, call := range calls {
		var got string
		call(func(context.Context) error { got = goid(); return nil })
		if got != caller {
			t.Errorf("%s ran fn on goroutine %s, want the caller's %s", name, got, caller)
		}
	}
}

func TestPanicInFnReachesTheCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fnCtx context.Context
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("recover() = %v, want %q", r, "boom")
				}
			}()
			timeout.Run(context.Background(), time.Hour, func(ctx context.Context) error {
				fnCtx = ctx
				panic("boom")
			})
		}()
		// The panic did not leave fn's context running until its deadline.
		if got, want := fnCtx.Err(), context.Canceled; got != want {
			t.Errorf("fn's ctx.Err() after the panic = %v, want %v", got, want)
		}
	})
}

func TestRunStopsItsTimer(t *testing.T) {
	var fnCtx context.Context
	timeout.Run(context.Background(), time.Hour, func(ctx context.Context) error {
		fnCtx = ctx
		return nil
	})
	if got, want := fnCtx.Err(), context.Canceled; got != want {
		t.Errorf("fn's ctx.Err() after Run returned = %v, want %v", got, want)
	}
}

func TestWrapCountsFromEachCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 2 * time.Second
		var elapsed []time.Duration
		w := timeout.Wrap(d, func(ctx context.Context) error {
			start := time.Now()
			<-ctx.Done()
			elapsed = append(elapsed, time.Since(start))
			return ctx.Err()
		})
		time.Sleep(5 * time.Second) // longer than d: a deadline set at Wrap would have passed
		for range 2 {
			if err := w(context.Background()); !errors.Is(err, timeout.ErrTimeout) {
				t.Errorf("w(ctx) = %v, want an error that is ErrTimeout", err)
			}
		}
		if len(elapsed) != 2 || elapsed[0] != d || elapsed[1] != d {
			t.Errorf("each call's context ended after %v, want %v each", elapsed, d)
		}
	})
}

func TestMisusePanics(t *testing.T) {
	ok := func(context.Context) error { return nil }
	tests := []struct {
		name string
		call func()
		want string
	}{
		//lint:file-ignore SA1012 the nil Contexts are the point
		{"Run nil ctx", func() { timeout.Run(nil, time.Second, ok) }, "nil Context"},
		{"Run nil fn", func() { timeout.Run(context.Background(), time.Second, nil) }, "nil fn"},
		{"Value nil ctx", func() {
			timeout.Value(nil, time.Second, func(context.Context) (int, error) { return 0, nil })
		}, "nil Context"},
		{"Value nil fn", func() { timeout.Value[int](context.Background(), time.Second, nil) }, "nil fn"},
		{"MoveOn nil ctx", func() { timeout.MoveOn(nil, time.Second, ok) }, "nil Context"},
		{"MoveOn nil fn", func() { timeout.MoveOn(context.Background(), time.Second, nil) }, "nil fn"},
		{"Wrap nil fn", func() { timeout.Wrap(time.Second, nil) }, "nil fn"},
		{"wrapped nil ctx", func() { timeout.Wrap(time.Second, ok)(nil) }, "nil Context"},
		{"Reserve nil ctx", func() { timeout.Reserve(nil, time.Second) }, "nil Context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg := fmt.Sprint(r)
				if r == nil || !strings.HasPrefix(msg, "timeout: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %v, want a message starting %q and mentioning %q", r, "timeout: ", tt.want)
				}
			}()
			tt.call()
		})
	}
}

func TestStartsNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	var during []int
	count := func(context.Context) error {
		during = append(during, runtime.NumGoroutine())
		return nil
	}
	timeout.Run(context.Background(), time.Hour, count)
	timeout.MoveOn(context.Background(), time.Hour, count)
	timeout.Wrap(time.Hour, count)(context.Background())
	timeout.Value(context.Background(), time.Hour, func(ctx context.Context) (int, error) { return 0, count(ctx) })
	for i, n := range during {
		if n > before {
			t.Errorf("goroutines during call %d = %d, want at most %d as before the call", i, n, before)
		}
	}
}
