package timeout_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/scoped-go/scoped/timeout"
)

// A call that does not answer in time fails, and the error says which
// limit ran out.
func ExampleRun() {
	dial := func(ctx context.Context) error {
		<-ctx.Done() // the peer never answers
		return errors.New("dial: connection refused")
	}

	err := timeout.Run(context.Background(), 20*time.Millisecond, dial)
	fmt.Println(err)
	fmt.Println(errors.Is(err, timeout.ErrTimeout), errors.Is(err, context.DeadlineExceeded))
	// Output:
	// timeout: exceeded 20ms: dial: connection refused
	// true true
}

func ExampleValue() {
	lookup := func(ctx context.Context) (string, error) {
		return "203.0.113.7", nil
	}

	addr, err := timeout.Value(context.Background(), time.Second, lookup)
	fmt.Println(addr, err)
	// Output:
	// 203.0.113.7 <nil>
}

// Replies are gathered until the time is up; running out of time is the
// plan, not an error.
func ExampleMoveOn() {
	replies := make(chan string, 3)
	replies <- "a"
	replies <- "b"

	var got []string
	expired, err := timeout.MoveOn(context.Background(), 50*time.Millisecond, func(ctx context.Context) error {
		for {
			// Take the replies that have arrived before looking at the
			// clock: a select picks at random among ready cases.
			select {
			case r := <-replies:
				got = append(got, r)
				continue
			default:
			}
			select {
			case r := <-replies:
				got = append(got, r)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	fmt.Println(got, expired, err)
	// Output:
	// [a b] true <nil>
}

// Each attempt of a retry loop gets its own limit.
func ExampleWrap() {
	attempts := 0
	attempt := timeout.Wrap(20*time.Millisecond, func(ctx context.Context) error {
		attempts++
		if attempts == 1 {
			<-ctx.Done() // the first attempt hangs
			return ctx.Err()
		}
		return nil
	})

	for {
		err := attempt(context.Background())
		fmt.Printf("attempt %d: %v\n", attempts, err)
		if err == nil {
			break
		}
	}
	// Output:
	// attempt 1: timeout: exceeded 20ms
	// attempt 2: <nil>
}

// A handler keeps part of its request's deadline to write the error
// response when the query it runs is too slow.
func ExampleReserve() {
	slowQuery := func(ctx context.Context) error {
		<-ctx.Done() // the database is slow today
		return ctx.Err()
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		work, cancel := timeout.Reserve(r.Context(), 900*time.Millisecond)
		defer cancel()
		if err := slowQuery(work); err != nil {
			// The request's own context is still live: there is time to answer.
			fmt.Println("request still live:", r.Context().Err() == nil)
			http.Error(w, "query: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/report", nil)
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// request still live: true
	// 503 query: context deadline exceeded
}

// The limit that ran out can be read back from the error.
func ExampleError() {
	err := timeout.Run(context.Background(), 10*time.Millisecond, func(ctx context.Context) error {
		<-ctx.Done()
		return fmt.Errorf("fetch report: %w", ctx.Err())
	})

	var te *timeout.Error
	if errors.As(err, &te) {
		fmt.Println("limit:", te.Limit)
		fmt.Println("fn said:", te.Err)
		fmt.Println("message:", te.Error())
		fmt.Println("timeout:", te.Timeout(), te.Is(timeout.ErrTimeout), te.Is(context.DeadlineExceeded))
		fmt.Println("unwraps to fn's error:", te.Unwrap() == te.Err)
	}
	// Output:
	// limit: 10ms
	// fn said: fetch report: context deadline exceeded
	// message: timeout: exceeded 10ms: fetch report: context deadline exceeded
	// timeout: true true true
	// unwraps to fn's error: true
}

// ErrTimeout tells this call's own expiry apart from a parent's.
func ExampleErrTimeout() {
	wait := func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}

	own := timeout.Run(context.Background(), 10*time.Millisecond, wait)

	parent, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("user pressed stop"))
	theirs := timeout.Run(parent, time.Hour, wait)

	fmt.Println(own, errors.Is(own, timeout.ErrTimeout))
	fmt.Println(theirs, errors.Is(theirs, timeout.ErrTimeout))
	// Output:
	// timeout: exceeded 10ms true
	// user pressed stop false
}
