package cancel_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/cancel"
)

var (
	errA = errors.New("a failed")
	errB = errors.New("b failed")
	errC = errors.New("c failed")
)

func TestMergeCauseIsTheEndingInputsCause(t *testing.T) {
	tests := []struct {
		name string
		end  int // index of the input to cancel: 0 is ctx
	}{
		{name: "ctx", end: 0},
		{name: "first other", end: 1},
		{name: "last other", end: 2},
	}
	causes := []error{errA, errB, errC}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var ins []context.Context
				var cancels []context.CancelCauseFunc
				for range 3 {
					c, cancelIn := context.WithCancelCause(context.Background())
					defer cancelIn(nil)
					ins = append(ins, c)
					cancels = append(cancels, cancelIn)
				}
				m, release := cancel.Merge(ins[0], ins[1:]...)
				defer release()

				synctest.Wait()
				if err := m.Err(); err != nil {
					t.Fatalf("Err() before any input ended = %v, want nil", err)
				}
				cancels[tt.end](causes[tt.end])
				<-m.Done()
				for i, c := range cancels {
					c(causes[i]) // later inputs must not change the outcome
				}
				synctest.Wait()
				if got, want := context.Cause(m), causes[tt.end]; got != want {
					t.Errorf("Cause(m) = %v, want %v", got, want)
				}
				if got, want := m.Err(), context.Canceled; got != want {
					t.Errorf("Err() = %v, want %v", got, want)
				}
			})
		})
	}
}

func TestMergeAlreadyDoneInputEndsItBeforeReturn(t *testing.T) {
	live := func() context.Context { return context.Background() }
	done := func(cause error) context.Context {
		c, cancelIn := context.WithCancelCause(context.Background())
		cancelIn(cause)
		return c
	}
	expired := func(cause error) context.Context {
		c, cancelIn := context.WithDeadlineCause(context.Background(), time.Now().Add(-time.Second), cause)
		cancelIn()
		return c
	}
	tests := []struct {
		name      string
		ctx       context.Context
		others    []context.Context
		wantErr   error
		wantCause error
	}{
		{"ctx done", done(errA), []context.Context{live()}, context.Canceled, errA},
		{"other done", live(), []context.Context{live(), done(errB)}, context.Canceled, errB},
		{"first done in argument order wins", live(), []context.Context{done(errB), done(errC)}, context.Canceled, errB},
		{"ctx before others", done(errA), []context.Context{done(errB)}, context.Canceled, errA},
		{"other past its deadline", live(), []context.Context{expired(errC)}, context.DeadlineExceeded, errC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, release := cancel.Merge(tt.ctx, tt.others...)
			defer release()
			// No waiting: the merge must be done when Merge returns.
			if got := m.Err(); got != tt.wantErr {
				t.Errorf("Err() right after Merge = %v, want %v", got, tt.wantErr)
			}
			if got := context.Cause(m); got != tt.wantCause {
				t.Errorf("Cause(m) right after Merge = %v, want %v", got, tt.wantCause)
			}
			select {
			case <-m.Done():
			default:
				t.Errorf("Done() right after Merge is open, want closed")
			}
		})
	}
}

func TestMergeDeadlineIsTheEarliest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ctx, cancelCtx := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelCtx()
		early, cancelEarly := context.WithTimeoutCause(context.Background(), 2*time.Second, errB)
		defer cancelEarly()
		late, cancelLate := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancelLate()

		m, release := cancel.Merge(ctx, late, context.Background(), early)
		defer release()

		d, ok := m.Deadline()
		if want := start.Add(2 * time.Second); !ok || !d.Equal(want) {
			t.Errorf("Deadline() = %v, %v, want %v, true", d, ok, want)
		}
		<-m.Done()
		if got, want := time.Since(start), 2*time.Second; got != want {
			t.Errorf("merge ended after %v, want %v", got, want)
		}
		if got, want := m.Err(), context.DeadlineExceeded; got != want {
			t.Errorf("Err() = %v, want %v", got, want)
		}
		if got, want := context.Cause(m), errB; got != want {
			t.Errorf("Cause(m) = %v, want %v", got, want)
		}
	})
}

func TestMergeDeadlineOfCtxCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ctx, cancelCtx := context.WithTimeout(context.Background(), time.Second)
		defer cancelCtx()
		late, cancelLate := context.WithTimeout(context.Background(), time.Hour)
		defer cancelLate()

		m, release := cancel.Merge(ctx, late)
		defer release()
		if d, ok := m.Deadline(); !ok || !d.Equal(start.Add(time.Second)) {
			t.Errorf("Deadline() = %v, %v, want %v, true", d, ok, start.Add(time.Second))
		}
		<-m.Done()
		if got, want := time.Since(start), time.Second; got != want {
			t.Errorf("merge ended after %v, want %v", got, want)
		}
		if got, want := m.Err(), context.DeadlineExceeded; got != want {
			t.Errorf("Err() = %v, want %v", got, want)
		}
	})
}

func TestMergeWithoutDeadlines(t *testing.T) {
	m, release := cancel.Merge(context.Background(), context.TODO())
	defer release()
	if d, ok := m.Deadline(); ok {
		t.Errorf("Deadline() = %v, true, want no deadline", d)
	}
}

