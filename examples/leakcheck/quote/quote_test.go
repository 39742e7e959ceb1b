package quote_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/examples/leakcheck/quote"
	"github.com/scoped-go/scoped/timeout"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is still running
// once they have all passed: a leak anywhere in the package is caught even
// by a test that did not look for one.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestFirstAnswerWins runs in a synctest bubble: time is virtual, so the
// test takes no real time, and time.Since measures exactly what the
// sources' latencies say. When Fetch returns, the slower sources have been
// canceled and have returned (synctest.Test would fail otherwise).
func TestFirstAnswerWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		price, err := quote.Fetch(t.Context(), "GOOG", 2*time.Second,
			quote.After(300*time.Millisecond, 101.5),
			quote.After(100*time.Millisecond, 101.25),
			quote.After(time.Hour, 99))
		if err != nil || price != 101.25 {
			t.Fatalf("Fetch() = %v, %v; want 101.25 from the fastest source", price, err)
		}
		if got := time.Since(start); got != 100*time.Millisecond {
			t.Errorf("Fetch took %v of virtual time, want exactly 100ms", got)
		}
	})
}

// TestTimeout pins the timeout path to the nanosecond: no source answers,
// and Fetch gives up exactly at its limit with an error that says so.
func TestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		_, err := quote.Fetch(t.Context(), "GOOG", 2*time.Second,
			quote.After(time.Hour, 101), quote.After(time.Hour, 102))
		if !errors.Is(err, timeout.ErrTimeout) {
			t.Errorf("Fetch() error = %v, want timeout.ErrTimeout", err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("Fetch gave up after %v, want exactly 2s", got)
		}
	})
}

// fetchLeaky is Fetch as it is often first written, with bare goroutines:
// it returns on the first answer and forgets the other goroutines, which
// wait on their sources (and then on the channel) with nobody to cancel
// them.
func fetchLeaky(ctx context.Context, symbol string, sources ...quote.Source) float64 {
	answers := make(chan float64)
	for _, s := range sources {
		go func() {
			if p, err := s(ctx, symbol); err == nil {
				answers <- p
			}
		}()
	}
	return <-answers
}

// TestLeakyVersionIsCaught shows what goleak reports for fetchLeaky: the
// goroutines still running, with the stacks that started them. The test
// expects the report, then cancels the context to let the leaked
// goroutines go, so that TestMain's check passes.
func TestLeakyVersionIsCaught(t *testing.T) {
	ignore := goleak.IgnoreCurrent() // goroutines of other tests are not ours
	ctx, cancel := context.WithCancel(context.Background())
	price := fetchLeaky(ctx, "GOOG", quote.After(time.Millisecond, 101), quote.After(time.Hour, 102))
	if price != 101 {
		t.Errorf("fetchLeaky() = %v, want 101", price)
	}

	err := goleak.Find(ignore)
	if err == nil {
		t.Fatal("goleak.Find found no leak in fetchLeaky")
	}
	if !strings.Contains(err.Error(), "quote_test.fetchLeaky") {
		t.Errorf("the leak report does not name fetchLeaky:\n%v", err)
	}
	t.Logf("what goleak reports:\n%v", err)

	cancel() // the leaked goroutine's source returns; it sends nothing
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("still leaking after cancel: %v", err)
	}
}