func TestMergeValuesComeFromCtxOnly(t *testing.T) {
	ctx := context.WithValue(context.Background(), key("who"), "ctx")
	other := context.WithValue(context.Background(), key("who"), "other")
	other = context.WithValue(other, key("only-other"), "other")

	m, release := cancel.Merge(ctx, other)
	defer release()
	if got, want := m.Value(key("who")), "ctx"; got != want {
		t.Errorf("Value(who) = %v, want %v", got, want)
	}
	if got := m.Value(key("only-other")); got != nil {
		t.Errorf("Value(only-other) = %v, want nil", got)
	}
}

func TestMergeErrMatchesCauseWhenInputsEndTogether(t *testing.T) {
	// Input a is canceled with cause errA at the very instant input b
	// passes its deadline. Whichever wins, Err and Cause must tell the
	// same story.
	for range 50 {
		synctest.Test(t, func(t *testing.T) {
			a, cancelA := context.WithCancelCause(context.Background())
			defer cancelA(nil)
			b, cancelB := context.WithTimeout(context.Background(), time.Second)
			defer cancelB()
			time.AfterFunc(time.Second, func() { cancelA(errA) })

			m, release := cancel.Merge(a, b)
			defer release()
			<-m.Done()
			switch cause := context.Cause(m); cause {
			case errA:
				if got, want := m.Err(), context.Canceled; got != want {
					t.Errorf("Err() with Cause(m) = %v is %v, want %v", cause, got, want)
				}
			case context.DeadlineExceeded:
				if got, want := m.Err(), context.DeadlineExceeded; got != want {
					t.Errorf("Err() with Cause(m) = %v is %v, want %v", cause, got, want)
				}
			default:
				t.Errorf("Cause(m) = %v, want %v or %v", cause, errA, context.DeadlineExceeded)
			}
		})
	}
}

func TestMergeReleaseCancelsTheMergeOnly(t *testing.T) {
	ctx, cancelCtx := context.WithCancel(context.Background())
	defer cancelCtx()
	other, cancelOther := context.WithCancel(context.Background())
	defer cancelOther()

	m, release := cancel.Merge(ctx, other)
	release()
	release() // a second call does nothing
	if got, want := m.Err(), context.Canceled; got != want {
		t.Errorf("Err() after release = %v, want %v", got, want)
	}
	if got, want := context.Cause(m), context.Canceled; got != want {
		t.Errorf("Cause(m) after release = %v, want %v", got, want)
	}
	if err := ctx.Err(); err != nil {
		t.Errorf("ctx.Err() after release = %v, want nil", err)
	}
	if err := other.Err(); err != nil {
		t.Errorf("other.Err() after release = %v, want nil", err)
	}
}

func TestMergeReleaseStopsTheAfterFuncs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, cancelBase := context.WithCancelCause(context.Background())
		defer cancelBase(nil)
		ctx := &hookCtx{Context: context.Background()}
		other := &hookCtx{Context: base}

		m, release := cancel.Merge(ctx, other)
		if got, want := other.live.Load(), int32(1); got != want {
			t.Fatalf("callbacks registered on other = %d, want %d", got, want)
		}
		release()
		if got := other.live.Load(); got != 0 {
			t.Errorf("callbacks still registered on other after release = %d, want 0", got)
		}
		if got := ctx.live.Load(); got != 0 {
			t.Errorf("callbacks still registered on ctx after release = %d, want 0", got)
		}

		// Canceling an input after release reaches nothing.
		cancelBase(errB)
		synctest.Wait()
		if got, want := context.Cause(m), context.Canceled; got != want {
			t.Errorf("Cause(m) = %v, want %v", got, want)
		}
		if got, want := m.Err(), context.Canceled; got != want {
			t.Errorf("Err() = %v, want %v", got, want)
		}
	})
}

func TestMergeStartsNoGoroutine(t *testing.T) {
	const n = 100
	var releases []context.CancelFunc
	before := runtime.NumGoroutine()
	for range n {
		ctx, cancelCtx := context.WithCancel(context.Background())
		defer cancelCtx()
		other, cancelOther := context.WithCancel(context.Background())
		defer cancelOther()
		_, release := cancel.Merge(ctx, other, context.Background())
		releases = append(releases, release)
	}
	after := runtime.NumGoroutine()
	for _, release := range releases {
		release()
	}
	if after-before >= n {
		t.Errorf("goroutines after %d merges = %d more than before, want fewer than %d", n, after-before, n)
	}
}

func TestMergeContextsDerivedFromItEnd(t *testing.T) {
	other, cancelOther := context.WithCancelCause(context.Background())
	defer cancelOther(nil)
	m, release := cancel.Merge(context.Background(), other)
	defer release()
	child, cancelChild := context.WithCancel(m)
	defer cancelChild()

	cancelOther(errB)
	<-child.Done()
	if got, want := context.Cause(child), errB; got != want {
		t.Errorf("Cause(child) = %v, want %v", got, want)
	}
}

func TestMergePanicsOnNil(t *testing.T) {
	wantPanic(t, "Merge(nil)", "cancel:", "nil Context", func() {
		//lint:ignore SA1012 the nil is the point
		cancel.Merge(nil)
	})
	wantPanic(t, "Merge(ctx, ctx, nil)", "cancel:", "others[1]", func() {
		cancel.Merge(context.Background(), context.Background(), nil)
	})
}
